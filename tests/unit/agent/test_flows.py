"""The fixed-flow readers and lines: who-is-calling questions, Spanish yes, every line present in English (and Spanish
where the flow speaks it), and no debt word in the lines said before verification."""
from __future__ import annotations

import pytest

from shared.agent import flows

BEFORE_VERIFICATION = ("who_is_calling", "who_is_calling_verify", "emergency", "distress", "distress_transfer",
                       "distress_close", "distress_no_line", "fraud_unverified", "validation_unverified",
                       "third_party_when", "goodbye", "abuse", "abuse_end", "spanish_offer", "spanish_offer_no_line",
                       "spanish_transfer", "spanish_callback_noted", "other_language")
DEBT_WORDS = ("debt", "balance", "owe", "overdue", "collect", "payment", "$", "deuda", "saldo", "cobr")


@pytest.mark.parametrize("text", ["Who is this?", "who's calling", "why are you calling me", "What's this about?",
                                  "what company is this", "¿Quién habla?", "de parte de quién"])
def test_who_is_calling_questions(text: str) -> None:
    assert flows.asks_who_is_calling(text)


@pytest.mark.parametrize("text", ["yes this is Maria", "I can pay 500", "who cares, I'll pay", "what's the balance"])
def test_other_turns_are_not_who_is_calling(text: str) -> None:
    assert not flows.asks_who_is_calling(text)


def test_spanish_yes_and_no() -> None:
    assert flows.is_yes("sí, soy yo", "es") and flows.is_yes("claro", "es")
    assert not flows.is_yes("no, gracias", "es")


@pytest.mark.parametrize("key", BEFORE_VERIFICATION)
def test_lines_said_before_verification_carry_no_debt_word(key: str) -> None:
    for language, text in flows.LINES[key].items():
        filled = text.format(agent="Alex", bank="Northwind Bank", name="Maria Gonzalez", first="Maria", when="")
        assert not [w for w in DEBT_WORDS if w in filled.lower()], (key, language)


def test_every_english_line_has_a_spanish_one() -> None:
    assert all("es" in texts for texts in flows.LINES.values())
    assert set(flows.SPANISH_DISCLOSURES) == {"ai_identification", "recording_notice", "mini_miranda_first",
                                              "mini_miranda_subsequent", "third_party_location"}


def test_distress_line_gives_the_lifeline_and_offers_a_person() -> None:
    for text in flows.LINES["distress"].values():
        assert "988" in text and "911" in text
    assert "person" in flows.LINES["distress"]["en"]
