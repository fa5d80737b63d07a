"""Caller intents are detected across wordings, and ordinary replies trigger none."""
from __future__ import annotations

import pytest

from shared.compliance.intents import REQUIRED_ACTION, Intent, detect_intents

WORDINGS: dict[Intent, list[str]] = {
    Intent.STOP_CALLING: ["Stop calling me.", "Quit ringing me!", "Don't call me again.", "Please take me off your list.",
                          "Lose my number.", "Put me on your do not call list.", "I don't want any more calls.",
                          "Never call this number again", "Leave me alone.", "STOP",
                          "Please don't contact me anymore.", "Stop harassing me!"],
    Intent.ATTORNEY: ["Talk to my lawyer.", "My attorney handles this now.", "I have a lawyer.",
                      "I'm represented by counsel.", "You'll need to contact my attorney.", "Speak with my lawyer.",
                      "My lawyer's number is 555-0100."],
    Intent.BANKRUPTCY: ["I filed chapter 7.", "I'm going bankrupt.", "I filed for bankruptcy last month.",
                        "We're in chapter thirteen.", "There's an automatic stay."],
    Intent.DISPUTE: ["I don't owe that.", "That's not my debt.", "I dispute this.", "I already paid that off.",
                     "The balance is wrong.", "This is a mistake.", "Somebody stole my identity, it's identity theft.",
                     "Send me proof, validate this debt."],
    Intent.WRONG_PARTY: ["This isn't John.", "You have the wrong number.", "There's no one here by that name.",
                         "He doesn't live here anymore.", "I'm not Maria.", "Wrong person, sorry.",
                         "I don't know who that is.",
                         "Sorry, John doesn't live here anymore.", "You've got the wrong John."],
    Intent.HARDSHIP: ["I lost my job.", "I got laid off last month.", "I can't afford it right now.",
                      "I've got medical bills piling up.", "My husband passed away.", "We're struggling."],
    Intent.ROBOT_QUESTION: ["Are you a real person?", "Am I talking to a robot?", "Is this a recording?",
                            "Are you AI?", "Are you human?", "Is this automated?",
                            "Is this a bot?", "Am I speaking to a computer?"],
    Intent.HUMAN_REQUEST: ["Let me talk to a real person.", "I want to speak to a manager.", "Transfer me to a human.",
                           "Get me a representative.", "Operator!", "Can I speak with someone?"],
}

ORDINARY_REPLIES = ["Yes, this is John.", "Sure, the last four are 1234.", "My zip is 10001.", "Okay.",
                    "I can pay fifty dollars a month.", "Can you call me back tomorrow afternoon?",
                    "What are my options?", "That sounds fine.", "I'm not sure.", "Hello?", "Who is this?",
                    "It's not a good time right now.", "I can do the three month plan.", "Yes, that's me.",
                    "I'm not interested.", "Not now, I'm driving.", "I'm not going to pay."]


@pytest.mark.parametrize(("intent", "utterance"), [(i, u) for i, us in WORDINGS.items() for u in us])
def test_intent_is_detected_on_each_wording(intent: Intent, utterance: str) -> None:
    found = detect_intents(utterance)
    assert intent in {m.intent for m in found}
    assert all(m.evidence for m in found)


@pytest.mark.parametrize("utterance", ORDINARY_REPLIES)
def test_ordinary_replies_carry_no_intent(utterance: str) -> None:
    assert detect_intents(utterance) == []


def test_one_turn_can_carry_several_intents() -> None:
    found = {m.intent for m in detect_intents("I filed chapter 7 and my lawyer said stop calling me.")}
    assert {Intent.BANKRUPTCY, Intent.ATTORNEY, Intent.STOP_CALLING} <= found


def test_every_intent_has_a_documented_action() -> None:
    assert set(REQUIRED_ACTION) == set(Intent)
    assert all(REQUIRED_ACTION[i] for i in Intent)


def test_asking_whether_we_are_human_is_not_a_transfer_request() -> None:
    assert {m.intent for m in detect_intents("Are you a real person?")} == {Intent.ROBOT_QUESTION}
