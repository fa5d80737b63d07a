"""transfer_to_agent and end_call: handing the caller to a human, and ending the call."""
from __future__ import annotations

from typing import Any

from shared.agent.tools.context import ToolContext
from shared.agent.tools.registry import ToolRefused, tool
from shared.pii import mask_text


@tool(requires_verification=False)
async def transfer_to_agent(ctx: ToolContext, reason: str) -> dict[str, Any]:
    """Transfer the caller to a human agent (when they ask for a person, or after a dispute or bankruptcy).

    Args:
        reason: a short note for the human agent about why the caller is transferred
    """
    if ctx.state.end_reason == "transferred":            # already handed over: never redirect the call twice
        return {"transferred": True, "already_transferred": True}
    number = ctx.settings.human_transfer_number
    if not number:
        raise ToolRefused("no human agent line is configured; offer a callback instead")
    if not ctx.simulated and ctx.call_sid:
        await ctx.call_control.transfer(call_sid=ctx.call_sid, to_number=number, whisper=mask_text(reason)[:200])
    if ctx.state.outcome is None:             # a bankruptcy or dispute stays the call's outcome
        ctx.state.outcome = "transferred"
    ctx.state.ended = True
    ctx.state.end_reason = "transferred"
    return {"transferred": True, "simulated": ctx.simulated or not ctx.call_sid}


END_REASONS = ("completed", "refused", "caller_request", "verification_failed", "cease_request", "attorney",
               "bankruptcy", "disputed", "wrong_party", "third_party", "emergency", "distress", "other")


@tool(requires_verification=False, filler=False, enums={"reason": END_REASONS})
async def end_call(ctx: ToolContext, reason: str) -> dict[str, Any]:
    """End the call after your closing sentence (goodbye, verification failed, the caller asked to stop...).

    Args:
        reason: why the call ends: 'refused' when the caller declined every option, 'caller_request' when they wanted
            to go, 'completed' after an arrangement or callback
    """
    ctx.state.ended = True
    ctx.state.end_reason = reason[:100]
    if ctx.state.outcome is None:
        ctx.state.outcome = "refused" if reason == "refused" else "completed_no_arrangement"
    return {"ending": True}
