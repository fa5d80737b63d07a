"""A callback promised on a call is kept even when its workflow cannot be started at once: the stored row is the
promise, and the Function app's re-arm timer starts it later (idempotent by callback id). A standalone voice service
with no Function app, or a start that fails after its retries, never turns a booked callback into an error."""
from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from shared.db import callbacks
from tests.integration.compliance.test_callback_window import _ask, _ctx

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("America/New_York"))


class BrokenWorkflows:
    def __init__(self) -> None:
        self.calls = 0

    async def start_callback(self, callback_id: uuid.UUID, scheduled_for: datetime) -> str:
        self.calls += 1
        raise ConnectionError("the Function app is unreachable")


async def test_no_workflow_starter_still_books_the_callback(conn: AsyncConnection, pool: AsyncConnectionPool,
                                                            make_customer, make_call) -> None:
    customer = await make_customer()
    call = await make_call(customer.id)
    ctx = replace(_ctx(pool, customer, call.id, NOW), workflows=None)  # type: ignore[arg-type]
    booked = await _ask(ctx, "tomorrow at 10")
    assert booked["scheduled"] is True and booked["workflow_instance"] is None
    [row] = await callbacks.list_callbacks(conn, customer_id=customer.id)
    assert row.status == "scheduled" and str(row.id) == booked["callback_id"]


async def test_a_failed_start_keeps_the_promise_for_the_rearm_timer(conn: AsyncConnection, pool: AsyncConnectionPool,
                                                                    make_customer, make_call) -> None:
    customer = await make_customer()
    call = await make_call(customer.id)
    broken = BrokenWorkflows()
    ctx = replace(_ctx(pool, customer, call.id, NOW), workflows=broken)
    booked = await _ask(ctx, "tomorrow at 10")
    assert broken.calls == 1 and booked["scheduled"] is True
    [row] = await callbacks.list_callbacks(conn, customer_id=customer.id)
    assert row.status == "scheduled"
