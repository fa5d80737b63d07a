"""The compliance tools: record a dispute, a cease request, an attorney, a bankruptcy or a wrong party, with the
action the rules require (flags on the customer, suppression). The engine also calls them on its own when it
detects the intent, so a model that forgets cannot skip the action; a repeat is a no-op."""
from __future__ import annotations

from typing import Any, Literal

from shared.agent.compliance_port import Intent, apply_intent
from shared.agent.tools.context import ToolContext
from shared.agent.tools.registry import tool

_OUTCOMES = {Intent.DISPUTE: "disputed", Intent.STOP_CALLING: "cease_requested", Intent.ATTORNEY: "attorney",
             Intent.BANKRUPTCY: "bankruptcy", Intent.WRONG_PARTY: "wrong_party", Intent.FRAUD: "fraud",
             Intent.ALREADY_PAID: "already_paid", Intent.VALIDATION_REQUEST: "validation_requested"}
_DISPUTE_KINDS = {"dispute": Intent.DISPUTE, "fraud": Intent.FRAUD, "already_paid": Intent.ALREADY_PAID,
                  "validation": Intent.VALIDATION_REQUEST}


async def record_intent(ctx: ToolContext, intent: Intent, evidence: str,
                        details: dict[str, str] | None = None) -> dict[str, Any]:
    if intent.value in ctx.state.intents:
        return {"recorded": True, "already_recorded": True}
    customer = ctx.customer
    async with ctx.db() as conn:
        await apply_intent(conn, intent=intent, customer_id=customer.id if customer else None, call_id=ctx.call_id,
                           evidence=evidence or intent.value, details=details)
    ctx.state.intents.append(intent.value)
    if intent in _DISPUTE_KINDS.values():
        ctx.state.disputed = True
    if intent in _OUTCOMES and (ctx.state.outcome != "payment_arranged" or intent in (Intent.FRAUD,
                                                                                      Intent.VALIDATION_REQUEST)):
        ctx.state.outcome = _OUTCOMES[intent]
    return {"recorded": True}


@tool(requires_verification=False, filler=False)
async def record_dispute(ctx: ToolContext, details: str = "",
                         kind: Literal["dispute", "fraud", "already_paid", "validation"] = "dispute") -> dict[str, Any]:
    """Record that the customer disputes the debt: stop asking for payment on it and offer a human. Use kind
    'fraud' for identity theft ("someone opened it in my name"), 'already_paid' when they say it was paid, and
    'validation' when they ask for written validation of the debt.

    Args:
        details: what the customer says is wrong
        kind: dispute, fraud, already_paid or validation
    """
    return await record_intent(ctx, _DISPUTE_KINDS[kind], details or kind,
                               {"details": details[:200]} if details else None)


@tool(requires_verification=False, filler=False)
async def record_cease_request(ctx: ToolContext) -> dict[str, Any]:
    """Record that the customer asked not to be called again; confirm and end the call politely."""
    return await record_intent(ctx, Intent.STOP_CALLING, "cease request")


@tool(requires_verification=False, filler=False)
async def record_attorney(ctx: ToolContext, attorney_name: str = "", attorney_phone: str = "") -> dict[str, Any]:
    """Record that an attorney represents the customer for this debt; stop collecting and end the call.

    Args:
        attorney_name: the attorney's or firm's name, if given
        attorney_phone: the attorney's phone number, if given
    """
    details = {k: v for k, v in {"attorney_name": attorney_name, "attorney_phone": attorney_phone}.items() if v}
    return await record_intent(ctx, Intent.ATTORNEY, "attorney representation", details or None)


@tool(requires_verification=False, filler=False)
async def record_bankruptcy(ctx: ToolContext, case_number: str = "") -> dict[str, Any]:
    """Record that the customer has filed for bankruptcy; stop collecting and route to a human.

    Args:
        case_number: the bankruptcy case number, if given
    """
    return await record_intent(ctx, Intent.BANKRUPTCY, "bankruptcy",
                               {"case_number": case_number} if case_number else None)


@tool(requires_verification=False, filler=False)
async def record_wrong_party(ctx: ToolContext) -> dict[str, Any]:
    """Record that this number does not reach the customer (wrong number); apologize and end the call."""
    return await record_intent(ctx, Intent.WRONG_PARTY, "wrong number")
