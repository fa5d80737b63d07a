"""Campaign life cycle for the admin API: which action is allowed in which status, and the customers a
campaign targets (selected by its filter in one INSERT ... SELECT, so a million customers is one statement)."""
from __future__ import annotations

import uuid
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import class_row

from shared.admin.errors import ConflictError
from shared.db.campaigns import Campaign
from shared.db.errors import NotFoundError

# action → (statuses it may be taken from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "start": (frozenset({"draft"}), "running"),
    "pause": (frozenset({"running"}), "paused"),
    "resume": (frozenset({"paused"}), "running"),
    "cancel": (frozenset({"draft", "running", "paused"}), "cancelled"),
}


def next_status(current: str, action: str) -> str:
    allowed, target = TRANSITIONS[action]
    if current not in allowed:
        raise ConflictError(f"cannot {action} a campaign that is {current}")
    return target


async def lock_campaign(conn: AsyncConnection, campaign_id: uuid.UUID) -> Campaign:
    """The campaign row, locked for this transaction (two admins pressing start at once start it once)."""
    async with conn.cursor(row_factory=class_row(Campaign)) as cur:
        await cur.execute("SELECT * FROM campaigns WHERE id = %s FOR UPDATE", (campaign_id,))
        row = await cur.fetchone()
    if row is None:
        raise NotFoundError("campaign not found")
    return row


def _filter_sql(f: dict[str, Any]) -> tuple[str, list[Any]]:
    clauses = ["cu.cease_requested_at IS NULL", "cu.consent_revoked_at IS NULL"]
    params: list[Any] = []
    for key, sql in (("min_days_overdue", "cu.days_overdue >= %s"), ("max_days_overdue", "cu.days_overdue <= %s"),
                     ("min_balance", "cu.balance >= %s"), ("max_balance", "cu.balance <= %s"),
                     ("country", "cu.country = %s")):
        if f.get(key) is not None:
            clauses.append(sql)
            params.append(f[key])
    if f.get("regions"):
        clauses.append("cu.region = ANY(%s)")
        params.append(list(f["regions"]))
    if f.get("customer_ids"):
        clauses.append("cu.id = ANY(%s::uuid[])")
        params.append([str(i) for i in f["customer_ids"]])
    return " AND ".join(clauses), params


async def attach_targets(conn: AsyncConnection, campaign: Campaign) -> int:
    """Add every customer matching the campaign's filter as a pending target; returns how many were added.
    The pre-dial gate still decides each dial; this only leaves out customers who asked not to be called."""
    where, params = _filter_sql(campaign.customer_filter)
    async with conn.cursor() as cur:
        await cur.execute(
            f"""INSERT INTO campaign_targets (campaign_id, customer_id)
                SELECT %s, cu.id FROM customers cu WHERE {where}
                ON CONFLICT (campaign_id, customer_id) DO NOTHING""", [campaign.id, *params])
        return cur.rowcount


async def apply_status(conn: AsyncConnection, campaign_id: uuid.UUID, status: str, instance_id: str | None = None
                       ) -> Campaign:
    async with conn.cursor(row_factory=class_row(Campaign)) as cur:
        await cur.execute(
            """UPDATE campaigns SET status = %s, instance_id = COALESCE(%s, instance_id),
                   started_at = CASE WHEN %s = 'running' THEN COALESCE(started_at, now()) ELSE started_at END,
                   completed_at = CASE WHEN %s IN ('completed','cancelled') THEN now() ELSE completed_at END
               WHERE id = %s RETURNING *""", (status, instance_id, status, status, campaign_id))
        row = await cur.fetchone()
    if row is None:
        raise NotFoundError("campaign not found")
    return row
