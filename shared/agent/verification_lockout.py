"""Right-party verification lockout across calls: failed attempts are counted per customer in the database (every
call, real or simulated, counts: guessing the last four digits is an attack on the real account); at
MAX_FAILURES within WINDOW the account is locked until a supervisor clears it. Locking and clearing are
compliance events (category 'verification').

The verification tool calls `ensure_unlocked(ctx)` before an attempt and `record_attempt(ctx, ok)` after it.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from psycopg import AsyncConnection
from psycopg.rows import class_row

from shared.agent.state import MAX_VERIFICATION_ATTEMPTS
from shared.agent.tools.context import ToolContext
from shared.db import compliance_records

log = logging.getLogger(__name__)
MAX_FAILURES = 5
WINDOW = timedelta(hours=24)
LOCKED_REASON = "verification attempts exhausted for this account (locked); end the call politely"
# An unknown caller (no account on the call yet) is identified from last 4 + postal code among all accounts:
# failures are limited per calling number in a window, so nobody can sweep the accounts by calling again.
IDENTIFY_MAX_FAILURES = 6
IDENTIFY_WINDOW = timedelta(hours=1)
WITHHELD = "withheld"


@dataclass(frozen=True)
class Lockout:
    customer_id: uuid.UUID
    failures: int
    window_start: datetime
    locked_at: datetime | None
    cleared_at: datetime | None
    cleared_by: str | None
    updated_at: datetime

    @property
    def locked(self) -> bool:
        return self.locked_at is not None


async def get_lockout(conn: AsyncConnection, customer_id: uuid.UUID) -> Lockout | None:
    async with conn.cursor(row_factory=class_row(Lockout)) as cur:
        await cur.execute("SELECT * FROM verification_lockouts WHERE customer_id = %s", (customer_id,))
        return await cur.fetchone()


_FAIL = """
INSERT INTO verification_lockouts (customer_id, failures, window_start, updated_at) VALUES (%(c)s, 1, %(now)s, %(now)s)
ON CONFLICT (customer_id) DO UPDATE SET
  failures = CASE WHEN verification_lockouts.locked_at IS NULL AND verification_lockouts.window_start < %(since)s
                  THEN 1 ELSE verification_lockouts.failures + 1 END,
  window_start = CASE WHEN verification_lockouts.locked_at IS NULL AND verification_lockouts.window_start < %(since)s
                      THEN %(now)s ELSE verification_lockouts.window_start END,
  updated_at = %(now)s
RETURNING *"""


async def record_failure(conn: AsyncConnection, customer_id: uuid.UUID, *, call_id: uuid.UUID | None,
                         now: datetime) -> Lockout:
    """Count one failed attempt; the one that reaches MAX_FAILURES locks the account (and is recorded)."""
    async with conn.transaction(), conn.cursor(row_factory=class_row(Lockout)) as cur:
        await cur.execute(_FAIL, {"c": customer_id, "now": now, "since": now - WINDOW})
        row = await cur.fetchone()
        assert row is not None
        if row.locked_at is None and row.failures >= MAX_FAILURES:
            await cur.execute("UPDATE verification_lockouts SET locked_at = %s, cleared_at = NULL, cleared_by = NULL "
                              "WHERE customer_id = %s RETURNING *", (now, customer_id))
            row = await cur.fetchone()
            assert row is not None
            await compliance_records.record_event(
                conn, category="verification", code="verification_locked", customer_id=customer_id, call_id=call_id,
                details={"failures": row.failures, "window_hours": int(WINDOW.total_seconds() // 3600)},
                idempotency_key=f"verification_locked:{customer_id}:{now.isoformat()}")
            log.warning("verification locked after repeated failures", extra={"call_id": str(call_id)})
    return row


async def record_success(conn: AsyncConnection, customer_id: uuid.UUID) -> None:
    """A correct answer (on an unlocked account) starts the count again."""
    await conn.execute("UPDATE verification_lockouts SET failures = 0 WHERE customer_id = %s AND locked_at IS NULL",
                       (customer_id,))


async def clear(conn: AsyncConnection, customer_id: uuid.UUID, *, cleared_by: str, now: datetime) -> bool:
    """A supervisor lifts the lock (recorded); False when the account was not locked."""
    async with conn.transaction():
        cur = await conn.execute(
            "UPDATE verification_lockouts SET locked_at = NULL, failures = 0, window_start = %s, cleared_at = %s, "
            "cleared_by = %s, updated_at = %s WHERE customer_id = %s AND locked_at IS NOT NULL RETURNING 1",
            (now, now, cleared_by[:200], now, customer_id))
        if await cur.fetchone() is None:
            return False
        await compliance_records.record_event(conn, category="verification", code="verification_lock_cleared",
                                              customer_id=customer_id, details={"cleared_by": cleared_by[:200]},
                                              idempotency_key=f"verification_cleared:{customer_id}:{now.isoformat()}")
    return True


async def _caller(conn: AsyncConnection, call_id: uuid.UUID) -> str:
    cur = await conn.execute("SELECT from_number FROM calls WHERE id = %s", (call_id,))
    row = await cur.fetchone()
    return str(row[0])[:100] if row and row[0] else WITHHELD


_IDENTIFY_FAIL = """
INSERT INTO identification_failures (caller, failures, window_start) VALUES (%(c)s, 1, %(now)s)
ON CONFLICT (caller) DO UPDATE SET
  failures = CASE WHEN identification_failures.window_start < %(since)s THEN 1
                  ELSE identification_failures.failures + 1 END,
  window_start = CASE WHEN identification_failures.window_start < %(since)s THEN %(now)s
                      ELSE identification_failures.window_start END
RETURNING failures"""


async def _identification_blocked(conn: AsyncConnection, call_id: uuid.UUID, now: datetime) -> bool:
    cur = await conn.execute("SELECT failures FROM identification_failures WHERE caller = %s AND window_start >= %s",
                             (await _caller(conn, call_id), now - IDENTIFY_WINDOW))
    row = await cur.fetchone()
    return row is not None and row[0] >= IDENTIFY_MAX_FAILURES


# ---- the verification tool's hooks ------------------------------------------------------------------------------
async def ensure_unlocked(ctx: ToolContext) -> None:
    """Raise ToolRefused when the customer's verification is locked, or (no customer on the call yet) when this
    calling number has failed identification too often; the engine then ends the call politely."""
    from shared.agent.tools.registry import ToolRefused

    async with ctx.db() as conn:
        if ctx.customer is None:
            blocked = await _identification_blocked(conn, ctx.call_id, ctx.clock())
        else:
            lock = await get_lockout(conn, ctx.customer.id)
            blocked = lock is not None and lock.locked
    if blocked:
        ctx.state.outcome = "verification_failed"
        raise ToolRefused(LOCKED_REASON)


async def record_attempt(ctx: ToolContext, ok: bool, *, identifying: bool = False) -> None:
    """Count the attempt (`identifying`: an unknown caller's, counted per calling number); when this failure locks
    the account, no attempt is left on this call either."""
    async with ctx.db() as conn:
        if identifying:
            if not ok:
                now = ctx.clock()
                await conn.execute(_IDENTIFY_FAIL, {"c": await _caller(conn, ctx.call_id), "now": now,
                                                    "since": now - IDENTIFY_WINDOW})
            return
        customer = ctx.require_customer()
        if ok:
            await record_success(conn, customer.id)
            return
        lock = await record_failure(conn, customer.id, call_id=ctx.call_id, now=ctx.clock())
    if lock.locked:
        ctx.state.verification_attempts = MAX_VERIFICATION_ATTEMPTS
