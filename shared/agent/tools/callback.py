"""schedule_callback: a time the customer asked for, read in their zone, booked only when the pre-dial gate would
allow a requested callback then. The calling window is the compliance rules' (shared.compliance.predial: hours,
state/provincial overlays, holidays, stated inconvenient times, unknown zones) — this tool owns none of its own.
A time outside it is refused with the earliest allowed time, which the agent proposes and books only on agreement."""
from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from shared.agent.timeparse import UnparsableTime, parse_when, speak_time
from shared.agent.tools.context import ToolContext
from shared.agent.tools.registry import ToolRefused, tool
from shared.compliance import predial
from shared.db import callbacks
from shared.db.customers import Customer
from shared.phone import possible_time_zones

log = logging.getLogger(__name__)
DEFAULT_ZONE = "America/New_York"
_MIN_LEAD = timedelta(minutes=15)          # a callback sooner than this is 'now', not a callback
_SLOT = 15                                 # proposed times are rounded up to the quarter hour


def customer_zone(ctx: ToolContext) -> str:
    customer = ctx.require_customer()
    if customer.timezone:
        return customer.timezone
    zones = possible_time_zones(customer.phone)
    return zones[0] if zones else DEFAULT_ZONE


def _round_up(t: datetime) -> datetime:
    t = t.replace(second=0, microsecond=0)
    extra = (-t.minute) % _SLOT
    return t + timedelta(minutes=extra)


async def earliest_allowed(ctx: ToolContext, customer: Customer, at: datetime) -> tuple[datetime | None, str]:
    """The earliest instant at or after `at` the gate allows a requested callback to this customer
    ((None, reason) when a permanent reason such as a cease request or a hold forbids any)."""
    t = _round_up(at)
    async with ctx.db() as conn:
        for _ in range(8):
            # The consumer is asking now: the requested-callback exemption counts from this moment (without it
            # the conversation on this very call would block the callback it asks for).
            decision = await predial.check(conn, customer, now=t.astimezone(UTC), purpose="requested_callback",
                                           source="callback", record=False, callback_requested_at=ctx.clock())
            if decision.allowed:
                return t, "allowed"
            if decision.next_allowed_at is None:
                return None, decision.reason_code
            nxt = _round_up(decision.next_allowed_at.astimezone(at.tzinfo))
            t = nxt if nxt > t else t + timedelta(minutes=_SLOT)
    return None, "no_allowed_time"


async def _start(ctx: ToolContext, callback_id: uuid.UUID, scheduled_utc: datetime) -> str | None:
    """Start the callback's workflow. The stored row is the promise: when no starter is wired here (a standalone
    voice service with no Function app) or the start fails after its retries, the Function app's re-arm timer starts
    it later (idempotent by callback id), so the caller is never told the callback failed."""
    if ctx.workflows is None:
        log.warning("callback stored; no workflow starter here, the re-arm timer will start it",
                    extra={"call_id": str(ctx.call_id), "callback_id": str(callback_id)})
        return None
    try:
        return await ctx.workflows.start_callback(callback_id, scheduled_utc)
    except Exception as exc:   # stored already: the re-arm timer retries it
        log.warning("callback stored; its workflow start failed and will be re-armed",
                    extra={"call_id": str(ctx.call_id), "callback_id": str(callback_id), "error": type(exc).__name__})
        return None


@tool()
async def schedule_callback(ctx: ToolContext, when: str, reason: str = "") -> dict[str, Any]:
    """Schedule a call back at a time the customer asked for. A time outside the customer's permitted calling
    window (their local hours, state or provincial rules, holidays) is refused with the earliest allowed time:
    offer that time and call this tool again with it only if the customer agrees.

    Args:
        when: the time in the customer's own words, e.g. 'tomorrow at 10', 'Friday afternoon', 'seven a.m.'
        reason: why the customer wants a callback
    """
    customer = ctx.require_customer()
    zone = customer_zone(ctx)
    now = ctx.clock().astimezone(ZoneInfo(zone))
    try:
        requested = parse_when(when, now)
    except UnparsableTime:
        raise ToolRefused("could not understand the time; ask for a day and time") from None
    in_the_past = requested < now + _MIN_LEAD
    start = now + timedelta(hours=1) if in_the_past else requested
    earliest, why = await earliest_allowed(ctx, customer, start)
    if earliest is None:
        raise ToolRefused(f"no callback can be scheduled ({why})", reason_code=why)
    if in_the_past or earliest != requested:
        raise ToolRefused("in_the_past" if in_the_past else "outside_calling_hours",
                          requested=requested.isoformat(), nearest_allowed=earliest.isoformat(),
                          nearest_allowed_spoken=speak_time(earliest, now), time_zone=zone)
    scheduled_utc = requested.astimezone(UTC)
    async with ctx.db() as conn:
        row = await callbacks.create_callback(conn, customer_id=customer.id, scheduled_for=scheduled_utc,
                                              reason=reason[:500], requested_on_call_id=ctx.call_id,
                                              requested_at=ctx.clock())
    instance = await _start(ctx, row.id, scheduled_utc)
    result = {"scheduled": True, "callback_id": str(row.id), "scheduled_for": requested.isoformat(),
              "spoken": speak_time(requested, now), "time_zone": zone, "workflow_instance": instance}
    ctx.state.callback = result
    if ctx.state.outcome is None:
        ctx.state.outcome = "callback_scheduled"
    return result
