"""process_payment: record the arrangement the caller agreed to on this call (idempotently) and send the payment link
by SMS or give bank-transfer details; confirm back exactly what was stored.

The amount must name terms the caller agreed to — the balance they asked to pay, their own offer the engine
accepted, or a figure the engine offered and they said yes to — and the method must be the one they chose. Anything
else is refused with a confirmation question, so a model cannot invent an arrangement or an SMS."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from shared.agent.numbers import format_money
from shared.agent.state import Terms, cents
from shared.agent.tools.context import ToolContext
from shared.agent.tools.registry import ToolRefused, tool
from shared.db import arrangements

METHODS = {"sms_link": "a secure payment link by text message", "bank_transfer": "bank transfer"}
ASK_METHOD = "Would you like a secure payment link by text message, or to pay by bank transfer?"


def payment_link(template: str, *, arrangement_id: str, amount: Decimal, reference: str) -> str:
    """The portal URL from PAYMENT_PORTAL_URL_TEMPLATE ({arrangement_id}, {amount}, {reference})."""
    return template.format(arrangement_id=arrangement_id, amount=f"{amount:.2f}", reference=reference)


def _agreed_terms(ctx: ToolContext, amount: Decimal, method: str) -> Terms:
    """The terms this call agreed to for `amount`, or a refusal that puts the right question to the caller."""
    customer = ctx.require_customer()
    state = ctx.state
    terms = state.agreement_for(amount, customer.balance)
    if terms is None:
        if amount == cents(customer.balance) or (state.proposal and state.proposal.names(amount)):
            proposal = state.proposal if state.proposal and state.proposal.names(amount) else Terms("full", amount)
            state.propose(proposal, "payment_confirm")
            raise ToolRefused("the caller has not agreed to these terms yet; confirm them first",
                              say=f"Just to confirm, you'd like to pay {proposal.spoken()}. Shall I set that up?")
        raise ToolRefused(f"nobody on this call offered or agreed to {format_money(amount)}; ask the caller what "
                          "they would like to do and never invent an amount", say="What would you like to do?")
    if state.caller_method is None:
        state.awaiting = "payment_method"
        raise ToolRefused("the caller has not chosen a payment method; ask them", say=ASK_METHOD)
    if state.caller_method != method:
        raise ToolRefused(f"the caller asked for {METHODS[state.caller_method]}, not {METHODS[method]}",
                          caller_method=state.caller_method)
    return terms


def _arrangement_for(ctx: ToolContext, terms: Terms, method: str) -> arrangements.NewArrangement:
    customer = ctx.require_customer()
    today = ctx.clock().date()
    plan = ctx.state.last_plan
    if terms.kind == "plan" and plan:
        return arrangements.NewArrangement(
            customer_id=customer.id, call_id=ctx.call_id, payment_method=method,
            kind="plan", total_amount=Decimal(plan["total"]), down_payment=Decimal(plan["down_payment"]),
            months=int(plan["months"]), instalment_amount=Decimal(plan["instalment"]),
            schedule=tuple(plan["schedule"]), first_due_date=today)
    kind = "full" if terms.amount >= customer.balance else "settlement"
    return arrangements.NewArrangement(customer_id=customer.id, call_id=ctx.call_id, payment_method=method,
                                       kind=kind, total_amount=min(terms.amount, customer.balance),
                                       first_due_date=today)


@tool()
async def process_payment(ctx: ToolContext, amount: Decimal,
                          payment_method: Literal["sms_link", "bank_transfer"]) -> dict[str, Any]:
    """Record the payment arrangement the caller agreed to and start the payment. Call only after the caller said
    yes to the exact terms and chose a method; use the tool's figure (the balance they asked to pay, the settlement
    negotiation_guidance accepted or countered and they agreed to, or the quoted plan's first payment).

    Args:
        amount: the agreed amount in dollars, e.g. "1250.00"
        payment_method: 'sms_link' to text a secure payment link, or 'bank_transfer'
    """
    if ctx.state.disputed:
        raise ToolRefused("the debt is disputed: no payment may be requested until a human reviews it")
    customer = ctx.require_customer()
    done = ctx.state.arrangement
    if done is not None and done.get("payment_method") == payment_method and \
            cents(amount) in {cents(done["total_amount"]), cents(done["amount_due_now"])}:
        return {**done, "already_recorded": True, "say": "That's already set up.",
                "next": "Ask whether there is anything else."}
    if done is not None:
        raise ToolRefused("an arrangement is already recorded on this call; offer a specialist to change it",
                          say="Your arrangement is already recorded. A specialist can help if you'd like to change it.")
    terms = _agreed_terms(ctx, cents(amount), payment_method)
    new = _arrangement_for(ctx, terms, payment_method)
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
    kind = {"full": "payment in full", "settlement": "settlement", "plan": "payment plan"}[row.kind]
    how = (f"I've texted you a secure link to pay {format_money(pay_now)}." if link is not None else
           f"Please pay {format_money(pay_now)} by bank transfer using reference {' '.join(reference)}.")
    result: dict[str, Any] = {
        "recorded": True, "arrangement_id": str(row.id), "kind": row.kind, "total_amount": str(row.total_amount),
        "down_payment": str(row.down_payment), "months": row.months,
        "instalment_amount": str(row.instalment_amount) if row.instalment_amount is not None else None,
        "amount_due_now": str(pay_now), "payment_method": payment_method, "reference": reference,
        "sms_sent": link is not None, "already_recorded": not created,
        "say": f"All set. I've recorded your {kind} of {format_money(row.total_amount)}. {how}",
        "next": "Ask whether there is anything else.",
    }
    ctx.state.arrangement = result
    ctx.state.agreed = None
    ctx.state.pending_amount = None
    ctx.state.awaiting = "anything_else"
    ctx.state.outcome = "payment_arranged"
    ctx.state.remember_amounts(row.total_amount, row.down_payment, row.instalment_amount, pay_now)
    return result
