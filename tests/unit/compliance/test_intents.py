"""Caller intents are detected across wordings, and ordinary replies trigger none."""
from __future__ import annotations

import pytest

from shared.compliance import intent_corpus as corpus
from shared.compliance.intents import REQUIRED_ACTION, Intent, detect_intents, detect_language

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
    Intent.DISPUTE: ["I don't owe that.", "That's not my debt.", "I dispute this.",
                     "The balance is wrong.", "This is a mistake."],
    Intent.FRAUD: ["Somebody stole my identity, it's identity theft.", "Someone opened it in my name.",
                   "That's not mine, I filed a police report."],
    Intent.ALREADY_PAID: ["I already paid that off.", "I paid it last month."],
    Intent.VALIDATION_REQUEST: ["Send me proof, validate this debt.", "I want that in writing."],
    Intent.DISTRESS: ["My life is not worth living.", "I don't want to be alive anymore."],
    Intent.EMERGENCY: ["My husband just collapsed, I have to call 911.", "My kitchen is on fire!"],
    Intent.OTHER_LANGUAGE: ["No hablo mucho inglés.", "¿Habla español?"],
    Intent.CALLBACK_REQUEST: ["Can you call me back tomorrow afternoon?", "It's not a good time right now.",
                              "Not now, I'm driving."],
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
                    "I can pay fifty dollars a month.",
                    "What are my options?", "That sounds fine.", "I'm not sure.", "Hello?", "Who is this?",
                    "I can do the three month plan.", "Yes, that's me.", "I'm not saying stop calling.",
                    "I don't have a lawyer.", "I'm not interested.", "I'm not going to pay."]


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


def test_held_out_corpus_meets_the_targets() -> None:
    """Issue #14: recall ≥ 0.95 on the safety and legal intents, precision ≥ 0.98 overall, on the held-out split
    (written before the detector was tuned; `bench/intents.py` prints the table)."""
    examples = corpus.load("heldout")
    per, pooled, _ = corpus.evaluate(examples)
    assert sum(1 for e in examples if not e.intents) >= 100
    for intent, target in corpus.RECALL_TARGETS.items():
        assert per[intent].recall >= target, (intent, per[intent])
    assert pooled.precision >= corpus.OVERALL_PRECISION_TARGET


def test_corpus_has_forty_utterances_per_intent_and_four_hundred_ordinary() -> None:
    examples = corpus.load("train") + corpus.load("heldout")
    for intent in Intent:
        assert sum(intent in e.intents for e in examples) >= 40, intent
    assert sum(1 for e in examples if not e.intents) >= 400
    held = {e.text.lower() for e in corpus.load("heldout")}
    assert not held & {e.text.lower() for e in corpus.load("train")}


@pytest.mark.parametrize("utterance,language", [("no hablo mucho inglés", "es"), ("¿quién habla?", "es"),
                                                ("do you have someone who speaks Spanish", "es"),
                                                ("je ne parle pas anglais", "fr"), ("English is fine", None),
                                                ("yes this is John", None), ("no, not today", None)])
def test_language_detection(utterance: str, language: str | None) -> None:
    assert detect_language(utterance) == language
