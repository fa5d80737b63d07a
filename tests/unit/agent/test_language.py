"""Reading callers: numbers and amounts in words, account digits and postal codes, yes/no, callback times."""
from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from shared.agent.brains import language as lang
from shared.agent.numbers import find_last4, find_postal_code, normalize_postal, parse_amounts, spoken_digits
from shared.agent.sentences import SentenceBuffer
from shared.agent.timeparse import UnparsableTime, parse_when

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)      # Tuesday 10:00 in New York


@pytest.mark.parametrize("text,amount", [
    ("eight hundred seventy five dollars", "875.00"), ("twelve hundred fifty dollars", "1250.00"),
    ("I can pay eight hundred and five dollars", "805.00"), ("$1,250.50 please", "1250.50"),
    ("one thousand two hundred dollars", "1200.00"), ("300 bucks", "300.00"),
    ("fifty dollars and twenty five cents", "50.25"),
])
def test_amounts_spoken_in_words_or_figures(text: str, amount: str) -> None:
    assert parse_amounts(text) == [Decimal(amount)]


@pytest.mark.parametrize("text,last4,postal", [
    ("one two three four", "1234", None), ("four eight two one, and my zip is one zero zero zero one", "4821", "10001"),
    ("account 6391 postal code M5V 2T6", "6391", "M5V2T6"), ("k one a zero b one", None, "K1A0B1"),
    ("my card number is 4111 1111 1111 4821", "4821", None),    # the LAST four of a number read in groups
])
def test_account_digits_and_postal_codes(text: str, last4: str | None, postal: str | None) -> None:
    assert find_postal_code(text) == postal
    if last4:
        assert find_last4(text) == last4


def test_postal_codes_normalize_across_spellings() -> None:
    assert normalize_postal("K1A 0B1") == normalize_postal("k1a0b1") == "K1A0B1"
    assert normalize_postal("10001-1234") == "10001"
    assert spoken_digits("four eight two one") == "4821"


@pytest.mark.parametrize("text", ["yes", "Yeah, that's me", "Sure", "okay that works", "Speaking.", "Yep, go ahead"])
def test_yes_variants(text: str) -> None:
    assert lang.is_yes(text) and not lang.is_no(text)


@pytest.mark.parametrize("text", ["no", "Nope", "Not really", "No, that's too much", "I can't do that"])
def test_no_variants(text: str) -> None:
    assert lang.is_no(text) and not lang.is_yes(text)


def test_plan_words() -> None:
    assert lang.months_in("six months with a hundred down") == 6
    assert lang.down_payment_in("six months with one hundred dollars down") == Decimal("100.00")
    assert lang.months_in("over a year") == 12
    assert lang.payment_method("text me the link") == "sms_link"
    assert lang.payment_method("I'll do a bank transfer") == "bank_transfer"


@pytest.mark.parametrize("words,local", [
    ("tomorrow at 10", "2026-11-25T10:00"), ("tomorrow at ten thirty", "2026-11-25T10:30"),
    ("next Friday", "2026-11-27T10:00"), ("friday afternoon", "2026-11-27T14:00"),
    ("monday at 9:30 am", "2026-11-30T09:30"), ("tomorrow at half past three", "2026-11-25T15:30"),
    ("in two hours", "2026-11-24T12:00"),
])
def test_callback_times_in_the_customers_zone(words: str, local: str) -> None:
    when = parse_when(words, NOW.astimezone(ZoneInfo("America/New_York")))
    assert when.strftime("%Y-%m-%dT%H:%M") == local


def test_unparsable_time() -> None:
    with pytest.raises(UnparsableTime):
        parse_when("whenever, really", NOW)


def test_sentences_split_on_streamed_boundaries_not_inside_amounts() -> None:
    buf = SentenceBuffer()
    out = []
    for piece in ["Thank you. Your bal", "ance is $1,250.00. You can pay", " in full! What would you like?"]:
        out += buf.feed(piece)
    assert out == ["Thank you. Your balance is $1,250.00.", "You can pay in full!"]
    assert buf.flush() == "What would you like?"


@pytest.mark.parametrize("text,method", [
    ("text me the link", "sms_link"), ("pay with my card", "sms_link"), ("I'll pay by bank transfer", "bank_transfer"),
    ("from my checking account", "bank_transfer"), ("I don't have my card with me", None),
    ("I'll have to ask my bank", None), ("my bank said it went through", None),
])
def test_a_payment_method_only_when_the_caller_chooses_one(text: str, method: str | None) -> None:
    assert lang.payment_method(text) == method


@pytest.mark.parametrize("text,full", [("I'll pay it in full", True), ("all of it", True), ("pay it off", True),
                                       ("I lost my job and everything", False), ("everything is fine", False)])
def test_pay_in_full_only_when_said(text: str, full: bool) -> None:
    assert lang.wants_full(text) is full


def test_the_latest_amount_stated_is_the_offer_and_911_never_is() -> None:
    assert lang.offered_amount("I said eight hundred but make it nine hundred instead") == Decimal("900.00")
    assert lang.offered_amount("my husband collapsed I have to call 911") is None
    assert lang.offered_amount("we filed chapter 13, I can pay 200") == Decimal("200.00")


@pytest.mark.parametrize("text,amount", [
    ("I could pay a hundred and a half", "150.00"), ("one and a half thousand dollars", "1500.00"),
    ("I can do a grand", "1000.00"), ("a thousand and a half dollars", "1500.00"),
])
def test_amounts_with_a_half_or_a_grand(text: str, amount: str) -> None:
    assert lang.offered_amount(text) == Decimal(amount)


def test_a_half_that_is_not_money_stays_as_said() -> None:
    assert lang.offered_amount("I can pay in two and a half months") is None
    assert lang.months_in("six months") == 6
