"""The simulation sandbox (COMPLIANCE §2a): what a simulated call's engine gets instead of the real side effects.

`start_session` hands a simulated call a `SandboxPool` (every connection carries `archer.simulated_call`, so the
database diverts real-world writes into `simulated_effects` and marks the call's own records `simulated`, see
migration 0011), a `SandboxCallControl` (nothing is sent or dialed; the SMS is recorded as 'simulated') and
`SandboxWorkflows` (no callback or campaign is ever started). The engine and its tools are unchanged.
"""
from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from shared.telephony.messages import record_message

log = logging.getLogger(__name__)
SIMULATED_STATUS = "simulated"


class SandboxPool:
    """The pool as a simulated call sees it: the same connections, each marked for the call's transaction."""

    def __init__(self, pool: AsyncConnectionPool, call_id: uuid.UUID) -> None:
        self._pool = pool
        self.call_id = call_id

    @asynccontextmanager
    async def connection(self, timeout: float | None = None) -> AsyncIterator[AsyncConnection]:  # noqa: ASYNC109
        async with self._pool.connection(timeout=timeout) as conn, conn.transaction():
            # Transaction-local, in a transaction we own (also on an autocommit connection): the mark ends with
            # this borrow and never leaks to the next borrower; inside, commit() is refused by psycopg and nested
            # transaction blocks are savepoints, so no write of the borrow escapes the mark.
            await conn.execute("SELECT set_config('archer.simulated_call', %s, true)", (str(self.call_id),))
            yield conn

    def __getattr__(self, name: str) -> Any:      # sizes, stats, name: the real pool's
        return getattr(self._pool, name)


async def mark_simulated(conn: AsyncConnection, call_id: uuid.UUID) -> None:
    """Mark this connection's current transaction as the simulated call's (for code handed a bare connection)."""
    await conn.execute("SELECT set_config('archer.simulated_call', %s, true)", (str(call_id),))


class SandboxCallControl:
    """Nothing leaves the building: an SMS is recorded as 'simulated' on the simulated call, never sent."""

    def __init__(self, pool: SandboxPool) -> None:
        self._pool = pool

    async def send_sms(self, *, to: str, body: str, call_id: uuid.UUID | None, customer_id: uuid.UUID | None) -> str:
        sid = f"SMsimulated{uuid.uuid4().hex[:23]}"
        async with self._pool.connection() as conn:
            await record_message(conn, direction="outbound", phone=to, body=body, status=SIMULATED_STATUS,
                                 message_sid=sid, customer_id=customer_id, call_id=call_id)
        log.info("simulated call: sms recorded, not sent", extra={"call_id": str(call_id)})
        return sid

    async def transfer(self, *, call_sid: str, to_number: str, whisper: str) -> None:
        log.info("simulated call: transfer not placed")

    async def hangup(self, *, call_sid: str) -> None:
        log.info("simulated call: hang-up not sent")


class SandboxWorkflows:
    """No durable work starts from a simulated call: its callback row stays a simulated record."""

    async def start_callback(self, callback_id: uuid.UUID, scheduled_for: datetime) -> str:
        return f"simulated:{callback_id}"

    async def cancel_callback(self, callback_id: uuid.UUID, reason: str) -> None:
        return None

    async def start_campaign(self, campaign_id: uuid.UUID) -> str:
        raise PermissionError("a simulated call cannot start a campaign")

    async def signal_campaign(self, campaign_id: uuid.UUID, signal: str) -> None:
        raise PermissionError("a simulated call cannot signal a campaign")

    async def notify_call_outcome(self, call_id: uuid.UUID, status: str, outcome: str | None) -> None:
        return None
