"""verify_account: right-party verification by account last 4 + postal code, two attempts, never saying which
factor failed. An inbound caller from an unknown number is identified the same way: the account is found from what
the caller gives (last 4 + postal code, and the name when two accounts share them), with the same attempt limit and
nothing disclosed until it is verified."""
from __future__ import annotations

import hmac
from typing import Any

from shared.agent import verification_lockout
from shared.agent.numbers import normalize_postal, spoken_digits
from shared.agent.tools.context import ToolContext
from shared.agent.tools.registry import ToolRefused, tool
from shared.compliance.intents import normalize
from shared.db import calls, customers, policies
from shared.db.customers import Customer


def _name_matches(said: str, customer: Customer) -> bool:
    words = set(normalize(said).split())
    return normalize(customer.first_name) in words and normalize(customer.last_name) in words


async def _identify_caller(ctx: ToolContext, digits: str, postal: str, full_name: str) -> Customer | str | None:
    """The one customer these factors name; 'needs_name' when several share them and no name was given."""
    async with ctx.db() as conn:
        found = await customers.find_for_verification(conn, digits, postal)
        if full_name:
            found = [c for c in found if _name_matches(full_name, c)]
        if len(found) > 1:
            return None if full_name else "needs_name"
        if not found:
            return None
        customer = found[0]
        ctx.policy = await policies.policy_for_customer(conn, customer.policy_id)
        await calls.update_call(conn, ctx.call_id, customer_id=customer.id)
    return customer


@tool(requires_verification=False, filler=False)
async def verify_account(ctx: ToolContext, account_last_4: str, postal_code: str, full_name: str = "") -> dict[str, Any]:
    """Verify the caller is the account holder. Call only when the caller has given both factors. When the caller
    is not known (an inbound call from an unknown number), also pass the name they gave.

    Args:
        account_last_4: the last four digits of the account, as the caller said them (digits or words); a full
            account number keyed in is accepted (its last four digits are used)
        postal_code: the caller's ZIP or postal code, as they said it
        full_name: the caller's full name, if they gave it (needed only for unknown callers)
    """
    state = ctx.state
    if state.verified:
        # Already verified: these digits are checked against this call's account all the same, so someone else's
        # details (a spouse's, another account's) are never reported as a match.
        same = ctx.customer is not None and _matches(ctx.customer, account_last_4, postal_code)
        return {"verified": same, "caller_already_verified": True,
                **({} if same else {"note": "these details do not match the account on this call"})}
    if state.attempts_left == 0:
        raise ToolRefused("verification attempts exhausted; end the call politely")
    digits = spoken_digits(account_last_4)[-4:]
    postal = normalize_postal(postal_code)
    customer = ctx.customer
    await verification_lockout.ensure_unlocked(ctx)      # across calls: a supervisor clears a locked account
    if customer is None:
        identified = await _identify_caller(ctx, digits, postal, full_name)
        if identified == "needs_name":
            return {"verified": False, "needs_name": True, "attempts_left": state.attempts_left}
        await verification_lockout.record_attempt(ctx, isinstance(identified, Customer), identifying=True)
        state.verification_attempts += 1
        state.pending_last4 = state.pending_postal = None
        if isinstance(identified, Customer):
            ctx.customer = identified
            state.verified = True
            state.phase = "negotiate"
            state.remember_amounts(identified.balance)
            return {"verified": True, "identified": True}
        return _failed(ctx)
    state.verification_attempts += 1
    ok_account = hmac.compare_digest(digits, customer.account_last_4)
    ok_postal = hmac.compare_digest(postal, normalize_postal(customer.postal_code))
    state.pending_last4 = state.pending_postal = None
    await verification_lockout.record_attempt(ctx, ok_account and ok_postal)
    if ok_account and ok_postal:
        state.verified = True
        state.phase = "negotiate"
        state.remember_amounts(customer.balance)
        return {"verified": True}
    return _failed(ctx)


def _matches(customer: Customer, account_last_4: str, postal_code: str) -> bool:
    digits = spoken_digits(account_last_4)[-4:]
    return hmac.compare_digest(digits, customer.account_last_4) and hmac.compare_digest(
        normalize_postal(postal_code), normalize_postal(customer.postal_code))


def _failed(ctx: ToolContext) -> dict[str, Any]:
    left = ctx.state.attempts_left
    result: dict[str, Any] = {"verified": False, "attempts_left": left}
    if left == 0:
        ctx.state.outcome = "verification_failed"
        result["end_call"] = True
    return result
