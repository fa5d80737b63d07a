"""The rules brain: a deterministic collections dialog policy (verification → options → negotiation within policy
→ arrangement → callback/transfer → close). Used offline, in tests, and when the LLM fails mid-call.

It talks like a collector a caller would recognise: short turns, feelings acknowledged before figures, the question
asked answered before steering back, never the same sentence twice in a row, and a caller who wants to go is let go.
The tactic's bands (shared.agent.tactic_bands, the same table the LLM prompt uses) change what it does; everything
it needs to continue a call the LLM started lives in the shared CallState."""
from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from shared.agent.brains import language as lang
from shared.agent.brains.base import StepOutput, TextDelta, ToolCallRequest, ToolOutcome, TurnInput
from shared.agent.numbers import find_last4, find_postal_code, format_money, normalize_numbers
from shared.agent.tactic_bands import Style, style
from shared.agent.timeparse import UnparsableTime, parse_when
from shared.compliance.disclosures import spoken_number

_EMOTION = re.compile(
    r"\b(frustrat\w*|angry|upset|annoy\w*|stress\w*|worried|worry|scared|afraid|anxious|overwhelm\w*|ridiculous|"
    r"fed up|sick of|tired of|crying|depress\w*|embarrass\w*|ashamed|hard time|struggl\w*|damn|hell|"
    r"(fuck|shit)\w*|pissed|can'?t believe)\b", re.I)
_LEAVING = re.compile(
    r"\b((have|got|need) to go|gotta go|let me think|think (about it|it over)|sleep on it|i'?ll call (you )?back|"
    r"talk (to you )?later|can'?t talk|in a meeting|at work right now|driving|hang(ing)? up)\b", re.I)
_BYE = re.compile(r"\b(bye|goodbye|good bye|hang(ing)? up)\b", re.I)
_Q_BALANCE = re.compile(r"\b(how much (do i|is it|is that|is the|do you)|what do i owe|what'?s (the|my) balance|"
                        r"what (was|is|'?s) (the|that|my) (amount|balance|total)( again)?|"
                        r"what is (the|my) balance)\b", re.I)
_Q_WHY = re.compile(r"\b(why (are|were) you calling|what is this (about|regarding)|what'?s this (about|regarding)|"
                    r"what (is it|'?s it) about)\b", re.I)
_Q_WHO = re.compile(r"\b(who (are you|is this|am i (talking|speaking) (to|with))|what'?s your name)\b", re.I)
_Q_OPTIONS = re.compile(r"\b(what (are )?(my|the) options|what can i do|what do you offer|what are my choices)\b", re.I)
_Q_SCAM = re.compile(r"\b(scam|scammers?|is this (legit|real|legitimate)|how (do|can) i know (this|you)('?re| is| are) "
                     r"(real|legit|legitimate|really))\b", re.I)
_Q_CONSEQUENCE = re.compile(r"\bwhat (happens|will happen|would happen|if) (if )?i (don'?t|do not|can'?t|cannot|never|"
                            r"won'?t) pay\b", re.I)
_Q_WAIVE = re.compile(r"\b(waive|forgive|write (it |this |that )?off|wipe (it|this|that) (out|off|away)|cancel (the|my|"
                      r"this) (debt|balance))\b", re.I)
_Q_CREDIT = re.compile(r"\b(credit (score|report|rating|history|bureaus?)|report(ing)? (me|this|it) to|equifax|experian|"
                       r"transunion)\b", re.I)
_Q_CREDITOR = re.compile(r"\b(original creditor|who (is|was) the creditor|who did i (borrow|owe)|what (is|was) this "
                         r"(debt|account|loan) (for|from))\b", re.I)
_Q_LOWEST = re.compile(r"\b(what'?s|what is) the (lowest|least|minimum|best)\b.{0,30}\b(take|accept|settle|do|offer)\b|"
                       r"\b(lowest|least) (you|you'?ll|you will|you can|you'?d) (take|accept|settle for)\b", re.I)
_UNSUPPORTED_METHOD = re.compile(r"\b((by|with|mail( you)?|send( you)?|write( you)?|pay( you)?( with)?) (a |my )?"
                                 r"(check|cheque|money order)|venmo|zelle|cash ?app|paypal|apple pay|google pay|"
                                 r"bitcoin|crypto|western union|in cash|with cash)\b", re.I)
