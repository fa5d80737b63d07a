"""get_customer_options and calculate_payment_plan: what the policy allows for this customer, in exact cents."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from shared.agent.plans import PlanOutsidePolicy, customer_options, quote_plan
from shared.agent.tools.context import ToolContext
from shared.agent.tools.registry import ToolRefused, tool


def _remember_options(ctx: ToolContext, options: dict[str, Any]) -> None:
    amounts = [options["balance"], options["pay_in_full"]["amount"], options["settlement"]["opening_offer"],
               options["min_instalment"]]
    for p in options["plans"]:
        amounts += [p["instalment"], p["last_instalment"]]
    ctx.state.remember_amounts(*(Decimal(a) for a in amounts))


@tool(filler=False)
async def get_customer_options(ctx: ToolContext) -> dict[str, Any]:
    """The payment options this customer may be offered: pay in full, a settlement opening figure, instalment
    plans within policy, and a hardship deferral when eligible. Call after verification, before quoting figures."""
    customer, policy = ctx.require_customer(), ctx.require_policy()
    if ctx.state.disputed:
        raise ToolRefused("the debt is disputed: collection is paused until a human reviews it")
    options = customer_options(customer, policy, ctx.clock().date(), hardship=ctx.state.hardship)
    ctx.state.options = options
    ctx.state.options_offered = True
    _remember_options(ctx, options)
    return options


@tool(filler=False)
async def calculate_payment_plan(ctx: ToolContext, months: int, down_payment: Decimal = Decimal("0")) -> dict[str, Any]:
    """Exact instalment schedule for a plan; refuses plans outside policy and names the nearest valid one.

    Args:
        months: number of monthly instalments the customer asked for
        down_payment: amount paid today before the instalments, in dollars (0 for none)
    """
    customer, policy = ctx.require_customer(), ctx.require_policy()
    try:
        quote = quote_plan(customer, policy, months, down_payment, ctx.clock().date())
    except PlanOutsidePolicy as exc:
        alt = exc.alternative
        if alt:
            ctx.state.remember_amounts(*(Decimal(alt[k]) for k in ("down_payment", "instalment", "last_instalment")))
        raise ToolRefused(exc.reason, nearest_valid_plan=alt) from None
    result = quote.as_result()
    ctx.state.last_plan = result
    ctx.state.remember_amounts(quote.down_payment, quote.instalment, quote.last_instalment, quote.total)
    return result
