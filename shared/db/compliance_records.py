"""The compliance record: contact attempts with their pre-dial decision, compliance events, the internal DNC list.

contact_attempts and compliance_events are append-only (enforced by the database); this module only inserts.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from shared.db.errors import NotFoundError, domain_errors


@dataclass(frozen=True)
class ContactAttempt:
    id: int
    customer_id: uuid.UUID
    phone: str
    purpose: str
    source: str
    decision: str
    reason_code: str
    next_allowed_at: datetime | None
    rule_version: str | None
    details: dict[str, Any]
    decided_at: datetime
    callback_requested_at: datetime | None = None   # a requested callback: when the consumer asked
    reasons: list[str] = field(default_factory=list)   # every rule that denied (reason_code is the first)


@dataclass(frozen=True)
class ComplianceEvent:
    id: int
    customer_id: uuid.UUID | None
    call_id: uuid.UUID | None
    category: str
    code: str
    details: dict[str, Any]
    occurred_at: datetime
    simulated: bool = False                 # written by a simulated call (not the customer's real record)
    idempotency_key: str | None = None


@dataclass(frozen=True)
class DncEntry:
    id: int
    phone: str
    reason: str
    source: str
    created_by: str | None
    created_at: datetime


async def record_attempt(conn: AsyncConnection, *, customer_id: uuid.UUID, phone: str, purpose: str, source: str,
                         decision: str, reason_code: str, next_allowed_at: datetime | None = None,
                         rule_version: str | None = None, details: dict[str, Any] | None = None,
                         decided_at: datetime | None = None, reasons: list[str] | None = None,
                         callback_requested_at: datetime | None = None) -> ContactAttempt:
    """Append one dial attempt and the gate's decision on it."""
    with domain_errors():
        async with conn.cursor(row_factory=class_row(ContactAttempt)) as cur:
            await cur.execute(
                """INSERT INTO contact_attempts (customer_id, phone, purpose, source, decision, reason_code,
                       next_allowed_at, rule_version, details, decided_at, reasons, callback_requested_at)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, COALESCE(%s, now()), %s, %s) RETURNING *""",
                (customer_id, phone, purpose, source, decision, reason_code, next_allowed_at, rule_version,
                 Jsonb(details or {}), decided_at, reasons or [], callback_requested_at))
            row = await cur.fetchone()
    assert row is not None
    return row


async def record_event(conn: AsyncConnection, *, category: str, code: str, customer_id: uuid.UUID | None = None,
                       call_id: uuid.UUID | None = None, details: dict[str, Any] | None = None,
                       occurred_at: datetime | None = None, idempotency_key: str | None = None) -> ComplianceEvent:
    """Append one compliance event (disclosure played, guard block, intent detected, action taken...).

    Idempotent on `idempotency_key`; without one, a write queued by a call's write-behind gets
    `<write key>:<category>:<code>` (see shared.agent.persistence), so a retried batch stores each event once."""
    with domain_errors():
        async with conn.cursor(row_factory=class_row(ComplianceEvent)) as cur:
            await cur.execute(
                """INSERT INTO compliance_events (customer_id, call_id, category, code, details, occurred_at,
                                                  idempotency_key)
                   VALUES (%(customer)s, %(call)s, %(category)s, %(code)s, %(details)s, COALESCE(%(at)s, now()),
                           COALESCE(%(key)s, NULLIF(current_setting('archer.write_key', true), '')
                                             || ':' || %(category)s || ':' || %(code)s))
                   ON CONFLICT (idempotency_key) DO NOTHING RETURNING *""",
                {"customer": customer_id, "call": call_id, "category": category, "code": code,
                 "details": Jsonb(details or {}), "at": occurred_at, "key": idempotency_key})
            row = await cur.fetchone()
            if row is None:                     # already stored by an earlier attempt of the same write
                await cur.execute(
                    """SELECT * FROM compliance_events WHERE idempotency_key = COALESCE(%(key)s,
                         NULLIF(current_setting('archer.write_key', true), '') || ':' || %(category)s || ':' || %(code)s)""",
                    {"key": idempotency_key, "category": category, "code": code})
                row = await cur.fetchone()
    assert row is not None
    return row


async def events_for_call(conn: AsyncConnection, call_id: uuid.UUID) -> list[ComplianceEvent]:
    async with conn.cursor(row_factory=class_row(ComplianceEvent)) as cur:
        await cur.execute("SELECT * FROM compliance_events WHERE call_id = %s ORDER BY occurred_at, id", (call_id,))
        return await cur.fetchall()


async def attempts_for_customer(conn: AsyncConnection, customer_id: uuid.UUID, *, limit: int = 200
                                ) -> list[ContactAttempt]:
    async with conn.cursor(row_factory=class_row(ContactAttempt)) as cur:
        await cur.execute("SELECT * FROM contact_attempts WHERE customer_id = %s ORDER BY decided_at DESC, id DESC "
                          "LIMIT %s", (customer_id, limit))
        return await cur.fetchall()


async def add_dnc(conn: AsyncConnection, phone: str, *, source: str, reason: str = "",
                  created_by: str | None = None) -> DncEntry:
    """Suppress a number; adding one already listed returns the existing entry. From a simulated call the
    entry is only recorded as the call's would-be effect (0011's sandbox): an unsaved entry with id 0 is returned."""
    with domain_errors():
        async with conn.cursor(row_factory=class_row(DncEntry)) as cur:
            await cur.execute(
                """INSERT INTO dnc_entries (phone, source, reason, created_by) VALUES (%s, %s, %s, %s)
                   ON CONFLICT (phone) DO UPDATE SET phone = EXCLUDED.phone RETURNING *""",
                (phone, source, reason, created_by))
            row = await cur.fetchone()
    if row is None:
        return DncEntry(id=0, phone=phone, reason=reason, source=source, created_by=created_by,
                        created_at=datetime.now(UTC))
    return row


async def is_dnc(conn: AsyncConnection, phone: str) -> bool:
    cur = await conn.execute("SELECT 1 FROM dnc_entries WHERE phone = %s", (phone,))
    return await cur.fetchone() is not None


async def list_dnc(conn: AsyncConnection, *, limit: int = 500) -> list[DncEntry]:
    async with conn.cursor(row_factory=class_row(DncEntry)) as cur:
        await cur.execute("SELECT * FROM dnc_entries ORDER BY created_at DESC LIMIT %s", (limit,))
        return await cur.fetchall()


async def remove_dnc(conn: AsyncConnection, entry_id: int) -> DncEntry:
    async with conn.cursor(row_factory=class_row(DncEntry)) as cur:
        await cur.execute("DELETE FROM dnc_entries WHERE id = %s RETURNING *", (entry_id,))
        row = await cur.fetchone()
    if row is None:
        raise NotFoundError("do-not-call entry not found")
    return row
