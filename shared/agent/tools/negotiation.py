"""negotiation_guidance: the policy band's answer to a settlement offer, plus optional LLM advice clamped to it."""
from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation
from typing import Any

from shared.agent.negotiation import band_for, respond_to_offer
from shared.agent.tools.context import ToolContext
from shared.agent.tools.registry import ToolRefused, tool

log = logging.getLogger(__name__)


@tool()
async def negotiation_guidance(ctx: ToolContext, customer_offer: Decimal) -> dict[str, Any]:
    """How to answer a lump-sum settlement offer: accept it, or the counter-offer to make. Never go below the
    figure returned here.

    Args:
        customer_offer: the lump sum the customer offered, in dollars
    """
    customer, policy = ctx.require_customer(), ctx.require_policy()
    if ctx.state.disputed:
        raise ToolRefused("the debt is disputed: collection is paused until a human reviews it")
    band = band_for(customer.balance, policy)
    guidance = respond_to_offer(band, customer_offer, ctx.state.counters_made, ctx.state.settlement_counter)
    result = guidance.as_result()
    if guidance.decision == "counter" and ctx.advisor is not None:
        result.update(await _advice(ctx, band.balance, band.floor, band.anchor, customer_offer, guidance.amount))
    amount = Decimal(result["amount"])
    if guidance.decision == "counter":
        ctx.state.counters_made += 1
    ctx.state.settlement_counter = amount
    ctx.state.remember_amounts(amount, customer_offer if guidance.decision == "accept" else None)
    return result


async def _advice(ctx: ToolContext, balance: Decimal, floor: Decimal, anchor: Decimal, offer: Decimal,
                  default: Decimal) -> dict[str, Any]:
    """The advisor's counter, clamped to [floor, anchor]; on any failure the deterministic counter stands."""
    assert ctx.advisor is not None
    try:
        advice = await ctx.advisor.advise(balance=str(balance), floor=str(floor), anchor=str(anchor),
                                          customer_offer=str(offer), counters_made=ctx.state.counters_made)
        suggested = Decimal(str(advice.get("counter_offer", default)))
    except (InvalidOperation, ValueError, TypeError, KeyError, TimeoutError, OSError) as exc:
        log.warning("negotiation advice unavailable: %s", type(exc).__name__)
        return {}
    except Exception as exc:  # the advisor is optional: any SDK error falls back to the band
        log.warning("negotiation advice failed: %s", type(exc).__name__)
        return {}
    clamped = min(max(suggested.quantize(Decimal("0.01")), floor), anchor)
    return {"amount": str(clamped), "advice": str(advice.get("talking_point", ""))[:300],
            "advice_clamped": clamped != suggested, "at_floor": clamped == floor}
