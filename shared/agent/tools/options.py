"""get_customer_options and calculate_payment_plan: what the policy allows for this customer, in exact cents, with a
sentence shaped for speech. A quoted plan becomes the terms on the table; the caller's yes agrees to it."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from shared.agent.numbers import format_money
from shared.agent.plans import PlanOutsidePolicy, customer_options, quote_plan
from shared.agent.state import Terms, cents
from shared.agent.tools.context import ToolContext
from shared.agent.tools.registry import ToolRefused, tool


def spoken_date(iso: str) -> str:
    d = date.fromisoformat(iso)
    return f"{d.strftime('%B')} {d.day}"


def _remember_options(ctx: ToolContext, options: dict[str, Any]) -> None:
    amounts = [options["balance"], options["pay_in_full"]["amount"], options["settlement"]["opening_offer"],
               options["min_instalment"]]
    for p in options["plans"]:
        amounts += [p["instalment"], p["last_instalment"]]
    ctx.state.remember_amounts(*(Decimal(a) for a in amounts))


def _or_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1] if items else ""


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
    ctx.state.awaiting = "choice"
    _remember_options(ctx, options)
    plans = options.get("plans") or []
    lowest = f", from {format_money(Decimal(plans[-1]['instalment']))} a month" if plans else ""
    lengths = _or_list([str(p["months"]) for p in plans])
    return {**options, "say": (f"Your current balance is {format_money(customer.balance)}, which is "
                               f"{customer.days_overdue} days past due. You can pay it in full, make a one-time "
                               f"settlement offer, or set up a plan over {lengths} months{lowest}."),
            "next": "Ask what they would like to do."}


PLAN_MONTHS = tuple(range(1, 37))    # what a caller may ask for; the policy decides what is allowed


@tool(filler=False, enums={"months": PLAN_MONTHS})
async def calculate_payment_plan(ctx: ToolContext, months: int, down_payment: Decimal = Decimal("0")) -> dict[str, Any]:
    """Exact instalment schedule for a plan; refuses plans outside policy and names the nearest valid one.

    Args:
        months: number of monthly instalments
        down_payment: amount the caller said they would pay today before the instalments, in dollars ("0.00" for none)
    """
    customer, policy = ctx.require_customer(), ctx.require_policy()
    state = ctx.state
    down = cents(down_payment)
    allowed_downs = set(state.caller_offers) | {Decimal("0.00")}
    if state.alt_plan:
        allowed_downs.add(cents(state.alt_plan["down_payment"]))
    if down not in allowed_downs:
        raise ToolRefused(f"the caller did not offer a down payment of {format_money(down)}; use 0.00 or the "
                          "amount they said")
    try:
        quote = quote_plan(customer, policy, months, down, ctx.clock().date())
    except PlanOutsidePolicy as exc:
        alt = exc.alternative
        result: dict[str, Any] = {}
        if alt:
            state.remember_amounts(*(Decimal(alt[k]) for k in ("down_payment", "instalment", "last_instalment")))
            state.alt_plan = alt
            state.awaiting = "plan_alt"
            with_down = f" with {format_money(Decimal(alt['down_payment']))} down" \
                if Decimal(alt["down_payment"]) > 0 else ""
            result["say"] = (f"The closest plan I can offer is {alt['months']} monthly payments of "
                             f"{format_money(Decimal(alt['instalment']))}{with_down}.")
            result["next"] = "Ask whether that would work."
        raise ToolRefused(exc.reason, nearest_valid_plan=alt, **result) from None
    result = quote.as_result()
    state.last_plan = result
    state.alt_plan = None
    state.remember_amounts(quote.down_payment, quote.instalment, quote.last_instalment, quote.total)
    first_payment = quote.down_payment if quote.down_payment > 0 else quote.instalment
    state.propose(Terms("plan", first_payment, frozenset({quote.total, quote.instalment}), quote.months),
                  "plan_confirm")
    lead = f"With {format_money(quote.down_payment)} down today, that's" if quote.down_payment > 0 else "That's"
    last_note = (f", with a final payment of {format_money(quote.last_instalment)}"
                 if quote.last_instalment != quote.instalment else "")
    first_due = next((row["due_date"] for row in quote.schedule if row["kind"] == "instalment"), None)
    starting = f", starting {spoken_date(first_due)}" if first_due else ""
    result["say"] = (f"{lead} {quote.months} monthly payments of {format_money(quote.instalment)}{last_note}"
                     f"{starting}, for a total of {format_money(quote.total)}.")
    result["next"] = "Ask whether they would like to set that up."
    return result