_MONTHLY = re.compile(r"\b(a|per|each|every) month\b|\bmonthly\b", re.I)
_Q_FEES = re.compile(r"\b(fees?|interest|charges?)\b.*\?|\bwhy is it so (high|much)\b", re.I)

_MISSES = (
    "Sorry, I didn't quite catch that. Would you like to pay in full, make a settlement offer, or set up a plan?",
    "I want to make sure I understand. Are you thinking of a payment plan, a one-time offer, or paying in full?",
    "Could you say that another way? I can set up a plan, take a settlement offer, or call you back later.",
    "Let's take it one step at a time. What amount, or what monthly payment, would work for you?",
)
_ASK_METHOD = (
    "Would you like a secure payment link by text message, or to pay by bank transfer?",
    "Should I text you a secure payment link, or would you rather pay by bank transfer?",
    "How would you like to pay: a secure link by text message, or a bank transfer?",
)
_WORK_FOR_YOU = ("Would that work for you?", "Does that work for you?", "Could you manage that?")
_ASK_VERIFY = (
    "To protect your privacy, I need the last four digits of your account number and your ZIP or postal code.",
    "Could you tell me the last four digits of your account number, and your ZIP or postal code?",
    "I just need two details first: your account's last four digits and your ZIP or postal code.",
)
_ACK = (   # one sentence each, by empathy band
    ("Understood.", "I see."),
    ("I understand.", "I hear you."),
    ("I'm sorry this is stressful, and I understand.", "That sounds frustrating, and I understand."),
    ("I'm really sorry you're dealing with this; it's a lot to handle.",
     "I hear you, and I'm sorry it feels this way."),
    ("I'm so sorry you're going through this, and thank you for telling me; we'll go at your pace.",
     "That sounds really hard, and I'm sorry; there's no rush."),
)
_STEER = ("What would help most right now: a plan, a one-time offer, or a call back later?",
          "Would a smaller monthly plan or a call back at a better time help?")
_ANYTHING_ELSE = ("Is there anything else I can help you with?", "Anything else I can do for you today?")


def _money(value: Any) -> str:
    return format_money(Decimal(str(value)))


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.?!])\s+", text.strip()) if s]


