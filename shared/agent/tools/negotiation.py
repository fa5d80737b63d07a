"""negotiation_guidance: answer the caller's lump-sum offer — accept it or counter within the policy band.

The offer must be one the caller actually stated on this call (held in the call state); a model's invented figure is
refused. The result carries the sentence to say, so the figure spoken is the tool's."""
from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation
from typing import Any

from shared.agent.negotiation import band_for, respond_to_offer
from shared.agent.numbers import format_money
from shared.agent.state import Terms, TermsKind, cents
from shared.agent.tools.context import ToolContext
from shared.agent.tools.registry import ToolRefused, tool

log = logging.getLogger(__name__)


@tool()
async def negotiation_guidance(ctx: ToolContext, customer_offer: Decimal) -> dict[str, Any]:
    """How to answer a lump-sum settlement offer the caller just stated: accept it, or the counter-offer to make.
    Only for an amount the caller said themselves; never go below the figure returned here.

    Args:
        customer_offer: the lump sum the caller offered, in dollars, exactly as they said it (e.g. "600.00")
    """
    customer, policy = ctx.require_customer(), ctx.require_policy()
    state = ctx.state
    if state.disputed:
        raise ToolRefused("the debt is disputed: collection is paused until a human reviews it")
    offer = cents(customer_offer)
    latest = state.latest_caller_offer()
    if latest is None:
        raise ToolRefused("the caller has not stated an amount; ask what they can pay",
                          say="What amount would you be able to pay today?")
    if offer != latest:
        raise ToolRefused(f"the caller's latest offer is {format_money(latest)}, not {format_money(offer)}; use "
                          "their figure", caller_offer=str(latest))
    band = band_for(customer.balance, policy)
    guidance = respond_to_offer(band, offer, state.counters_made, state.settlement_counter)
    result = guidance.as_result()
    if guidance.decision == "counter" and ctx.advisor is not None:
        result.update(await _advice(ctx, band.balance, band.floor, band.anchor, offer, guidance.amount))
    amount = Decimal(result["amount"])
    state.settlement_counter = amount
    # the caller's own figure may be named back in a counter-offer, and the saving against the balance stated
    state.remember_amounts(offer, customer.balance - amount if amount < customer.balance else None)
    kind: TermsKind = "full" if amount >= customer.balance else "settlement"
    if guidance.decision == "accept":
        state.accept_offer(Terms(kind, amount))
        what = "the full balance" if kind == "full" else "as a one-time settlement"
        result["say"] = f"We can accept {format_money(amount)} {what}."
        result["next"] = "Ask whether they want a secure payment link by text message or to pay by bank transfer."
    else:
        state.counters_made += 1
        state.propose(Terms("settlement", amount), "settlement_confirm")
        lowest = "The lowest one-time settlement I can offer is" if result.get("at_floor") else \
            "I can offer a one-time settlement of"
        result["say"] = f"I'm not able to accept {format_money(offer)}. {lowest} {format_money(amount)}."
        result["next"] = "Ask whether that would work for them."
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
