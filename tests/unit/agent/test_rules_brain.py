"""The rules brain talks like a collector a caller would recognise, and the tactic's bands change what it does:
no sentence twice in a row, feelings first, the question asked answered, a caller who wants to go let go, short
turns; persistence, urgency, empathy and authority each change behaviour (all inside the guard)."""
from __future__ import annotations

import itertools
import re
from decimal import Decimal
from typing import Any

import pytest

from shared.agent.brains.base import Conversation, TextDelta, ToolCallRequest, ToolOutcome, TurnInput
from shared.agent.brains.rules import RulesBrain
from shared.agent.plans import customer_options
from shared.agent.state import CallState
from shared.compliance.guard import GuardContext, OutputGuard
from shared.db.seed import TACTICS
from shared.db.tactics import Tactic
from tests.unit.agent.test_policy_and_tools import POLICY, T0, TODAY
from tests.unit.agent.test_prompt import customer

GUARD = OutputGuard()


def tactic(**config: int) -> Tactic:
    return Tactic(id=1, name="t", archetype="x", description="", config={"urgency": 5, "empathy": 5,
                                                                         "persistence": 5, "authority": 5, **config},
                  version=1, active=True, created_at=T0, updated_at=T0)


class Call:
    """A verified call with the options on the table, driven line by line through the rules brain alone."""

    def __init__(self, t: Tactic) -> None:
        self.brain, self.tactic = RulesBrain(), t
        self.state = CallState(verified=True, phase="negotiate")
        self.state.options = customer_options(customer(), POLICY, TODAY, hardship=False)
        self.state.remember_amounts(*[Decimal(p["instalment"]) for p in self.state.options["plans"]],
                                    customer().balance)

    def turn(self, text: str | None, results: list[ToolOutcome] | None = None) -> list[Any]:
        if text is not None:
            self.state.hear_caller(text)
        out = self.brain.decide(TurnInput(user_text=text, tool_results=results or [], state=self.state,
                                          customer=customer(), policy=POLICY, tactic=self.tactic,
                                          conversation=Conversation(), agent_name="Alex", bank_name="Northwind Bank",
                                          callback_number="+18005550100"))
        for item in out:
            if isinstance(item, TextDelta):
                self.state.note_spoken(item.text)
        self.state.turn += 1
        return out

    def say(self, text: str) -> str:
        return " ".join(o.text for o in self.turn(text) if isinstance(o, TextDelta))

    def context(self) -> GuardContext:
        return GuardContext(verified=True, known_amounts=frozenset(self.state.known_amounts))


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.?!])\s+", text) if s]


def test_never_the_same_sentence_twice_in_a_row() -> None:
    call = Call(tactic())
    lines = [call.say(t) for t in ("Blah blah.", "What?", "Mm.", "Hmm hmm.", "Eh.")]
    for before, after in itertools.pairwise(lines):
        assert not set(sentences(before)) & set(sentences(after)), (before, after)


def test_feelings_are_acknowledged_before_anything_else() -> None:
    call = Call(tactic(empathy=9))
    reply = call.say("This is so frustrating, I'm really stressed about money.")
    assert re.match(r"(I'm|I hear|That sounds)", reply), reply
    cold = Call(tactic(empathy=1)).say("This is so frustrating.")
    assert len(sentences(cold)[0]) < len(sentences(reply)[0])          # warmer as empathy rises


def test_the_question_asked_is_answered_then_the_call_steers_back() -> None:
    reply = Call(tactic()).say("Wait, how much do I owe?")
    first, *rest = sentences(reply)
    assert "$1,250.00" in first and rest and rest[-1].endswith("?")


@pytest.mark.parametrize("line", ["I have to go, bye.", "Let me think about it, bye."])
def test_a_caller_who_wants_to_go_is_let_go_politely(line: str) -> None:
    out = Call(tactic(persistence=10)).turn(line)
    text = " ".join(o.text for o in out if isinstance(o, TextDelta))
    assert "Goodbye" in text and "1-800-555-0100" in text
    assert [o.name for o in out if isinstance(o, ToolCallRequest)] == ["end_call"]
    assert not re.search(r"settle|plan|pay", text, re.I)


def test_a_caller_who_must_go_is_offered_a_callback_once() -> None:
    call = Call(tactic())
    assert "call you back" in call.say("I'm at work right now, I can't talk.")
    out = call.turn("No thanks.")
    assert [o.name for o in out if isinstance(o, ToolCallRequest)] == ["end_call"]


def test_turns_are_short() -> None:
    call = Call(tactic())
    for text in ("Hmm.", "How much do I owe?", "I can't do that.", "This is stressful."):
        assert len(sentences(call.say(text))) <= 3


def refusals_until_goodbye(t: Tactic) -> int:
    call = Call(t)
    for n in range(1, 8):
        out = call.turn("No, I can't do that.")
        if any(isinstance(o, ToolCallRequest) and o.name == "end_call" for o in out):
            return n
    return 99


def test_persistence_sets_how_many_alternatives_follow_a_refusal() -> None:
    counts = [refusals_until_goodbye(tactic(persistence=p)) for p in (1, 4, 6, 8, 10)]
    assert counts == sorted(counts) and counts[0] == 1 and counts[-1] > counts[1]


def test_re_offers_after_a_refusal_are_different_alternatives() -> None:
    call = Call(tactic(persistence=10))
    offers = [call.say("No.") for _ in range(3)]
    assert len(set(offers)) == 3


def test_urgency_decides_whether_the_call_presses_for_today() -> None:
    options = {"balance": "1250.00", "days_overdue": 45, "plans": [{"months": 12, "instalment": "104.16"}]}
    outcome = ToolOutcome("get_customer_options", {}, options, True)

    def opening(**cfg: int) -> str:
        out = Call(tactic(**cfg)).turn(None, [outcome])
        return " ".join(o.text for o in out if isinstance(o, TextDelta))

    assert "today" in opening(urgency=8, empathy=5)
    assert "today" not in opening(urgency=2, empathy=5)


def test_empathy_leads_with_the_most_affordable_option() -> None:
    options = {"balance": "1250.00", "days_overdue": 45, "plans": [{"months": 12, "instalment": "104.16"}]}
    out = Call(tactic(empathy=9)).turn(None, [ToolOutcome("get_customer_options", {}, options, True)])
    text = " ".join(o.text for o in out if isinstance(o, TextDelta))
    assert text.index("plan") < text.index("in full")


def test_authority_sets_how_firmly_a_limit_is_stated() -> None:
    counter = ToolOutcome("negotiation_guidance", {"customer_offer": "500.00"},
                          {"decision": "counter", "amount": "875.00", "at_floor": True}, True)

    def limit(authority: int) -> str:
        out = Call(tactic(authority=authority)).turn(None, [counter])
        return " ".join(o.text for o in out if isinstance(o, TextDelta))

    assert "afraid" in limit(2) and "authorised" in limit(10)


@pytest.mark.parametrize("name", sorted(TACTICS))
def test_every_line_of_every_seeded_tactic_passes_the_guard(name: str) -> None:
    call = Call(tactic(**TACTICS[name][1]))
    for text in ("Hmm.", "How much do I owe?", "This is ridiculous, I'm so angry.", "No.", "No way.",
                 "What are my options?", "Are there fees?", "I can only pay five hundred dollars.", "No."):
        for sentence in sentences(call.say(text)):
            assert GUARD.check(sentence, call.context()).allowed, sentence
