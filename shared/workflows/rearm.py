"""Callbacks promised but never handed to a workflow (the voice service gave up after its retries, or the Function
app was down): the scheduled rows the re-arm timer offers again to the idempotent start."""
from __future__ import annotations

import uuid
from datetime import datetime

from psycopg import AsyncConnection

REARM_BATCH = 500


async def scheduled_callbacks(conn: AsyncConnection, *, created_before: datetime,
                              limit: int = REARM_BATCH) -> list[tuple[uuid.UUID, datetime]]:
    """Callbacks still waiting to be called, soonest first (the start is idempotent, so started ones are harmless)."""
    cur = await conn.execute(
        "SELECT id, scheduled_for FROM callbacks WHERE status = 'scheduled' AND created_at < %s "
        "ORDER BY scheduled_for LIMIT %s", (created_before, limit))
    return [(row[0], row[1]) for row in await cur.fetchall()]
