"""process_payment: record the arrangement the customer agreed to (idempotently) and send the payment link by SMS
or give bank-transfer details; confirm back exactly what was stored."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from shared.agent.negotiation import band_for
from shared.agent.numbers import format_money
from shared.agent.tools.context import ToolContext
from shared.agent.tools.registry import ToolRefused, tool
from shared.db import arrangements


def payment_link(template: str, *, arrangement_id: str, amount: Decimal, reference: str) -> str:
    """The portal URL from PAYMENT_PORTAL_URL_TEMPLATE ({arrangement_id}, {amount}, {reference})."""
    return template.format(arrangement_id=arrangement_id, amount=f"{amount:.2f}", reference=reference)


def _arrangement_for(ctx: ToolContext, amount: Decimal, method: str) -> arrangements.NewArrangement:
    customer, policy = ctx.require_customer(), ctx.require_policy()
    today = ctx.clock().date()
    plan = ctx.state.last_plan
    if plan and amount in {Decimal(plan["total"]), Decimal(plan["down_payment"]), Decimal(plan["instalment"])}:
        return arrangements.NewArrangement(
            customer_id=customer.id, call_id=ctx.call_id, payment_method=method,
            kind="plan", total_amount=Decimal(plan["total"]), down_payment=Decimal(plan["down_payment"]),
            months=int(plan["months"]), instalment_amount=Decimal(plan["instalment"]),
            schedule=tuple(plan["schedule"]), first_due_date=today)
    band = band_for(customer.balance, policy)
    if amount == customer.balance or band.floor <= amount < customer.balance:
        kind = "full" if amount == customer.balance else "settlement"
        return arrangements.NewArrangement(customer_id=customer.id, call_id=ctx.call_id, payment_method=method,
                                           kind=kind, total_amount=amount, first_due_date=today)
    raise ToolRefused("the amount does not match the balance, an accepted settlement or the quoted plan",
                      balance=str(customer.balance))


@tool()
async def process_payment(ctx: ToolContext, amount: Decimal,
                          payment_method: Literal["sms_link", "bank_transfer"]) -> dict[str, Any]:
    """Record the payment arrangement the customer agreed to and start the payment. Use the exact figure from
    get_customer_options, negotiation_guidance or calculate_payment_plan (the balance, the accepted settlement,
    or the plan's total/first payment).

    Args:
        amount: the agreed amount in dollars
        payment_method: 'sms_link' to text a secure payment link, or 'bank_transfer'
    """
    if ctx.state.disputed:
        raise ToolRefused("the debt is disputed: no payment may be requested until a human reviews it")
    customer = ctx.require_customer()
    new = _arrangement_for(ctx, amount.quantize(Decimal("0.01")), payment_method)
    async with ctx.db() as conn:
        row, created = await arrangements.create_arrangement(conn, new)
        pay_now = row.down_payment if row.kind == "plan" and row.down_payment > 0 else (
            row.instalment_amount if row.kind == "plan" and row.instalment_amount else row.total_amount)
        reference = row.id.hex[:8].upper()
        link = None
        if payment_method == "sms_link":
            link = payment_link(ctx.settings.payment_portal_url_template, arrangement_id=str(row.id),
                                amount=pay_now, reference=reference)
            if created or row.status == "pending":
                body = f"{ctx.settings.bank_name}: your secure payment link for {format_money(pay_now)}: {link}"
                await ctx.call_control.send_sms(to=customer.phone, body=body, call_id=ctx.call_id,
                                                customer_id=customer.id)
                await arrangements.set_status(conn, row.id, "link_sent")
    result: dict[str, Any] = {
        "recorded": True, "arrangement_id": str(row.id), "kind": row.kind, "total_amount": str(row.total_amount),
        "down_payment": str(row.down_payment), "months": row.months,
        "instalment_amount": str(row.instalment_amount) if row.instalment_amount is not None else None,
        "amount_due_now": str(pay_now), "payment_method": payment_method, "reference": reference,
        "sms_sent": link is not None, "already_recorded": not created,
    }
    ctx.state.arrangement = result
    ctx.state.outcome = "payment_arranged"
    ctx.state.remember_amounts(row.total_amount, row.down_payment, row.instalment_amount, pay_now)
    return result