class RulesBrain:
    name = "rules"

    def __init__(self) -> None:
        self._seq = 0
        self._tried: tuple[str, str] | None = None     # the factors of the last verification attempt (never logged)

    async def aclose(self) -> None:
        return None

    async def step(self, turn: TurnInput) -> AsyncIterator[StepOutput]:  # type: ignore[override]
        for out in self.decide(turn):
            yield out

    # ---- decisions ------------------------------------------------------------------------------------------
    def decide(self, turn: TurnInput) -> list[StepOutput]:
        if turn.tool_results:
            out = self._after_tool(turn, turn.tool_results[-1])
        elif not turn.state.verified:
            out = self._verification(turn, turn.user_text or "")
        else:
            out = self._negotiation(turn, turn.user_text or "")
        return self._varied(turn, out)

    def _call(self, name: str, **arguments: Any) -> ToolCallRequest:
        self._seq += 1
        return ToolCallRequest(f"rules_{self._seq}", name, arguments)

    def _say(self, *parts: str) -> list[StepOutput]:
        return [TextDelta(" ".join(p for p in parts if p))]

    @staticmethod
    def _style(turn: TurnInput) -> Style:
        return style((turn.tactic.config if turn.tactic else {}) or {})

    @staticmethod
    def _pick(turn: TurnInput, options: Sequence[str]) -> str:
        """The first phrasing not said recently (so a repeated question is never word for word)."""
        recent = set(turn.state.last_lines[-8:])
        for option in options:
            if option not in recent and not any(sentence in recent for sentence in _sentences(option)):
                return option
        return options[turn.state.turn % len(options)]

    def _varied(self, turn: TurnInput, out: list[StepOutput]) -> list[StepOutput]:
        """Never the same sentence twice in a row: a sentence the agent just said is rephrased or dropped."""
        last = set(turn.state.last_lines[-4:])
        varied: list[StepOutput] = []
        for item in out:
            if not isinstance(item, TextDelta):
                varied.append(item)
                continue
            kept = []
            for sentence in _sentences(item.text):
                if sentence in last:
                    sentence = _rephrase(sentence)
                if sentence and sentence not in last:
                    kept.append(sentence)
            if kept:
                varied.append(TextDelta(" ".join(kept)))
        if out and not varied:
            # Everything was just said: still answer (dead air is worse than a reworded repeat).
            first = next(item.text for item in out if isinstance(item, TextDelta))
            varied.append(TextDelta(_sentences(first)[-1] if first.startswith("Just to check") else
                                    "Just to check: " + _sentences(first)[-1][0].lower() + _sentences(first)[-1][1:]))
        return varied

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
        if state.verification_attempts and self._tried and bool(state.pending_last4) != bool(state.pending_postal):
            # "Sorry, it's 4821": the caller corrects one factor of the attempt that failed; the other stands.
            state.pending_last4 = state.pending_last4 or self._tried[0]
            state.pending_postal = state.pending_postal or self._tried[1]
        if state.pending_last4 and state.pending_postal:
            self._tried = (state.pending_last4, state.pending_postal)
            return [self._call("verify_account", account_last_4=state.pending_last4,
                               postal_code=state.pending_postal)]
        if state.pending_last4:
            return self._say("Thank you. And what is your ZIP or postal code?")
        if state.pending_postal:
            return self._say("Thank you. And what are the last four digits of your account number?")
        if _Q_SCAM.search(text):
            return self._say(f"I understand the caution. You can check this call by phoning {turn.bank_name} at the "
                             "number on your card or statement.", self._pick(turn, _ASK_VERIFY))
        asks = sum(line in _ASK_VERIFY for line in state.last_lines[-8:])
        if asks >= 3:
            return [TextDelta("It sounds like now may not be a good time. You can reach us at "
                              f"{spoken_number(turn.callback_number)} whenever you're ready. Goodbye."),
                    self._call("end_call", reason="verification_not_given")]
        if _BYE.search(text) or _LEAVING.search(text):       # a caller who wants to go is let go, unverified too
            return [TextDelta(f"No problem. You can reach us at {spoken_number(turn.callback_number)} whenever "
                              "you're ready. Goodbye."), self._call("end_call", reason="caller_request")]
        if _Q_WHO.search(text) or _Q_WHY.search(text):
            return self._say(f"I'm {turn.agent_name}, an automated assistant calling from {turn.bank_name} about a "
                             "personal business matter.", self._pick(turn, _ASK_VERIFY))
        return self._say(self._acknowledgement(turn, text), self._pick(turn, _ASK_VERIFY))

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
        st = self._style(turn)
        balance = _money(o["balance"])
        plans = o.get("plans") or []
        lowest = _money(plans[-1]["instalment"]) if plans else None
        lengths = _or_list([str(p["months"]) for p in plans])
        turn.state.awaiting = "choice"
        if turn.state.hardship:
            deferral = o.get("hardship_deferral")
            pause = (f"We can pause your payments for {deferral['days']} days, or " if deferral else "We can ")
            plan = f"set up a plan as low as {lowest} a month over {plans[-1]['months']} months" if plans else \
                "look at a plan"
            turn.state.awaiting = "hardship_choice"
            if plans:
                turn.state.alt_plan = {"months": plans[-1]["months"], "down_payment": "0.00",
                                       "instalment": plans[-1]["instalment"]}
            return self._say(f"I'm sorry to hear that, and thank you for telling me. {pause}{plan}. "
                             "Would that help?")
        if st.hardship_first:
            return self._say(f"Thank you. I understand things can be difficult. Your current balance is {balance}. "
                             f"We can work with you: a plan{' from ' + lowest + ' a month' if lowest else ''}, a "
                             "one-time settlement offer, or paying in full. What would work best for you?")
        if st.state_overdue and st.acknowledge <= 1:
            return self._say(f"Thank you. Your account has a past-due balance of {balance}, {o['days_overdue']} "
                             "days overdue. The best way to resolve it is to pay it in full today. Can you do that, "
                             "or do you need a payment plan?")
        ask = "Could we get this sorted out today?" if st.press_today and st.state_overdue else \
            "What would you like to do?"
        return self._say(f"Thank you. Your current balance is {balance}, which is {o['days_overdue']} days past due. "
                         f"You can pay it in full, make a one-time settlement offer, or set up a plan over {lengths} "
                         f"months{', from ' + lowest + ' a month' if lowest else ''}.", ask)

    def _after_calculate_payment_plan(self, turn: TurnInput, last: ToolOutcome) -> list[StepOutput]:
        r = last.result
        if not last.success:
            alt = r.get("nearest_valid_plan")
            if not alt:
                turn.state.awaiting = "choice"
                return self._say(f"I'm sorry, that plan isn't possible: {r.get('error', 'outside our policy')}. "
                                 "Would you like to pay in full or make a settlement offer instead?")
            turn.state.alt_plan = alt
            turn.state.awaiting = "plan_alt"
            with_down = f" with {_money(alt['down_payment'])} down" if Decimal(alt["down_payment"]) > 0 else ""
            return self._say(f"I'm sorry, that plan isn't available: {r.get('error')}. The closest plan I can offer "
                             f"is {alt['months']} monthly payments of {_money(alt['instalment'])}{with_down}.",
                             self._pick(turn, _WORK_FOR_YOU))
        down = Decimal(r["down_payment"])
        turn.state.pending_amount = down if down > 0 else Decimal(r["instalment"])
        turn.state.awaiting = "plan_confirm"
        lead = f"With {_money(down)} down today, that's" if down > 0 else "That's"
        last_note = (f", with a final payment of {_money(r['last_instalment'])}"
                     if r["last_instalment"] != r["instalment"] else "")
        first = next(row["due_date"] for row in r["schedule"] if row["kind"] == "instalment")
        ask = "Shall I set that up today?" if self._style(turn).press_today else "Shall I set that up?"
        return self._say(f"{lead} {r['months']} monthly payments of {_money(r['instalment'])}{last_note}, starting "
                         f"{_spoken_date(first)}, for a total of {_money(r['total'])}.", ask)

    def _after_negotiation_guidance(self, turn: TurnInput, last: ToolOutcome) -> list[StepOutput]:
        r = last.result
        if not last.success:
            if r.get("say") and "disputed" not in str(r.get("error")):
                turn.state.awaiting = "choice"
                return self._say(str(r["say"]))
            turn.state.awaiting = "choice"
            return self._say("I'm not able to negotiate a settlement right now. Would a payment plan help?")
        amount = Decimal(r["amount"])
        turn.state.pending_amount = amount
        if r["decision"] == "accept":
            method = turn.state.caller_method
            if method:
                return [self._call("process_payment", amount=str(amount), payment_method=method)]
            turn.state.awaiting = "payment_method"
            return self._say(f"We can accept {_money(amount)} as a one-time settlement.",
                             self._pick(turn, _ASK_METHOD))
        turn.state.awaiting = "settlement_confirm"
        st = self._style(turn)
        if r.get("at_floor"):
            limit = (f"The lowest one-time settlement I'm authorised to accept is {_money(amount)}." if st.firm
                     else f"I'm afraid the lowest one-time settlement I can offer is {_money(amount)}.")
            return self._say("I'm not able to accept that amount.", limit, self._pick(turn, _WORK_FOR_YOU))
        return self._say(f"I'm not able to accept that amount, but I can offer a one-time settlement of "
                         f"{_money(amount)}.", self._pick(turn, _WORK_FOR_YOU))

    def _after_process_payment(self, turn: TurnInput, last: ToolOutcome) -> list[StepOutput]:
        r = last.result
        if not last.success:
            if r.get("say"):
                return self._say(str(r["say"]))
            turn.state.awaiting = "choice"
            return self._say("I'm sorry, I couldn't set that up. Would you like to pay the full balance, or set up "
                             "a plan instead?")
        turn.state.awaiting = "anything_else"
        turn.state.pending_amount = None
        if r.get("already_recorded") and turn.state.arrangement is not None and r.get("say") == "That's already set up.":
            return self._say("That's already set up.", self._pick(turn, _ANYTHING_ELSE))
        kind = {"full": "payment in full", "settlement": "settlement", "plan": "payment plan"}.get(r["kind"], "")
        how = ("I've texted you a secure link to pay " + _money(r["amount_due_now"]) + "."
               if r["payment_method"] == "sms_link"
               else f"Please pay {_money(r['amount_due_now'])} by bank transfer using reference {r['reference']}.")
        return self._say(f"All set. I've recorded your {kind} of {_money(r['total_amount'])}. {how}",
                         self._pick(turn, _ANYTHING_ELSE))

    def _after_schedule_callback(self, turn: TurnInput, last: ToolOutcome) -> list[StepOutput]:
        r = last.result
        if last.success:
            turn.state.awaiting = "anything_else"
            return self._say(f"I've scheduled a call back for {r['spoken']}.", self._pick(turn, _ANYTHING_ELSE))
        if r.get("nearest_allowed_spoken"):
            turn.state.alt_time = r["nearest_allowed_spoken"]
            turn.state.awaiting = "callback_alt"
            return self._say("I'm not able to call you at that time. The closest time "
                             f"I can offer is {turn.state.alt_time}. Would that work?")
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
        ack = self._acknowledgement(turn, text)
        leaving = self._leaving(turn, text)
        if leaving is not None:
            return leaving
        out = self._decide_negotiation(turn, text)
        if ack and out and isinstance(out[0], TextDelta) and out[0].text in _MISSES:
            out = self._say(self._pick(turn, _STEER))       # feelings first, then one short question
        if ack and out and isinstance(out[0], TextDelta):
            return [TextDelta(f"{ack} {out[0].text}"), *out[1:]]
        if ack:
            return [TextDelta(ack), *out]
        return out

    def _decide_negotiation(self, turn: TurnInput, text: str) -> list[StepOutput]:
        state = turn.state
        method = lang.payment_method(text) or None
        awaiting = state.awaiting
        if awaiting == "anything_else" and (lang.is_done(text) or lang.is_no(text)):
            return self._close(turn, "completed")
        if lang.is_done(text) and (state.arrangement is not None or state.callback is not None):
            return self._close(turn, "completed")           # resolved already: 'that's it' ends, it is no refusal
        if state.arrangement is not None and awaiting == "change_transfer":
            if lang.is_yes(text):
                return [self._call("transfer_to_agent", reason="caller wants to change the arrangement made on "
                                                                "this call")]
            return self._close(turn, "completed")
        if state.arrangement is not None and (lang.wants_plan(text) or lang.wants_full(text) or
                                              lang.offered_amount(text) is not None):
            # One arrangement per call (process_payment refuses a second): a change goes to a person.
            state.awaiting = "change_transfer"
            kind = {"full": "payment in full", "settlement": "settlement", "plan": "payment plan"}.get(
                str(state.arrangement.get("kind")), "arrangement")
            return self._say(f"Your {kind} is already recorded on this call, so I can't change it myself. A "
                             "specialist can help you change it. Would you like me to transfer you?")
        if awaiting == "callback_offer":
            if lang.is_yes(text) and not _has_time(text):
                state.awaiting = "callback_time"
                return self._say("What day and time would suit you?")
            if lang.is_no(text) or lang.is_done(text):
                return self._close(turn, "caller_request")
        if awaiting == "payment_method" and state.pending_amount is not None:
            if method:
                return [self._call("process_payment", amount=str(state.pending_amount), payment_method=method)]
            if not (lang.is_no(text) or lang.offered_amount(text) is not None):
                return self._say(_unsupported_note(text), self._pick(turn, _ASK_METHOD))
        if awaiting in ("plan_confirm", "settlement_confirm", "payment_confirm") and state.pending_amount is not None:
            offer = lang.offered_amount(text)
            if awaiting == "settlement_confirm" and offer is not None and offer != state.pending_amount:
                if offer in state.caller_offers[:-1] and state.counters_made >= 1:
                    return self._same_offer_again(turn, offer)
                return [self._call("negotiation_guidance", customer_offer=str(offer))]
            if method and not lang.is_yes(text) and not lang.is_no(text) and awaiting == "settlement_confirm":
                # A payment method named in answer to the engine's own counter-offer is not yet a yes to the amount:
                # confirm the terms back before anything is recorded.
                how = "a secure link by text message" if method == "sms_link" else "bank transfer"
                return self._say(f"Just to confirm: a one-time settlement of {format_money(state.pending_amount)}, "
                                 f"paid by {how}. Shall I set that up?")
            if lang.is_yes(text) or (method and not lang.is_no(text)):
                if method:
                    return [self._call("process_payment", amount=str(state.pending_amount), payment_method=method)]
                if state.caller_method:
                    return [self._call("process_payment", amount=str(state.pending_amount),
                                       payment_method=state.caller_method)]
                state.awaiting = "payment_method"
                return self._say("Great.", self._pick(turn, _ASK_METHOD))
        if awaiting == "hardship_choice":
            chosen = self._hardship_choice(turn, text)
            if chosen is not None:
                return chosen
        if awaiting == "pause_transfer":
            if lang.is_yes(text):
                return [self._call("transfer_to_agent", reason="hardship: the caller asked for a payment pause")]
            if lang.is_no(text) or lang.is_done(text):
                return self._close(turn, "caller_request")
        if awaiting == "plan_alt" and state.alt_plan and lang.is_yes(text):
            return [self._call("calculate_payment_plan", months=state.alt_plan["months"],
                               down_payment=state.alt_plan["down_payment"])]
        if awaiting == "callback_alt" and state.alt_time and lang.is_yes(text):
            return [self._call("schedule_callback", when=state.alt_time, reason="customer requested a call back")]
        if awaiting == "callback_alt" and (lang.is_no(text) or lang.is_done(text)) and not _has_time(text):
            # No to the proposed time is no to that time, not to paying: one more time asked, then let go.
            if state.refusals_of_time >= 1 or lang.is_done(text):
                return self._close(turn, "caller_request")
            state.refusals_of_time += 1
            state.awaiting = "callback_time"
            return self._say("No problem. What other day and time would suit you?")
        if awaiting in ("callback_time", "callback_alt") and _has_time(text):
            return [self._call("schedule_callback", when=text, reason="customer requested a call back")]
        answered = self._answer_question(turn, text)
        if answered is not None:
            return answered
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
            return self._say(_unsupported_note(text), f"Thank you. To pay the full {format_money(balance)}, would you "
                             "like a secure payment link by text message, or to pay by bank transfer?")
        months = lang.months_in(text)
        plans = (state.options or {}).get("plans") or []
        if months is None and plans and (_MONTHLY.search(text) or
                                         (state.awaiting == "plan_months" and lang.is_yes(text))):
            return self._plan_for_monthly(turn, lang.offered_amount(text) if _MONTHLY.search(text) else None, plans)
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
            if offer in state.caller_offers[:-1] and state.counters_made >= 1:
                return self._same_offer_again(turn, offer)
            return [self._call("negotiation_guidance", customer_offer=str(offer))]
        if state.awaiting == "anything_else" and lang.is_yes(text):
            state.awaiting = None
            return self._say("Of course. What else can I help you with?")
        if lang.is_no(text) or lang.is_done(text):
            return self._refused(turn)
        return self._say(self._pick(turn, _MISSES))

    def _plan_for_monthly(self, turn: TurnInput, monthly: Decimal | None, plans: list[dict[str, Any]]
                          ) -> list[StepOutput]:
        """'Maybe fifty a month?': the shortest plan whose payment fits, else the lowest payment policy allows (the
        figures are the tool's, quoted from the options; the plan itself is calculated only once the caller agrees)."""
        fitting = [p for p in plans if monthly is not None and Decimal(str(p["instalment"])) <= monthly]
        plan = fitting[0] if fitting else plans[-1]
        turn.state.alt_plan = {"months": plan["months"], "down_payment": "0.00", "instalment": plan["instalment"]}
        turn.state.awaiting = "plan_alt"
        figure = f"{_money(plan['instalment'])} a month over {plan['months']} months"
        lead = (f"A plan of {figure} would fit that." if fitting else
                f"The lowest monthly payment I can offer is {figure}.")
        return self._say(lead, self._pick(turn, _WORK_FOR_YOU))

    def _hardship_choice(self, turn: TurnInput, text: str) -> list[StepOutput] | None:
        """After the pause-or-plan offer: a pause is set up by a person (no tool records one), the plan is
        calculated, and a bare 'yes' to an either-or question is asked which."""
        state = turn.state
        deferral = (state.options or {}).get("hardship_deferral")
        low = text.lower()
        if deferral and re.search(r"\b(pause|paus|defer\w*|break|hold off|skip|wait|(30|thirty) days?)\b", low):
            state.awaiting = "pause_transfer"
            return self._say(f"A specialist sets up the {deferral['days']}-day pause, so I'll need to connect you. "
                             "Would you like me to transfer you now?")
        if state.alt_plan and re.search(r"\b(the plan|a plan|plan|monthly)\b", low) and lang.months_in(text) is None \
                and lang.offered_amount(text) is None and not lang.is_no(text):
            return [self._call("calculate_payment_plan", months=state.alt_plan["months"],
                               down_payment=state.alt_plan["down_payment"])]
        if lang.is_yes(text) and deferral and state.alt_plan:
            return self._say(f"Which would help more: the {deferral['days']}-day pause, or the plan of "
                             f"{_money(state.alt_plan['instalment'])} a month?")
        return None

    def _same_offer_again(self, turn: TurnInput, offer: Decimal) -> list[StepOutput]:
        """The caller repeats an offer already countered: the floor does not move, so the counter is not said
        again; a monthly plan is put instead, or the caller is let go."""
        state = turn.state
        plans = (state.options or {}).get("plans") or []
        state.proposal = None
        if not plans or state.alt_plan is not None:
            return self._close(turn, "refused")
        plan = plans[-1]
        state.alt_plan = {"months": plan["months"], "down_payment": "0.00", "instalment": plan["instalment"]}
        state.awaiting = "plan_alt"
        return self._say(f"I hear you, but {_money(offer)} is below what I can accept. If a one-time amount is "
                         f"hard right now, a plan could spread it out: {_money(plan['instalment'])} a month over "
                         f"{plan['months']} months.", self._pick(turn, _WORK_FOR_YOU))

    def _refused(self, turn: TurnInput) -> list[StepOutput]:
        """Persistence decides how many alternatives follow a refusal before the caller is let go."""
        state, st = turn.state, self._style(turn)
        state.refusals += 1
        state.proposal = None
        if st.refusal_ends or state.refusals > st.re_offers:
            return self._close(turn, "refused")
        plans = (state.options or {}).get("plans") or []
        alternatives = []
        if plans:
            alternatives.append(f"Would a smaller monthly plan help? Payments can be as low as "
                                f"{_money(plans[-1]['instalment'])} a month.")
        alternatives.append("Is there a one-time amount you could manage? I can check what we can accept.")
        alternatives.append("Would a call back at a better time help?")
        state.awaiting = "choice"
        lead = "I understand." if st.acknowledge < 3 else "I understand, and that's okay."
        return self._say(lead, alternatives[(state.refusals - 1) % len(alternatives)])

    # ---- tone -----------------------------------------------------------------------------------------------
    def _acknowledgement(self, turn: TurnInput, text: str) -> str:
        """Feelings first: a short acknowledgement, warmer as empathy rises (never the same one twice in a row)."""
        if not _EMOTION.search(text):
            return ""
        return self._pick(turn, _ACK[self._style(turn).acknowledge])

    def _leaving(self, turn: TurnInput, text: str) -> list[StepOutput] | None:
        """A caller who wants to go is let go: a callback offered once, or a polite goodbye."""
        state = turn.state
        says_bye = bool(_BYE.search(text)) and state.arrangement is None and state.callback is None
        if not (_LEAVING.search(text) or says_bye) or (lang.wants_callback(text) and _has_time(text)):
            return None
        if _BYE.search(text) or state.callback is not None or state.awaiting == "callback_offer":
            number = spoken_number(turn.callback_number)
            return [TextDelta(f"Of course, take your time. You can reach us at {number} whenever you're ready. "
                              "Goodbye."), self._call("end_call", reason="caller_request")]
        state.awaiting = "callback_offer"
        return self._say("No problem. Would you like me to call you back at a better time?")

    def _answer_question(self, turn: TurnInput, text: str) -> list[StepOutput] | None:
        """The question asked, answered in a sentence, then one step back toward a resolution."""
        balance = turn.customer.balance if turn.customer else None
        steer = "Would you like to pay in full, make a settlement offer, or set up a plan?"
        if _Q_BALANCE.search(text) and balance is not None:
            return self._say(f"Your balance is {format_money(balance)}.", steer)
        if _Q_WHY.search(text) and balance is not None:
            return self._say(f"I'm calling about your {turn.bank_name} account, which has a balance of "
                             f"{format_money(balance)}.", steer)
        if _Q_WHO.search(text):
            return self._say(f"I'm {turn.agent_name}, an automated assistant calling for {turn.bank_name}.", steer)
        if _Q_OPTIONS.search(text):
            plans = (turn.state.options or {}).get("plans") or []
            lengths = _or_list([str(p["months"]) for p in plans])
            return self._say(f"You can pay in full, make a one-time settlement offer, or set up a plan over {lengths} "
                             "months.", "Which sounds best?")
        if _Q_SCAM.search(text):
            return self._say(f"I understand the caution. You can check this call by phoning {turn.bank_name} at the "
                             "number on your card or statement, or call us back at "
                             f"{spoken_number(turn.callback_number)}.", "Would you like to go over your options now?")
        if _Q_CONSEQUENCE.search(text):
            return self._say("The account would stay past due. I'd like to help you find an option that works for "
                             "you.", steer)
        if _Q_WAIVE.search(text):
            return self._say("I'm not able to waive or reduce the balance, but I can offer a one-time settlement or a "
                             "monthly plan.", "Which would you prefer?")
        if _Q_CREDIT.search(text):
            return self._say("I can't tell you how your credit report may be affected; a specialist can go over "
                             "that with you.", steer)
        if _Q_CREDITOR.search(text):
            return self._say(f"This account is with {turn.bank_name}. If you'd like the details of the debt in "
                             "writing, just say so and we'll mail you a validation notice.", steer)
        if _Q_LOWEST.search(text):
            return self._say("If you tell me an amount you could pay, I'll check what we can accept.")
        if _Q_FEES.search(text):
            return self._say("I don't have the details of fees or interest in front of me; a specialist can go over "
                             "them with you.", steer)
        return None

    def _close(self, turn: TurnInput, reason: str) -> list[StepOutput]:
        name = turn.customer.first_name if turn.customer else ""
        if reason == "refused":
            line = (f"I understand. If you change your mind, please call us at "
                    f"{spoken_number(turn.callback_number)}. Goodbye.")
        elif reason == "caller_request":
            line = (f"No problem. You can reach us at {spoken_number(turn.callback_number)} whenever you're ready. "
                    "Goodbye.")
        else:
            line = f"Thank you for your time today{', ' + name if name else ''}. Goodbye."
        return [TextDelta(line), self._call("end_call", reason=reason)]


