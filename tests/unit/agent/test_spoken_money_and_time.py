"""The one spoken money and date/time reader (shared.agent.numbers, shared.agent.timeparse): amounts in words and
figures, numbers that are never money, and clock times/dates said the many ways callers say them."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from shared.agent.numbers import find_amounts, parse_money
from shared.agent.timeparse import parse_date, parse_time_of_day, parse_when

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=NY)        # a Tuesday morning


@pytest.mark.parametrize("text,amount", [
    ("nine hundred", "900"), ("$1,250.50", "1250.50"), ("twelve fifty", "1250"), ("I can do twelve fifty", "1250"),
    ("eight seventy five", "875"), ("eight hundred seventy five dollars", "875"), ("a hundred dollars", "100"),
    ("make it nine hundred instead", "900"), ("I said eight hundred but make it nine hundred instead", "900"),
    ("fifty dollars and twenty five cents", "50.25"), ("I could manage 2k", "2000"), ("300 bucks", "300"),
    ("two thousand five hundred and fifty", "2550"), ("i can pay five hundred", "500"),
    ("I owe 1200 but I can pay 500", "500"), ("how about one fifty", "150"),
])
def test_amounts_spoken_every_way(text: str, amount: str) -> None:
    assert parse_money(text) == Decimal(amount)


@pytest.mark.parametrize("text", [
    "my husband collapsed I have to call 911", "call nine one one", "I filed chapter 13", "we're in chapter thirteen",
    "my number is 555-123-4567", "call me at (212) 555 0100", "five five five one two one two",
    "I get paid on the 15th", "call me at 3 pm", "call me at seven", "over 6 months", "I have 2 kids",
    "give me 5 minutes", "the last 4 are 1234", "I'm 45 years old", "it's the 3rd of December",
    "I can pay on the twenty first", "text the 988 line",
])
def test_numbers_that_are_not_money_are_never_amounts(text: str) -> None:
    assert parse_money(text) is None


def test_explicit_amounts_in_order_and_bare_only_when_asked() -> None:
    assert find_amounts("$300 now and $200 in a month") == [Decimal("300.00"), Decimal("200.00")]
    assert find_amounts("nine hundred") == []
    assert find_amounts("nine hundred", allow_bare=True) == [Decimal("900.00")]


@pytest.mark.parametrize("text,expected", [
    ("seven a.m.", time(7)), ("7 a.m.", time(7)), ("7am", time(7)), ("7 a m", time(7)), ("7 AM", time(7)),
    ("seven in the morning", time(7)), ("quarter past three", time(15, 15)), ("half past nine", time(9, 30)),
    ("a quarter to five", time(16, 45)), ("ten thirty", time(10, 30)), ("at 3", time(15)),
    ("seven thirty p.m.", time(19, 30)), ("noon", time(12)), ("9:30 am", time(9, 30)), ("at 8 tonight", time(20)),
    ("tomorrow morning", time(9)), ("eleven fifteen", time(11, 15)),
])
def test_clock_times(text: str, expected: time) -> None:
    assert parse_time_of_day(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("next Friday", date(2026, 11, 27)), ("friday", date(2026, 11, 27)), ("tomorrow", date(2026, 11, 25)),
    ("the 15th", date(2026, 12, 15)), ("on the fifteenth", date(2026, 12, 15)), ("the 30th", date(2026, 11, 30)),
    ("December 3rd", date(2026, 12, 3)), ("the twenty first", date(2026, 12, 21)), ("in 3 days", date(2026, 11, 27)),
    ("day after tomorrow", date(2026, 11, 26)), ("tuesday", date(2026, 12, 1)), ("12/5", date(2026, 12, 5)),
])
def test_dates(text: str, expected: date) -> None:
    assert parse_date(text, NOW.date()) == expected


def test_whole_callback_phrases() -> None:
    assert parse_when("tomorrow at seven a.m.", NOW) == datetime(2026, 11, 25, 7, 0, tzinfo=NY)
    assert parse_when("next friday at quarter past three", NOW) == datetime(2026, 11, 27, 15, 15, tzinfo=NY)
    assert parse_when("the 15th", NOW) == datetime(2026, 12, 15, 10, 0, tzinfo=NY)
    assert parse_when("at 9", NOW) == datetime(2026, 11, 25, 9, 0, tzinfo=NY)       # 9:00 today has passed
    assert parse_when("7am", NOW) == parse_when("seven a.m.", NOW) == parse_when("7 a.m.", NOW)


@pytest.mark.parametrize("now", [datetime(2026, 11, 1, 1, 30, tzinfo=NY),                 # clocks go back at 2:00
                                 datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=NY),         # the second 1:30
                                 datetime(2027, 3, 14, 1, 30, tzinfo=NY)])                # clocks go forward
def test_in_an_hour_is_sixty_minutes_away_across_a_dst_change(now: datetime) -> None:
    when = parse_when("in an hour", now)
    assert when.astimezone(UTC) - now.astimezone(UTC) == timedelta(hours=1)
    assert when.astimezone(UTC).astimezone(NY) == when       # a wall time that exists in New York
    assert parse_when("in 30 minutes", now).astimezone(UTC) - now.astimezone(UTC) == timedelta(minutes=30)


@pytest.mark.parametrize("text,expected", [
    ("mañana a las diez de la mañana", datetime(2026, 11, 25, 10, 0, tzinfo=NY)),
    ("el lunes por la tarde", datetime(2026, 11, 30, 14, 0, tzinfo=NY)),
    ("hoy a las cinco y media de la tarde", datetime(2026, 11, 24, 17, 30, tzinfo=NY)),
])
def test_spanish_callback_times(text: str, expected: datetime) -> None:
    assert parse_when(text, NOW) == expected


def test_per_language_voice_and_stt_settings() -> None:
    from shared.settings import load_settings

    s = load_settings(cartesia_voice_id="voice-en", cartesia_voice_id_es="voice-es")
    assert (s.voice_for("en"), s.voice_for("es"), s.voice_for("fr")) == ("voice-en", "voice-es", "voice-en")
    assert (s.stt_language_for("en"), s.stt_language_for("es")) == ("en", "es")
    assert load_settings(cartesia_voice_id="voice-en").voice_for("es") == "voice-en"
