"""Collection policies: the settlement floor, plan lengths and minimum instalment negotiations stay within."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from psycopg import AsyncConnection
from psycopg.rows import class_row

from shared.db.errors import NotFoundError, domain_errors


@dataclass(frozen=True)
class CollectionPolicy:
    id: int
    name: str
    is_default: bool
    settlement_floor_pct: Decimal
    settlement_anchor_pct: Decimal
    negotiation_step_pct: Decimal
    plan_lengths: list[int]
    max_plan_months: int
    min_instalment: Decimal
    hardship_deferral_days: int
    hardship_min_days_overdue: int
    approved_by: str | None
    effective_from: date
    created_at: datetime
    updated_at: datetime


async def policy_for_customer(conn: AsyncConnection, policy_id: int | None) -> CollectionPolicy:
    """The customer's own policy, else the default one."""
    async with conn.cursor(row_factory=class_row(CollectionPolicy)) as cur:
        await cur.execute(
            "SELECT * FROM collection_policies WHERE id = %s OR (%s::bigint IS NULL AND is_default) "
            "ORDER BY (id = %s) DESC NULLS LAST LIMIT 1", (policy_id, policy_id, policy_id))
        row = await cur.fetchone()
    if row is None:
        raise NotFoundError("no collection policy configured")
    return row


async def upsert_policy(conn: AsyncConnection, *, name: str, is_default: bool, settlement_floor_pct: Decimal,
                        settlement_anchor_pct: Decimal, negotiation_step_pct: Decimal, plan_lengths: list[int],
                        max_plan_months: int, min_instalment: Decimal, hardship_deferral_days: int,
                        hardship_min_days_overdue: int, approved_by: str | None) -> CollectionPolicy:
    """Insert or update a policy by name (used by the seed and the admin API)."""
    sql = """
        INSERT INTO collection_policies (name, is_default, settlement_floor_pct, settlement_anchor_pct,
            negotiation_step_pct, plan_lengths, max_plan_months, min_instalment, hardship_deferral_days,
            hardship_min_days_overdue, approved_by)
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
        ON CONFLICT (name) DO UPDATE SET is_default = EXCLUDED.is_default,
            settlement_floor_pct = EXCLUDED.settlement_floor_pct, settlement_anchor_pct = EXCLUDED.settlement_anchor_pct,
            negotiation_step_pct = EXCLUDED.negotiation_step_pct, plan_lengths = EXCLUDED.plan_lengths,
            max_plan_months = EXCLUDED.max_plan_months, min_instalment = EXCLUDED.min_instalment,
            hardship_deferral_days = EXCLUDED.hardship_deferral_days,
            hardship_min_days_overdue = EXCLUDED.hardship_min_days_overdue, approved_by = EXCLUDED.approved_by
        RETURNING *"""
    with domain_errors():
        async with conn.cursor(row_factory=class_row(CollectionPolicy)) as cur:
            await cur.execute(sql, (name, is_default, settlement_floor_pct, settlement_anchor_pct, negotiation_step_pct,
                                    plan_lengths, max_plan_months, min_instalment, hardship_deferral_days,
                                    hardship_min_days_overdue, approved_by))
            row = await cur.fetchone()
    assert row is not None
    return row
