"""The local driver as the dev host uses it: callbacks run at their time, cancel, and re-arm after a restart."""
from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from psycopg_pool import AsyncConnectionPool

from devhost.workflows import LocalDriver, ScaledClock
from shared.db import callbacks, customers
from shared.workflows.dialing import DialResult, GateResult


class RecordingDialing:
    """Allows everything and records when each dial happened (on the driver's clock)."""

    def __init__(self) -> None:
        self.dialed_at: list[datetime] = []

    async def gate(self, conn: object, customer_id: object, **kw: object) -> GateResult:
        return GateResult(True, "allowed")

    async def dial(self, conn: object, customer_id: object, *, now: datetime, **kw: object) -> DialResult:
        self.dialed_at.append(now)
        return DialResult(False, None, "test_no_line", None)


async def _callback(conn: object, when: datetime) -> callbacks.Callback:
    person = await customers.create_customer(conn, customers.NewCustomer(
        first_name="Cal", last_name="Back", phone="+12125550150", account_last_4="1234", postal_code="10001",
        balance=Decimal("10.00"), days_overdue=5, timezone="America/New_York", consent_source="application"))
    return await callbacks.create_callback(conn, customer_id=person.id, scheduled_for=when,
                                           reason="asked")


async def test_callback_fires_at_its_time_and_restart_rearms_it(pool: AsyncConnectionPool, conn: object) -> None:
    start = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    cb = await _callback(conn, start + timedelta(hours=1))
    dialing = RecordingDialing()
    first = LocalDriver(pool, dialing=dialing, clock=ScaledClock(start, 3600))
    assert await first.start() == {"callbacks": 1, "campaigns": 0}
    await asyncio.sleep(0.2)
    await first.stop()  # `make dev` stopped before the promised time
    assert dialing.dialed_at == []

    again = LocalDriver(pool, dialing=dialing, clock=ScaledClock(start + timedelta(minutes=12), 3600))
    await again.start()
    output = await asyncio.wait_for(again.wait(f"callback-{cb.id}"), timeout=10)
    assert len(dialing.dialed_at) == 1 and dialing.dialed_at[0] >= cb.scheduled_for
    assert output["status"] == "failed" and output["outcome"] == "blocked_test_no_line"
    assert (await callbacks.get_callback(conn, cb.id)).status == "failed"


async def test_cancel_event_stops_a_waiting_callback(pool: AsyncConnectionPool, conn: object) -> None:
    start = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    cb = await _callback(conn, start + timedelta(days=2))
    dialing = RecordingDialing()
    driver = LocalDriver(pool, dialing=dialing, clock=ScaledClock(start, 60))
    instance = await driver.start_callback(cb.id, cb.scheduled_for)
    assert await driver.start_callback(cb.id, cb.scheduled_for) == instance  # deduplicated
    await asyncio.sleep(0.05)
    await driver.cancel_callback(cb.id, "customer_called_in")
    output = await asyncio.wait_for(driver.wait(instance), timeout=5)
    await driver.stop()
    assert output == {"status": "cancelled", "outcome": "customer_called_in", "call_id": None}
    assert dialing.dialed_at == []
    row = await callbacks.get_callback(conn, cb.id)
    assert row.status == "cancelled" and row.outcome == "customer_called_in"
