"""verify_account: right-party verification by account last 4 + postal code, two attempts, never saying which
factor failed."""
from __future__ import annotations

import hmac
from typing import Any

from shared.agent import verification_lockout
from shared.agent.numbers import normalize_postal, spoken_digits
from shared.agent.tools.context import ToolContext
from shared.agent.tools.registry import ToolRefused, tool


@tool(requires_verification=False, filler=False)
async def verify_account(ctx: ToolContext, account_last_4: str, postal_code: str) -> dict[str, Any]:
    """Verify the caller is the account holder. Call only when the caller has given both factors.

    Args:
        account_last_4: the last four digits of the account, as the caller said them (digits or words)
        postal_code: the caller's ZIP or postal code, as they said it
    """
    customer = ctx.require_customer()
    state = ctx.state
    if state.verified:
        return {"verified": True, "attempts_left": state.attempts_left}
    if state.attempts_left == 0:
        raise ToolRefused("verification attempts exhausted; end the call politely")
    await verification_lockout.ensure_unlocked(ctx)      # across calls: a supervisor clears a locked account
    state.verification_attempts += 1
    digits = spoken_digits(account_last_4)[-4:]
    ok_account = hmac.compare_digest(digits, customer.account_last_4)
    ok_postal = hmac.compare_digest(normalize_postal(postal_code), normalize_postal(customer.postal_code))
    state.pending_last4 = state.pending_postal = None
    await verification_lockout.record_attempt(ctx, ok_account and ok_postal)
    if ok_account and ok_postal:
        state.verified = True
        state.phase = "negotiate"
        state.remember_amounts(customer.balance)
        return {"verified": True}
    left = state.attempts_left
    result: dict[str, Any] = {"verified": False, "attempts_left": left}
    if left == 0:
        state.outcome = "verification_failed"
        result["end_call"] = True
    return result
