"""Which orchestration waits for a call's outcome: the call's callback, or its campaign target's attempt.

The status webhook only knows the call; the instance id is derived from rows the dial wrote (see policy).
"""
from __future__ import annotations

import uuid

from psycopg import AsyncConnection

from shared.workflows import policy


async def waiting_instance(conn: AsyncConnection, call_id: uuid.UUID) -> str | None:
    cur = await conn.execute(
        """SELECT c.callback_id, c.campaign_id, t.id, t.attempts, t.next_attempt_at
           FROM calls c LEFT JOIN campaign_targets t
             ON t.campaign_id = c.campaign_id AND t.customer_id = c.customer_id
           WHERE c.id = %s""", (call_id,))
    row = await cur.fetchone()
    if row is None:
        return None
    callback_id, campaign_id, target_id, attempts, due = row
    if callback_id is not None:
        return policy.callback_instance_id(callback_id)
    if campaign_id is not None and target_id is not None:
        return policy.target_instance_id(campaign_id, target_id, attempts, due)
    return None
