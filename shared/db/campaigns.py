"""Outbound campaigns and their targets, read in keyset pages by the campaign workflow."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from shared.db.errors import NotFoundError, domain_errors


@dataclass(frozen=True)
class Campaign:
    id: uuid.UUID
    name: str
    status: str
    tactic_id: int | None
    customer_filter: dict[str, Any]
    starts_at: datetime | None
    ends_at: datetime | None
    max_concurrency: int
    calls_per_minute: int
    max_attempts: int
    retry_delay_minutes: int
    instance_id: str | None
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    completed_at: datetime | None


@dataclass(frozen=True)
class CampaignTarget:
    id: int
    campaign_id: uuid.UUID
    customer_id: uuid.UUID
    status: str
    disposition: str | None
    attempts: int
    next_attempt_at: datetime | None
    last_call_id: uuid.UUID | None
    updated_at: datetime


async def create_campaign(conn: AsyncConnection, *, name: str, tactic_id: int | None, customer_filter: dict[str, Any],
                          max_concurrency: int = 5, calls_per_minute: int = 30, max_attempts: int = 3,
                          retry_delay_minutes: int = 240, starts_at: datetime | None = None,
                          ends_at: datetime | None = None, created_by: str | None = None) -> Campaign:
    with domain_errors():
        async with conn.cursor(row_factory=class_row(Campaign)) as cur:
            await cur.execute(
                """INSERT INTO campaigns (name, tactic_id, customer_filter, max_concurrency, calls_per_minute,
                       max_attempts, retry_delay_minutes, starts_at, ends_at, created_by)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING *""",
                (name, tactic_id, Jsonb(customer_filter), max_concurrency, calls_per_minute, max_attempts,
                 retry_delay_minutes, starts_at, ends_at, created_by))
            row = await cur.fetchone()
    assert row is not None
    return row


async def get_campaign(conn: AsyncConnection, campaign_id: uuid.UUID) -> Campaign:
    async with conn.cursor(row_factory=class_row(Campaign)) as cur:
        await cur.execute("SELECT * FROM campaigns WHERE id = %s", (campaign_id,))
        row = await cur.fetchone()
    if row is None:
        raise NotFoundError("campaign not found")
    return row


async def set_campaign_status(conn: AsyncConnection, campaign_id: uuid.UUID, status: str) -> None:
    with domain_errors():
        await conn.execute(
            """UPDATE campaigns SET status = %s,
                   started_at = CASE WHEN %s = 'running' THEN COALESCE(started_at, now()) ELSE started_at END,
                   completed_at = CASE WHEN %s IN ('completed','cancelled') THEN now() ELSE completed_at END
               WHERE id = %s""", (status, status, status, campaign_id))


async def add_targets(conn: AsyncConnection, campaign_id: uuid.UUID, customer_ids: list[uuid.UUID]) -> int:
    """Attach customers to a campaign (a customer already attached is skipped); returns how many were added."""
    async with conn.cursor() as cur:
        await cur.execute(
            """INSERT INTO campaign_targets (campaign_id, customer_id)
               SELECT %s, unnest(%s::uuid[]) ON CONFLICT (campaign_id, customer_id) DO NOTHING""",
            (campaign_id, customer_ids))
        return cur.rowcount


async def page_targets(conn: AsyncConnection, campaign_id: uuid.UUID, *, after_id: int = 0, limit: int = 500,
                       statuses: tuple[str, ...] = ("pending", "retry_wait")) -> list[CampaignTarget]:
    """The next page of targets in id order (keyset), filtered by status."""
    async with conn.cursor(row_factory=class_row(CampaignTarget)) as cur:
        await cur.execute(
            "SELECT * FROM campaign_targets WHERE campaign_id = %s AND id > %s AND status = ANY(%s) "
            "ORDER BY id LIMIT %s", (campaign_id, after_id, list(statuses), limit))
        return await cur.fetchall()


async def update_target(conn: AsyncConnection, target_id: int, *, status: str, disposition: str | None = None,
                        attempts_delta: int = 0, next_attempt_at: datetime | None = None,
                        last_call_id: uuid.UUID | None = None) -> None:
    with domain_errors():
        await conn.execute(
            """UPDATE campaign_targets SET status = %s, disposition = COALESCE(%s, disposition),
                   attempts = attempts + %s, next_attempt_at = %s, last_call_id = COALESCE(%s, last_call_id)
               WHERE id = %s""", (status, disposition, attempts_delta, next_attempt_at, last_call_id, target_id))


async def progress(conn: AsyncConnection, campaign_id: uuid.UUID) -> dict[str, int]:
    """Target counts by status."""
    cur = await conn.execute(
        "SELECT status, count(*) FROM campaign_targets WHERE campaign_id = %s GROUP BY status", (campaign_id,))
    return {status: int(n) for status, n in await cur.fetchall()}