_REPHRASE = {
    "Thank you.": "",
    "Great.": "",
    "Would that work?": "Would that be all right?",
    "What would you like to do?": "How would you like to go ahead?",
    "How would you like to proceed?": "What would you like to do next?",
}


def _rephrase(sentence: str) -> str:
    """Another way to say a sentence the agent just said ('' drops it: a repeated acknowledgement adds nothing)."""
    if sentence in _REPHRASE:
        return _REPHRASE[sentence]
    for group in (_MISSES, _ASK_METHOD, _WORK_FOR_YOU, _ASK_VERIFY, _ANYTHING_ELSE, _STEER):
        if sentence in group:
            return group[(group.index(sentence) + 1) % len(group)]
    if any(sentence in pair for pair in _ACK) or sentence.startswith(("I understand", "I'm sorry", "I hear")):
        return ""
    lead = sentence if re.match(r"I\b", sentence) else sentence[0].lower() + sentence[1:]
    if sentence.endswith("?"):
        return "Just to check: " + lead
    return "As I said, " + lead


def _unsupported_note(text: str) -> str:
    """'Can I mail you a check?': a way of paying this call cannot take is said so (never silently ignored)."""
    return "I'm not able to take that kind of payment on this call." if _UNSUPPORTED_METHOD.search(text) else ""


def _or_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1] if items else ""


def _spoken_date(iso: str) -> str:
    d = date.fromisoformat(iso)
    return f"{d.strftime('%B')} {d.day}"


def _has_time(text: str) -> bool:
    try:
        parse_when(text, datetime.now(UTC))
    except UnparsableTime:
        return False
    return True
