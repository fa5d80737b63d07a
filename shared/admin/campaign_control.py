"""Campaign life cycle for the admin API: which action is allowed in which status, and the customers a
campaign targets (selected by its filter in one INSERT ... SELECT, so a million customers is one statement)."""
from __future__ import annotations

import uuid
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from shared.admin.errors import ConflictError
from shared.db.campaigns import Campaign
from shared.db.errors import NotFoundError, domain_errors

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


async def list_campaigns(conn: AsyncConnection, *, status: str | None, limit: int) -> list[Campaign]:
    where = "WHERE status = %s" if status else ""
    params: list[Any] = [status] if status else []
    async with conn.cursor(row_factory=class_row(Campaign)) as cur:
        await cur.execute(f"SELECT * FROM campaigns {where} ORDER BY created_at DESC LIMIT %s", [*params, limit])
        return await cur.fetchall()


_EDITABLE = {"name", "tactic_id", "customer_filter", "max_concurrency", "calls_per_minute", "max_attempts",
             "retry_delay_minutes"}


async def edit_draft(conn: AsyncConnection, campaign_id: uuid.UUID, changes: dict[str, Any]
                     ) -> tuple[Campaign, Campaign]:
    """Change a draft's settings; returns (before, after). Anything but a draft is a ConflictError."""
    before = await lock_campaign(conn, campaign_id)
    if before.status != "draft":
        raise ConflictError(f"only a draft campaign can be edited (this one is {before.status})")
    unknown = set(changes) - _EDITABLE
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if not changes:
        return before, before
    values = [Jsonb(v or {}) if k == "customer_filter" else v for k, v in changes.items()]
    assignments = ", ".join(f"{k} = %s" for k in changes)
    with domain_errors():
        async with conn.cursor(row_factory=class_row(Campaign)) as cur:
            await cur.execute(f"UPDATE campaigns SET {assignments} WHERE id = %s RETURNING *", [*values, campaign_id])
            after = await cur.fetchone()
    assert after is not None
    return before, after


async def delete_draft(conn: AsyncConnection, campaign_id: uuid.UUID) -> Campaign:
    """Delete a draft; a campaign that ever ran is kept (cancel it instead)."""
    before = await lock_campaign(conn, campaign_id)
    if before.status != "draft":
        raise ConflictError(f"only a draft campaign can be deleted (this one is {before.status})")
    await conn.execute("DELETE FROM campaigns WHERE id = %s", (campaign_id,))
    return before
