"""A callback the caller asks for outside their permitted calling window is never booked: schedule_callback asks
the pre-dial gate (the one calling window: hours, state/provincial overlays, holidays) and proposes the earliest
allowed time instead; that time, asked for again (the caller agreed), is booked. One case per overlay that changes
the window, plus the federal baseline."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from shared.agent.state import CallState
from shared.agent.tools import TOOLS, ToolRefused
from shared.agent.tools.context import ToolContext
from shared.db import callbacks
from shared.settings import load_settings
from tests.scenarios.harness import RecordingCallControl, RecordingWorkflows


def _ctx(pool: AsyncConnectionPool, customer: Any, call_id: uuid.UUID, now: datetime) -> ToolContext:
    return ToolContext(call_id=call_id, call_sid=None, simulated=True, customer=customer, policy=None,
                       state=CallState(verified=True), settings=load_settings(), call_control=RecordingCallControl(),
                       workflows=RecordingWorkflows(), clock=lambda: now, db=lambda: pool.connection())


async def _ask(ctx: ToolContext, when: str) -> dict[str, Any]:
    spec = TOOLS["schedule_callback"]
    return await spec.fn(ctx, **spec.parse_args({"when": when, "reason": "test"}))


# (zone, region, country, now local, words asked, earliest allowed local)
CASES = [
    ("America/New_York", "NY", "US", "2026-11-24T10:00", "tomorrow at seven a.m.", "2026-11-25T08:00"),
    ("America/New_York", "NY", "US", "2026-11-24T10:00", "tonight at 11 pm", "2026-11-25T08:00"),
    # Ontario and British Columbia: Sunday only 13:00-17:00.
    ("America/Toronto", "ON", "CA", "2026-11-24T10:00", "sunday at 9 am", "2026-11-29T13:00"),
    ("America/Vancouver", "BC", "CA", "2026-11-24T10:00", "sunday at 6 pm", "2026-11-30T08:00"),
    # Quebec: Monday-Saturday 08:00-20:00, no Sunday calls.
    ("America/Toronto", "QC", "CA", "2026-11-24T10:00", "tomorrow at 8:30 pm", "2026-11-26T08:00"),
    ("America/Toronto", "QC", "CA", "2026-11-24T10:00", "sunday at noon", "2026-11-30T08:00"),
]


@pytest.mark.parametrize(("zone", "region", "country", "now", "words", "earliest"), CASES)
async def test_a_callback_outside_the_window_is_moved_to_the_earliest_allowed_time(
        conn: AsyncConnection, pool: AsyncConnectionPool, make_customer, make_call, zone: str, region: str,
        country: str, now: str, words: str, earliest: str) -> None:
    tz = ZoneInfo(zone)
    postal = {"US": "10001", "CA": {"ON": "M5V2T6", "BC": "V6B1A1", "QC": "H2X1Y4"}.get(region, "M5V2T6")}[country]
    customer = await make_customer(timezone=zone, region=region, country=country, postal_code=postal)
    call = await make_call(customer.id)
    ctx = _ctx(pool, customer, call.id, datetime.fromisoformat(now).replace(tzinfo=tz))
    with pytest.raises(ToolRefused) as refused:
        await _ask(ctx, words)
    proposed = datetime.fromisoformat(refused.value.details["nearest_allowed"])
    assert proposed.astimezone(tz).strftime("%Y-%m-%dT%H:%M") == earliest
    assert await callbacks.list_callbacks(conn, customer_id=customer.id) == []          # nothing booked yet
    booked = await _ask(ctx, refused.value.details["nearest_allowed_spoken"])           # the caller agreed
    assert datetime.fromisoformat(booked["scheduled_for"]).strftime("%Y-%m-%dT%H:%M") == earliest
    [row] = await callbacks.list_callbacks(conn, customer_id=customer.id)
    assert row.scheduled_for.astimezone(tz).strftime("%Y-%m-%dT%H:%M") == earliest


async def test_a_time_inside_the_window_is_booked_as_asked(conn: AsyncConnection, pool: AsyncConnectionPool,
                                                           make_customer, make_call) -> None:
    tz = ZoneInfo("America/Toronto")
    customer = await make_customer(timezone="America/Toronto", region="ON", country="CA", postal_code="M5V2T6")
    call = await make_call(customer.id)
    ctx = _ctx(pool, customer, call.id, datetime(2026, 11, 24, 10, 0, tzinfo=tz))
    booked = await _ask(ctx, "sunday at quarter past three")
    assert booked["scheduled_for"].startswith("2026-11-29T15:15")


async def test_no_callback_while_a_hold_forbids_every_call(conn: AsyncConnection, pool: AsyncConnectionPool,
                                                           make_customer, make_call) -> None:
    customer = await make_customer()
    call = await make_call(customer.id)
    await conn.execute("UPDATE customers SET cease_requested_at = now() WHERE id = %s", (customer.id,))
    ctx = _ctx(pool, customer, call.id, datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("America/New_York")))
    with pytest.raises(ToolRefused) as refused:
        await _ask(ctx, "tomorrow at 10")
    assert refused.value.details["reason_code"] == "cease_requested"
