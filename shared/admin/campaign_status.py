"""Why a campaign is (not) dialing, in words an operator can act on, and its targets with the pre-dial gate's
decision for each right now (a preview: nothing is recorded)."""
from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from psycopg import AsyncConnection
from psycopg.rows import class_row

from shared.admin.contact_preview import customer_zone
from shared.compliance import predial
from shared.db.campaigns import Campaign
from shared.db.customers import Customer

OPEN = ("pending", "retry_wait", "in_progress")
SAMPLE = 500  # open targets whose gate decision is previewed for the explanation


@dataclass(frozen=True)
class Explanation:
    code: str        # dialing, draft, paused, finished, no_targets, before_window, after_window, all_blocked, ...
    message: str
    next_at: datetime | None = None
    reasons: dict[str, int] = field(default_factory=dict)  # gate reason code -> targets it blocks (all_blocked)


@dataclass(frozen=True)
class TargetView:
    id: int
    customer_id: uuid.UUID
    customer_name: str
    status: str
    disposition: str | None
    attempts: int
    next_attempt_at: datetime | None
    last_call_id: uuid.UUID | None
    gate_allowed: bool | None      # None once the target is finished (no further dial)
    gate_reason: str | None
    gate_next_allowed_at: datetime | None
    timezone: str | None


async def target_counts(conn: AsyncConnection, campaign_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, int]]:
    """Target counts by status for several campaigns in one query."""
    cur = await conn.execute("SELECT campaign_id, status, count(*) FROM campaign_targets "
                             "WHERE campaign_id = ANY(%s) GROUP BY campaign_id, status", (campaign_ids,))
    out: dict[uuid.UUID, dict[str, int]] = {}
    for cid, status, n in await cur.fetchall():
        out.setdefault(cid, {})[status] = int(n)
    return out


async def _customers(conn: AsyncConnection, ids: list[uuid.UUID]) -> dict[uuid.UUID, Customer]:
    async with conn.cursor(row_factory=class_row(Customer)) as cur:
        await cur.execute("SELECT * FROM customers WHERE id = ANY(%s)", (ids,))
        return {c.id: c for c in await cur.fetchall()}


async def list_targets(conn: AsyncConnection, campaign_id: uuid.UUID, *, now: datetime, after_id: int = 0,
                       limit: int = 50) -> list[TargetView]:
    """A page of targets (id order) with the gate's current decision for each one still to be dialed."""
    cur = await conn.execute(
        "SELECT id, customer_id, status, disposition, attempts, next_attempt_at, last_call_id FROM campaign_targets "
        "WHERE campaign_id = %s AND id > %s ORDER BY id LIMIT %s", (campaign_id, after_id, limit))
    rows = await cur.fetchall()
    ids = [r[1] for r in rows]
    people = await _customers(conn, ids)
    open_ids = [r[1] for r in rows if r[2] in OPEN]
    decisions = await predial.check_batch(conn, open_ids, now=now, purpose="collection", source="campaign",
                                          record=False) if open_ids else {}
    views = []
    for tid, cid, status, disposition, attempts, next_at, last_call in rows:
        d = decisions.get(cid)
        c = people.get(cid)
        views.append(TargetView(tid, cid, c.full_name if c else "Unknown", status, disposition, attempts, next_at,
                                last_call, d.allowed if d else None, d.reason_code if d else None,
                                d.next_allowed_at if d else None, customer_zone(c) if c else None))
    return views


async def explain(conn: AsyncConnection, campaign: Campaign, counts: dict[str, int], *, now: datetime) -> Explanation:
    """The one sentence that says what the campaign is doing and, when nothing dials, why."""
    total = sum(counts.values())
    open_n = sum(counts.get(s, 0) for s in OPEN)
    if campaign.status == "draft":
        return Explanation("draft", "Not started. Customers are chosen from the filter when it starts.")
    if campaign.status == "paused":
        return Explanation("paused", "Paused: no new calls start until it is resumed.")
    if campaign.status == "cancelled":
        return Explanation("cancelled", "Cancelled: no further calls.")
    if total == 0:
        return Explanation("no_targets", "Nothing to dial: no customer matched the filter (customers who asked not "
                           "to be called are left out).")
    if campaign.status == "completed" or open_n == 0:
        parts = [f"{counts[k]} {w}" for k, w in (("done", "called"), ("skipped", "skipped by the pre-dial gate"),
                                                  ("cancelled", "cancelled")) if counts.get(k)]
        reasons: dict[str, int] = {}
        if counts.get("skipped"):
            cur = await conn.execute("SELECT disposition, count(*) FROM campaign_targets WHERE campaign_id = %s "
                                     "AND status = 'skipped' GROUP BY 1 ORDER BY 2 DESC", (campaign.id,))
            reasons = {str(d).removeprefix("blocked_"): int(n) for d, n in await cur.fetchall() if d}
        return Explanation("finished", f"Finished: {', '.join(parts) or 'no target left'}.", None, reasons)
    if campaign.starts_at and now < campaign.starts_at:
        return Explanation("before_window", "Waiting: the campaign's window has not opened yet.", campaign.starts_at)
    if campaign.ends_at and now >= campaign.ends_at:
        return Explanation("after_window", "Not dialing: the campaign's window has closed.", campaign.ends_at)
    if counts.get("in_progress", 0):
        return Explanation("dialing", f"Dialing: {counts['in_progress']} call(s) in progress.")
    cur = await conn.execute("SELECT customer_id, status, next_attempt_at FROM campaign_targets WHERE campaign_id = %s "
                             "AND status = ANY(%s) ORDER BY id LIMIT %s", (campaign.id, list(OPEN), SAMPLE))
    rows = await cur.fetchall()
    decisions = await predial.check_batch(conn, [r[0] for r in rows], now=now, purpose="collection",
                                          source="campaign", record=False)
    allowed = [r for r in rows if decisions.get(r[0]) and decisions[r[0]].allowed]
    if not allowed:
        reasons = Counter(d.reason_code for d in decisions.values())
        nexts = [d.next_allowed_at for d in decisions.values() if d.next_allowed_at]
        scope = "every remaining target is" if open_n <= SAMPLE else f"the next {SAMPLE} targets are"
        return Explanation("all_blocked", f"Not dialing: {scope} blocked by the pre-dial gate right now.",
                           min(nexts) if nexts else None, dict(reasons.most_common()))
    waiting = [r[2] for r in allowed if r[1] == "retry_wait" and r[2] and r[2] > now]
    if len(waiting) == len(allowed):
        return Explanation("waiting_retry", "Waiting to retry: every callable target has a later attempt time.",
                           min(waiting))
    return Explanation("dialing", f"Dialing: {len(allowed) - len(waiting)} target(s) may be called now.")
