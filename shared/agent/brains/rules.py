"""The rules brain: a deterministic collections dialog policy (verification → options → negotiation within policy
→ arrangement → callback/transfer → close). Used offline, in tests, and when the LLM fails mid-call."""
from __future__ import annotations

import re
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

from shared.agent.brains import language as lang
from shared.agent.brains.base import StepOutput, TextDelta, ToolCallRequest, ToolOutcome, TurnInput
from shared.agent.numbers import find_last4, find_postal_code, format_money, normalize_numbers
from shared.agent.timeparse import UnparsableTime, parse_when


def _money(value: Any) -> str:
    return format_money(Decimal(str(value)))


class RulesBrain:
    name = "rules"

    def __init__(self) -> None:
        self._seq = 0
        self._alt_plan: dict[str, Any] | None = None
        self._alt_time: str | None = None
        self._method: str | None = None
        self._refusals = 0
        self._misses = 0

    async def aclose(self) -> None:
        return None

    async def step(self, turn: TurnInput) -> AsyncIterator[StepOutput]:  # type: ignore[override]
        for out in self.decide(turn):
            yield out

    # ---- decisions ------------------------------------------------------------------------------------------
    def decide(self, turn: TurnInput) -> list[StepOutput]:
        if turn.tool_results:
            return self._after_tool(turn, turn.tool_results[-1])
        text = turn.user_text or ""
        if not turn.state.verified:
            return self._verification(turn, text)
        return self._negotiation(turn, text)

    def _call(self, name: str, **arguments: Any) -> ToolCallRequest:
        self._seq += 1
        return ToolCallRequest(f"rules_{self._seq}", name, arguments)

    def _say(self, text: str) -> list[StepOutput]:
        return [TextDelta(text)]

    # ---- verification ---------------------------------------------------------------------------------------
    def _verification(self, turn: TurnInput, text: str) -> list[StepOutput]:
        state = turn.state
        postal = find_postal_code(text)
        rest = text
        if postal:
            rest = re.sub(r"\d{5}(-\d{4})?", " ", normalize_numbers(text), count=1) if postal.isdigit() else text
        last4 = find_last4(rest) if not (postal and not postal.isdigit() and not re.search(r"\d{4}", rest)) else None
        state.pending_postal = postal or state.pending_postal
        state.pending_last4 = last4 or state.pending_last4
        if state.pending_last4 and state.pending_postal:
            return [self._call("verify_account", account_last_4=state.pending_last4,
                               postal_code=state.pending_postal)]
        if state.pending_last4:
            return self._say("Thank you. And what is your ZIP or postal code?")
        if state.pending_postal:
            return self._say("Thank you. And what are the last four digits of your account number?")
        self._misses += 1
        return self._say("To protect your privacy, I need the last four digits of your account number and your "
                         "ZIP or postal code.")

    # ---- after a tool ran -----------------------------------------------------------------------------------
    def _after_tool(self, turn: TurnInput, last: ToolOutcome) -> list[StepOutput]:
        handler = getattr(self, f"_after_{last.name}", None)
        if handler is None:
            return []
        result: list[StepOutput] = handler(turn, last)
        return result

    def _after_verify_account(self, turn: TurnInput, last: ToolOutcome) -> list[StepOutput]:
        if last.result.get("verified"):
            return [self._call("get_customer_options")]
        if last.result.get("attempts_left", 0) > 0:
            return self._say("I'm sorry, those details don't match our records. Could you please repeat the last "
                             "four digits of your account number and your ZIP or postal code?")
        return []                                   # the engine closes the call after the last failed attempt

    def _after_get_customer_options(self, turn: TurnInput, last: ToolOutcome) -> list[StepOutput]:
        if not last.success:
            return self._say("I'm not able to discuss payment options right now. Would you like me to transfer you "
                             "to a specialist?")
        o = last.result
        balance = _money(o["balance"])
        plans = o.get("plans") or []
        lowest = _money(plans[-1]["instalment"]) if plans else None
        lengths = _or_list([str(p["months"]) for p in plans])
        cfg = (turn.tactic.config if turn.tactic else {}) or {}
        turn.state.awaiting = "choice"
        if turn.state.hardship:
            deferral = o.get("hardship_deferral")
            pause = (f"We can pause your payments for {deferral['days']} days, or " if deferral else "We can ")
            plan = f"set up a plan as low as {lowest} a month over {plans[-1]['months']} months" if plans else \
                "look at a plan"
            return self._say(f"I'm sorry to hear that, and thank you for telling me. {pause}{plan}. "
                             "Would that help?")
        if cfg.get("empathy", 5) >= 8:
            return self._say(f"Thank you. I understand things can be difficult. Your current balance is {balance}. "
                             f"We can work with you: you can pay in full, make a one-time settlement offer, or "
                             f"spread it over a plan{' from ' + lowest + ' a month' if lowest else ''}. "
                             "What would work best for you?")
        if cfg.get("urgency", 5) >= 7 and cfg.get("empathy", 5) <= 3:
            return self._say(f"Thank you. Your account has a past-due balance of {balance}, {o['days_overdue']} "
                             "days overdue. The best way to resolve it is to pay it in full today. Can you do that, "
                             "or do you need a payment plan?")
        return self._say(f"Thank you. Your current balance is {balance}, which is {o['days_overdue']} days past due. "
                         f"You can pay it in full, make a one-time settlement offer, or set up a plan over {lengths} "
                         f"months{', from ' + lowest + ' a month' if lowest else ''}. What would you like to do?")

    def _after_calculate_payment_plan(self, turn: TurnInput, last: ToolOutcome) -> list[StepOutput]:
        r = last.result
        if not last.success:
            alt = r.get("nearest_valid_plan")
            if not alt:
                turn.state.awaiting = "choice"
                return self._say(f"I'm sorry, that plan isn't possible: {r.get('error', 'outside our policy')}. "
                                 "Would you like to pay in full or make a settlement offer instead?")
            self._alt_plan = alt
            turn.state.awaiting = "plan_alt"
            with_down = f" with {_money(alt['down_payment'])} down" if Decimal(alt["down_payment"]) > 0 else ""
            return self._say(f"I'm sorry, that plan isn't available: {r.get('error')}. The closest plan I can offer "
                             f"is {alt['months']} monthly payments of {_money(alt['instalment'])}{with_down}. "
                             "Would that work?")
        down = Decimal(r["down_payment"])
        turn.state.pending_amount = down if down > 0 else Decimal(r["instalment"])
        turn.state.awaiting = "plan_confirm"
        lead = f"With {_money(down)} down today, that's" if down > 0 else "That's"
        last_note = (f", with a final payment of {_money(r['last_instalment'])}"
                     if r["last_instalment"] != r["instalment"] else "")
        first = next(row["due_date"] for row in r["schedule"] if row["kind"] == "instalment")
        return self._say(f"{lead} {r['months']} monthly payments of {_money(r['instalment'])}{last_note}, starting "
                         f"{_spoken_date(first)}, for a total of {_money(r['total'])}. Shall I set that up?")

    def _after_negotiation_guidance(self, turn: TurnInput, last: ToolOutcome) -> list[StepOutput]:
        r = last.result
        if not last.success:
            turn.state.awaiting = "choice"
            return self._say("I'm not able to negotiate a settlement right now. Would a payment plan help?")
        amount = Decimal(r["amount"])
        turn.state.pending_amount = amount
        if r["decision"] == "accept":
            if self._method:
                return [self._call("process_payment", amount=str(amount), payment_method=self._method)]
            turn.state.awaiting = "payment_method"
            return self._say(f"We can accept {_money(amount)} as a one-time settlement. Would you like a secure "
                             "payment link by text message, or to pay by bank transfer?")
        turn.state.awaiting = "settlement_confirm"
        if r.get("at_floor"):
            return self._say(f"I'm not able to accept that amount. The lowest one-time settlement I can offer is "
                             f"{_money(amount)}. Would that work for you?")
        return self._say(f"I'm not able to accept that amount, but I can offer a one-time settlement of "
                         f"{_money(amount)}. Would that work for you?")

    def _after_process_payment(self, turn: TurnInput, last: ToolOutcome) -> list[StepOutput]:
        r = last.result
        if not last.success:
            turn.state.awaiting = "choice"
            return self._say("I'm sorry, I couldn't set that up. Would you like to pay the full balance, or set up "
                             "a plan instead?")
        turn.state.awaiting = "anything_else"
        turn.state.pending_amount = None
        kind = {"full": "payment in full", "settlement": "settlement", "plan": "payment plan"}.get(r["kind"], "")
        how = ("I've texted you a secure link to pay " + _money(r["amount_due_now"]) + "."
               if r["payment_method"] == "sms_link"
               else f"Please pay {_money(r['amount_due_now'])} by bank transfer using reference {r['reference']}.")
        return self._say(f"All set. I've recorded your {kind} of {_money(r['total_amount'])}. {how} "
                         "Is there anything else I can help you with?")

    def _after_schedule_callback(self, turn: TurnInput, last: ToolOutcome) -> list[StepOutput]:
        r = last.result
        if last.success:
            turn.state.awaiting = "anything_else"
            return self._say(f"I've scheduled a call back for {r['spoken']}. Is there anything else I can help "
                             "you with?")
        if r.get("nearest_allowed_spoken"):
            self._alt_time = r["nearest_allowed_spoken"]
            turn.state.awaiting = "callback_alt"
            return self._say("I'm only able to call between 8 AM and 9 PM your time. The closest time I can offer "
                             f"is {self._alt_time}. Would that work?")
        turn.state.awaiting = "callback_time"
        return self._say("What day and time would work best for a call back?")

    def _after_end_call(self, turn: TurnInput, last: ToolOutcome) -> list[StepOutput]:
        return []

    def _after_transfer_to_agent(self, turn: TurnInput, last: ToolOutcome) -> list[StepOutput]:
        if last.success:
            return []
        turn.state.awaiting = "callback_time"
        return self._say("I'm sorry, no one is available to take your call right now. I can have someone call you "
                         "back. What day and time works for you?")

    # ---- negotiation ----------------------------------------------------------------------------------------
    def _negotiation(self, turn: TurnInput, text: str) -> list[StepOutput]:
        state = turn.state
        if state.options is None:
            return [self._call("get_customer_options")]
        method = lang.payment_method(text)
        self._method = method or self._method
        awaiting = state.awaiting
        if awaiting == "anything_else" and (lang.is_done(text) or lang.is_no(text)):
            return self._close(turn, "completed")
        if awaiting == "payment_method" and state.pending_amount is not None:
            if method:
                return [self._call("process_payment", amount=str(state.pending_amount), payment_method=method)]
            return self._say("Would you prefer a secure payment link by text message, or a bank transfer?")
        if awaiting in ("plan_confirm", "settlement_confirm") and state.pending_amount is not None:
            offer = lang.offered_amount(text)
            if awaiting == "settlement_confirm" and offer is not None and offer != state.pending_amount:
                return [self._call("negotiation_guidance", customer_offer=str(offer))]
            if lang.is_yes(text) or method:
                if method:
                    return [self._call("process_payment", amount=str(state.pending_amount), payment_method=method)]
                state.awaiting = "payment_method"
                return self._say("Great. Would you like a secure payment link by text message, or to pay by bank "
                                 "transfer?")
        if awaiting == "plan_alt" and self._alt_plan and lang.is_yes(text):
            return [self._call("calculate_payment_plan", months=self._alt_plan["months"],
                               down_payment=self._alt_plan["down_payment"])]
        if awaiting == "callback_alt" and self._alt_time and lang.is_yes(text):
            return [self._call("schedule_callback", when=self._alt_time, reason="customer requested a call back")]
        if awaiting in ("callback_time", "callback_alt") and _has_time(text):
            return [self._call("schedule_callback", when=text, reason="customer requested a call back")]
        return self._general(turn, text, method)

    def _general(self, turn: TurnInput, text: str, method: str | None) -> list[StepOutput]:
        state = turn.state
        balance = turn.customer.balance if turn.customer else None
        if lang.wants_callback(text):
            if _has_time(text):
                return [self._call("schedule_callback", when=text, reason="customer requested a call back")]
            state.awaiting = "callback_time"
            return self._say("Of course. What day and time would work best for a call back?")
        if lang.wants_full(text) and balance is not None:
            state.pending_amount = balance
            if method:
                return [self._call("process_payment", amount=str(balance), payment_method=method)]
            state.awaiting = "payment_method"
            return self._say(f"Thank you. To pay the full {format_money(balance)}, would you like a secure payment "
                             "link by text message, or to pay by bank transfer?")
        months = lang.months_in(text)
        if months is not None:
            return [self._call("calculate_payment_plan", months=months,
                               down_payment=str(lang.down_payment_in(text)))]
        if lang.wants_plan(text):
            state.awaiting = "plan_months"
            lengths = _or_list([str(p["months"]) for p in (state.options or {}).get("plans", [])])
            return self._say(f"I can offer plans over {lengths} months. How many months would you like?")
        offer = lang.offered_amount(text)
        if offer is not None and balance is not None:
            if offer >= balance:
                state.pending_amount = balance
                state.awaiting = "payment_method"
                return self._say(f"Thank you. To pay the full {format_money(balance)}, would you like a secure "
                                 "payment link by text message, or to pay by bank transfer?")
            return [self._call("negotiation_guidance", customer_offer=str(offer))]
        if state.awaiting == "anything_else" and lang.is_yes(text):
            state.awaiting = None
            return self._say("Of course. What else can I help you with?")
        if lang.is_no(text) or lang.is_done(text):
            self._refusals += 1
            if self._refusals >= 2:
                return self._close(turn, "refused")
            state.awaiting = "choice"
            return self._say("I understand. Would a smaller monthly plan, or a call back at a better time, help?")
        self._misses += 1
        return self._say("Sorry, I didn't quite catch that. You can pay in full, make a settlement offer, set up a "
                         "payment plan, or I can call you back later. What would you like to do?")

    def _close(self, turn: TurnInput, reason: str) -> list[StepOutput]:
        name = turn.customer.first_name if turn.customer else ""
        if reason == "refused":
            line = (f"I understand. If you change your mind, please call us at "
                    f"{_spoken(turn.callback_number)}. Goodbye.")
        else:
            line = f"Thank you for your time today{', ' + name if name else ''}. Goodbye."
        return [TextDelta(line), self._call("end_call", reason=reason)]


def _or_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1] if items else ""


def _spoken_date(iso: str) -> str:
    from datetime import date

    d = date.fromisoformat(iso)
    return f"{d.strftime('%B')} {d.day}"


def _has_time(text: str) -> bool:
    from datetime import UTC, datetime

    try:
        parse_when(text, datetime.now(UTC))
    except UnparsableTime:
        return False
    return True


def _spoken(e164: str) -> str:
    digits = re.sub(r"\D", "", e164)[-10:]
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}" if len(digits) == 10 else e164
