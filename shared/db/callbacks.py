"""Scheduled callbacks: a promise to call the customer back at a time they asked for."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from psycopg import AsyncConnection
from psycopg.rows import class_row

from shared.db.errors import NotFoundError, domain_errors


@dataclass(frozen=True)
class Callback:
    id: uuid.UUID
    customer_id: uuid.UUID
    requested_on_call_id: uuid.UUID | None
    scheduled_for: datetime
    reason: str
    requested_by: str
    status: str
    instance_id: str | None
    attempts: int
    outcome: str | None
    created_at: datetime
    updated_at: datetime
    requested_at: datetime   # when the consumer asked (the exemption window of COMPLIANCE §1 counts from its day)
    simulated: bool = False                 # requested on a simulated call: never dialed


async def create_callback(conn: AsyncConnection, *, customer_id: uuid.UUID, scheduled_for: datetime, reason: str,
                          requested_by: str = "customer", requested_on_call_id: uuid.UUID | None = None,
                          requested_at: datetime | None = None) -> Callback:
    """Store a callback; its workflow instance id is derived from the row id (deterministic, deduplicating).
    `requested_at` is when the consumer asked (default: now); the pre-dial gate's exemption counts from it."""
    with domain_errors():
        async with conn.cursor(row_factory=class_row(Callback)) as cur:
            await cur.execute(
                """INSERT INTO callbacks (customer_id, scheduled_for, reason, requested_by, requested_on_call_id,
                                        requested_at)
                   VALUES (%s, %s, %s, %s, %s, COALESCE(%s, now())) RETURNING *""",
                (customer_id, scheduled_for, reason, requested_by, requested_on_call_id, requested_at))
            row = await cur.fetchone()
            assert row is not None
            await cur.execute("UPDATE callbacks SET instance_id = %s WHERE id = %s RETURNING *",
                              (f"callback-{row.id}", row.id))
            row = await cur.fetchone()
    assert row is not None
    return row


async def get_callback(conn: AsyncConnection, callback_id: uuid.UUID) -> Callback:
    async with conn.cursor(row_factory=class_row(Callback)) as cur:
        await cur.execute("SELECT * FROM callbacks WHERE id = %s", (callback_id,))
        row = await cur.fetchone()
    if row is None:
        raise NotFoundError("callback not found")
    return row


async def list_callbacks(conn: AsyncConnection, *, status: str | None = None, customer_id: uuid.UUID | None = None,
                         limit: int = 100) -> list[Callback]:
    clauses: list[str] = ["NOT simulated"]      # a simulated call's callback is never placed
    params: list[object] = []
    if status:
        clauses.append("status = %s")
        params.append(status)
    if customer_id:
        clauses.append("customer_id = %s")
        params.append(customer_id)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    async with conn.cursor(row_factory=class_row(Callback)) as cur:
        await cur.execute(f"SELECT * FROM callbacks {where} ORDER BY scheduled_for LIMIT %s", [*params, limit])
        return await cur.fetchall()


async def set_callback_status(conn: AsyncConnection, callback_id: uuid.UUID, status: str, *,
                              outcome: str | None = None, count_attempt: bool = False) -> None:
    with domain_errors():
        await conn.execute(
            "UPDATE callbacks SET status = %s, outcome = COALESCE(%s, outcome), attempts = attempts + %s WHERE id = %s",
            (status, outcome, 1 if count_attempt else 0, callback_id))
