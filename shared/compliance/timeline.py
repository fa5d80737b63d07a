"""One account's compliance record in time order: every dial decision, conversation, disclosure, guard block,
intent and action (COMPLIANCE §4), keyset-paginated for the admin UI and for counsel's review."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import class_row


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str              # 'attempt', 'conversation', or the compliance_events category ('disclosure', 'intent'...)
    code: str              # attempt: reason code; conversation: call type; event: its code
    source_id: str         # 'attempt:<id>', 'conversation:<call id>', 'event:<id>' (unique, sorts ties)
    call_id: uuid.UUID | None
    details: dict[str, Any]


_TIMELINE_SQL = """
SELECT * FROM (
  SELECT ca.decided_at AS at, 'attempt' AS kind, ca.reason_code AS code,
         'attempt:' || lpad(ca.id::text, 19, '0') AS source_id, k.id AS call_id,
         jsonb_build_object('decision', ca.decision, 'purpose', ca.purpose, 'source', ca.source,
                            'next_allowed_at', ca.next_allowed_at, 'rule_version', ca.rule_version,
                            'reasons', to_jsonb(ca.reasons)) || (ca.details - 'reasons')
           AS details
  FROM contact_attempts ca LEFT JOIN calls k ON k.contact_attempt_id = ca.id
  WHERE ca.customer_id = %(cid)s
  UNION ALL
  SELECT k.conversation_at, 'conversation', k.call_type, 'conversation:' || k.id::text, k.id,
         jsonb_build_object('direction', k.direction, 'outcome', k.outcome, 'verified', k.verified)
  FROM calls k WHERE k.customer_id = %(cid)s AND k.conversation_at IS NOT NULL
  UNION ALL
  SELECT e.occurred_at, e.category, e.code, 'event:' || lpad(e.id::text, 19, '0'), e.call_id, e.details
  FROM compliance_events e WHERE e.customer_id = %(cid)s
) t
WHERE %(after_at)s::timestamptz IS NULL OR (t.at, t.source_id) > (%(after_at)s, %(after_id)s)
ORDER BY t.at, t.source_id
LIMIT %(limit)s
"""


async def compliance_timeline(conn: AsyncConnection, customer_id: uuid.UUID, *, limit: int = 500,
                              after: TimelineEntry | None = None) -> list[TimelineEntry]:
    """The account's record, oldest first; pass the last entry of a page as `after` for the next one."""
    params = {"cid": customer_id, "limit": max(1, min(limit, 5000)), "after_at": after.at if after else None,
              "after_id": after.source_id if after else None}
    async with conn.cursor(row_factory=class_row(TimelineEntry)) as cur:
        await cur.execute(_TIMELINE_SQL, params)
        return await cur.fetchall()
