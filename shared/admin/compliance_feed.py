"""The compliance views of the admin UI: one account's timeline a page at a time (the compliance package's query
behind an opaque cursor) and the newest events of chosen categories across all accounts."""
from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from psycopg import AsyncConnection
from psycopg.rows import class_row

from shared.admin.call_search import BadCursorError
from shared.compliance.timeline import TimelineEntry, compliance_timeline

# The compliance_events.category CHECK list: "every category" is these, each read through its own index range.
CATEGORIES = ("disclosure", "guard_block", "intent", "action", "consent", "predial", "retention", "dnc", "sms")


@dataclass(frozen=True)
class RecentEvent:
    id: int
    category: str
    code: str
    occurred_at: datetime
    customer_id: uuid.UUID | None
    customer_name: str | None
    call_id: uuid.UUID | None


def encode_timeline_cursor(entry: TimelineEntry) -> str:
    raw = f"{entry.at.isoformat()}|{entry.source_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_timeline_cursor(cursor: str) -> TimelineEntry:
    """A stand-in entry carrying only the keyset position (at, source_id) the timeline query reads."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, source_id = raw.split("|", 1)
        at = datetime.fromisoformat(when)
        if at.tzinfo is None or not source_id:
            raise ValueError("incomplete")
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadCursorError("the cursor is not valid") from exc
    return TimelineEntry(at=at, kind="", code="", source_id=source_id, call_id=None, details={})


async def timeline_page(conn: AsyncConnection, customer_id: uuid.UUID, *, limit: int,
                        cursor: str | None = None) -> tuple[list[TimelineEntry], str | None]:
    """Up to `limit` entries oldest first, and the cursor of the next page (None at the end)."""
    after = decode_timeline_cursor(cursor) if cursor else None
    rows = await compliance_timeline(conn, customer_id, limit=limit + 1, after=after)
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_timeline_cursor(rows[-1]) if more and rows else None


# One index range scan per category (compliance_events_recent), merged and cut to the limit.
_RECENT_SQL = """
SELECT e.id, e.category, e.code, e.occurred_at, e.customer_id,
       CASE WHEN c.id IS NULL THEN NULL ELSE c.first_name || ' ' || c.last_name END AS customer_name, e.call_id
FROM unnest(%(categories)s::text[]) AS cat(name)
CROSS JOIN LATERAL (
  SELECT * FROM compliance_events x WHERE x.category = cat.name ORDER BY x.occurred_at DESC, x.id DESC
  LIMIT %(limit)s) e
LEFT JOIN customers c ON c.id = e.customer_id
ORDER BY e.occurred_at DESC, e.id DESC
LIMIT %(limit)s
"""


async def recent_events(conn: AsyncConnection, categories: Sequence[str] = (), *, limit: int = 50
                        ) -> list[RecentEvent]:
    """The newest events of the given categories (all when empty), newest first. Details are left out: they may
    quote what a customer said."""
    wanted = [c for c in CATEGORIES if c in set(categories)] if categories else list(CATEGORIES)
    if not wanted:
        return []
    async with conn.cursor(row_factory=class_row(RecentEvent)) as cur:
        await cur.execute(_RECENT_SQL, {"categories": wanted, "limit": max(1, min(limit, 500))})
        return await cur.fetchall()
