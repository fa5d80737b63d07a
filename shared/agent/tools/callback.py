"""schedule_callback: a time the customer asked for, in their zone and inside calling hours, stored and handed to
the callback workflow."""
from __future__ import annotations

from datetime import UTC
from typing import Any

from shared.agent.timeparse import UnparsableTime, callback_slot, speak_time
from shared.agent.tools.context import ToolContext
from shared.agent.tools.registry import ToolRefused, tool
from shared.db import callbacks
from shared.phone import possible_time_zones

DEFAULT_ZONE = "America/New_York"


def customer_zone(ctx: ToolContext) -> str:
    customer = ctx.require_customer()
    if customer.timezone:
        return customer.timezone
    zones = possible_time_zones(customer.phone)
    return zones[0] if zones else DEFAULT_ZONE


@tool()
async def schedule_callback(ctx: ToolContext, when: str, reason: str = "") -> dict[str, Any]:
    """Schedule a call back at a time the customer asked for. Times outside 8 AM–9 PM in the customer's time zone
    are refused with the nearest allowed time, which you should offer instead.

    Args:
        when: the time in the customer's own words, e.g. 'tomorrow at 10' or 'Friday afternoon'
        reason: why the customer wants a callback
    """
    customer = ctx.require_customer()
    zone = customer_zone(ctx)
    now = ctx.clock()
    try:
        slot = callback_slot(when, now, zone)
    except UnparsableTime:
        raise ToolRefused("could not understand the time; ask for a day and time") from None
    if not slot.allowed:
        raise ToolRefused(slot.reason, nearest_allowed=slot.scheduled.isoformat(),
                          nearest_allowed_spoken=speak_time(slot.scheduled, now), time_zone=zone)
    scheduled_utc = slot.scheduled.astimezone(UTC)
    async with ctx.db() as conn:
        row = await callbacks.create_callback(conn, customer_id=customer.id, scheduled_for=scheduled_utc,
                                              reason=reason[:500], requested_on_call_id=ctx.call_id)
    instance = await ctx.workflows.start_callback(row.id, scheduled_utc)
    result = {"scheduled": True, "callback_id": str(row.id), "scheduled_for": slot.scheduled.isoformat(),
              "spoken": speak_time(slot.scheduled, now), "time_zone": zone, "workflow_instance": instance}
    ctx.state.callback = result
    if ctx.state.outcome is None:
        ctx.state.outcome = "callback_scheduled"
    return result
