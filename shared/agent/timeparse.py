"""Dates and times from a caller's words ('seven a.m.', 'quarter past three', 'next Friday', 'the 15th',
'tomorrow at 10') in the customer's zone — the one reading of spoken dates and times both brains and the tools use.

Whether a time may be booked is not decided here: the calling window belongs to the pre-dial gate
(`shared.compliance.predial`), which the callback tool asks."""
from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta

from shared.agent.numbers import normalize_numbers

__all__ = ["UnparsableTime", "parse_date", "parse_time_of_day", "parse_when", "speak_time"]

_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december"]
_PARTS_OF_DAY = {"morning": time(9, 0), "noon": time(12, 0), "midday": time(12, 0), "lunchtime": time(12, 0),
                 "lunch time": time(12, 0), "afternoon": time(14, 0), "evening": time(18, 0),
                 "tonight": time(19, 0), "night": time(19, 0)}
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
             "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
             "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
             "twentieth": 20, "thirtieth": 30}
_HOUR_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
               "ten": 10, "eleven": 11, "twelve": 12}
_MINUTE_WORDS = {"oh five": 5, "o five": 5, "ten": 10, "fifteen": 15, "twenty": 20, "twenty five": 25,
                 "thirty": 30, "thirty five": 35, "forty": 40, "forty five": 45, "fifty": 50, "fifty five": 55}


class UnparsableTime(ValueError):
    """The words do not name a time we can schedule."""


def _ordinal_words(text: str) -> str:
    def compound(m: re.Match[str]) -> str:
        tens = {"twenty": 20, "thirty": 30}[m.group(1)]
        return f"{tens + _ORDINALS[m.group(2)]}th"
    text = re.sub(r"\b(twenty|thirty)[ -](first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)\b", compound,
                  text)
    return re.sub(r"\b(" + "|".join(_ORDINALS) + r")\b", lambda m: f"{_ORDINALS[m.group(1)]}th", text)


# Spanish callers' times ('mañana a las diez de la mañana', 'el lunes por la tarde'), read into English words.
_SPANISH = [(r"\bpasado manana\b", "day after tomorrow"), (r"\bde la manana\b", "am"), (r"\bpor la manana\b", "morning"),
            (r"\bde la tarde\b", "pm"), (r"\bde la noche\b", "pm"), (r"\bpor la tarde\b", "afternoon"),
            (r"\bpor la noche\b", "evening"), (r"\bmanana\b", "tomorrow"), (r"\bhoy\b", "today"),
            (r"\besta tarde\b", "this afternoon"), (r"\bmediodia\b", "noon"), (r"\ba las\b", "at"), (r"\ba la\b", "at"),
            (r"\by media\b", ":30"), (r"\by cuarto\b", ":15"), (r"\blunes\b", "monday"), (r"\bmartes\b", "tuesday"),
            (r"\bmiercoles\b", "wednesday"), (r"\bjueves\b", "thursday"), (r"\bviernes\b", "friday"),
            (r"\bsabado\b", "saturday"), (r"\bdomingo\b", "sunday"), (r"\buna\b", "one"), (r"\bdos\b", "two"),
            (r"\btres\b", "three"), (r"\bcuatro\b", "four"), (r"\bcinco\b", "five"), (r"\bseis\b", "six"),
            (r"\bsiete\b", "seven"), (r"\bocho\b", "eight"), (r"\bnueve\b", "nine"), (r"\bdiez\b", "ten"),
            (r"\bonce\b", "eleven"), (r"\bdoce\b", "twelve")]
_SPANISH_HINT = re.compile(r"\b(manana|hoy|las|lunes|martes|miercoles|jueves|viernes|sabado|domingo|tarde|noche)\b")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _prepare(words: str) -> str:
    """Lower case, 'a.m.' / 'a m' → 'am', clock words → 'h:mm', ordinals → '15th', number words → numerals."""
    text = words.lower().replace("’", "'")
    if _SPANISH_HINT.search(_fold(text)):
        text = _fold(text)
        for rx, english in _SPANISH:
            text = re.sub(rx, english, text)
        text = re.sub(r"(\w+) :(\d\d)", r"\1:\2", text)
    text = re.sub(r"\b([ap])\.\s?m\.?(?=\W|$)", r"\1m", text)
    text = re.sub(r"\b(\d{1,2}|" + "|".join(_HOUR_WORDS) + r")\s+([ap])\s?m\b", r"\1 \2m", text)
    text = text.replace("in the morning", "am").replace("in the evening", "pm").replace("at night", "pm")
    text = re.sub(r"\bin the afternoon\b", "pm", text)
    hour_rx = "|".join(_HOUR_WORDS)
    minute_rx = "|".join(sorted(_MINUTE_WORDS, key=len, reverse=True))
    text = re.sub(rf"\b({hour_rx})[ -]({minute_rx})\b(?!\s*(?:dollars|bucks|th\b))",
                  lambda m: f"{_HOUR_WORDS[m.group(1)]}:{_MINUTE_WORDS[m.group(2).replace('-', ' ')]:02d}", text)
    text = _ordinal_words(text)
    text = normalize_numbers(text)
    text = re.sub(r"\b(\d{1,2}) / (\d{1,2})\b", r"\1/\2", text)
    text = re.sub(r"(\d) (st|nd|rd|th)\b", r"\1th", text)
    text = re.sub(r"(\d)(st|nd|rd)\b", r"\1th", text)
    text = re.sub(r"\bhalf past (\d{1,2})", r"\1:30", text)
    text = re.sub(r"\b(?:a )?quarter (?:past|after) (\d{1,2})", r"\1:15", text)
    text = re.sub(r"\b(?:a )?quarter (?:to|till|til|of) (\d{1,2})",
                  lambda m: f"{(int(m.group(1)) - 1) or 12}:45", text)
    text = re.sub(r"\b(\d{1,2}) (\d{2})\s*(am|pm)\b", r"\1:\2 \3", text)
    return text


_CLOCK_RE = re.compile(r"(?<![\d/$.,])(\d{1,2})(?::(\d{2}))?\s*(am|pm|o'?clock|oclock)?(?![\d/]|th\b|\s*(?:dollars|"
                       r"bucks|months?|days?|weeks?|years?|hours?|minutes?|of\b|k\b|grand\b))")
_CLOCK_CUE = re.compile(r"\b(at|around|about|by|after|before|from|until|till|til|say|like)\s*$")


def parse_time_of_day(words: str) -> time | None:
    """The clock time named in the words ('seven a.m.' → 07:00, 'quarter past three' → 15:15, 'noon' → 12:00);
    a bare hour from 1 to 7 without am/pm is read as the afternoon. None when no time of day is named."""
    text = words if _is_prepared(words) else _prepare(words)
    if re.search(r"\b(noon|midday)\b", text) and not re.search(r"\d\s*(am|pm|o'?clock)", text):
        return time(12, 0)
    if re.search(r"\bmidnight\b", text):
        return time(0, 0)
    for m in _CLOCK_RE.finditer(text):
        hour, minute, suffix = int(m.group(1)), int(m.group(2) or 0), m.group(3) or ""
        cue = _CLOCK_CUE.search(text[:m.start()])
        if not (suffix or m.group(2) or cue) or hour > 23 or minute > 59:
            continue
        if suffix == "pm" and hour < 12:
            hour += 12
        elif suffix == "am" and hour == 12:
            hour = 0
        elif suffix not in ("am", "pm") and hour < 12:
            if re.search(r"\b(evening|night|tonight|afternoon)\b", text):
                hour += 12
            elif not re.search(r"\bmorning\b", text) and 1 <= hour <= 7:
                hour += 12               # 'at 3' on a call about a callback means the afternoon
        return time(hour, minute)
    for word, at in _PARTS_OF_DAY.items():
        if re.search(rf"\b{word}\b", text):
            return at
    return None


def _is_prepared(text: str) -> bool:
    return text.startswith("\x00")


def parse_date(words: str, today: date) -> date | None:
    """The calendar date named in the words, relative to `today` (the customer's local date): 'today',
    'tomorrow', 'day after tomorrow', 'in 3 days', 'next week', a weekday ('next Friday' = the coming Friday),
    'the 15th' (the next 15th), 'December 3rd', '12/3'. None when no date is named."""
    text = words if _is_prepared(words) else _prepare(words)
    if "day after tomorrow" in text:
        return today + timedelta(days=2)
    if re.search(r"\btomorrow\b", text):
        return today + timedelta(days=1)
    if re.search(r"\b(today|tonight|this (morning|afternoon|evening)|later today|right now)\b", text):
        return today
    m = re.search(r"\bin (\d+) days?\b", text)
    if m:
        return today + timedelta(days=int(m.group(1)))
    m = re.search(r"\bin (\d+|a) weeks?\b", text)
    if m:
        return today + timedelta(days=7 * (1 if m.group(1) == "a" else int(m.group(1))))
    month_rx = "|".join(_MONTHS)
    m = re.search(rf"\b({month_rx})\s+(?:the\s+)?(\d{{1,2}})(?:th)?\b", text) or \
        re.search(rf"\b(?:the\s+)?(\d{{1,2}})th\s+of\s+({month_rx})\b", text)
    if m:
        month_name, day_s = (m.group(1), m.group(2)) if m.group(1) in _MONTHS else (m.group(2), m.group(1))
        return _next_date(today, _MONTHS.index(month_name) + 1, int(day_s))
    m = re.search(r"(?<![\d:])(\d{1,2})/(\d{1,2})(?![\d/])", text)
    if m:
        return _next_date(today, int(m.group(1)), int(m.group(2)))
    for i, name in enumerate(_WEEKDAYS):
        if re.search(rf"\b{name}s?\b", text):
            ahead = (i - today.weekday()) % 7
            if re.search(rf"\b(a week from|week after next) {name}", text):
                ahead += 7
            return today + timedelta(days=ahead or 7)
    if re.search(r"\bnext week\b", text):
        return today + timedelta(days=7)
    m = re.search(r"\b(?:the|on)\s+(\d{1,2})th\b", text)
    if m:
        day = int(m.group(1))
        for k in range(0, 3):
            month = (today.month - 1 + k) % 12 + 1
            year = today.year + (today.month - 1 + k) // 12
            try:
                candidate = date(year, month, day)
            except ValueError:
                continue
            if candidate >= today:
                return candidate
    return None


def _next_date(today: date, month: int, day: int) -> date | None:
    for year in (today.year, today.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            return None
        if candidate >= today:
            return candidate
    return None


def parse_when(words: str, now: datetime) -> datetime:
    """The local datetime named by `words`, relative to `now` (tz-aware, in the customer's zone).
    A date without a time is 10:00; a time without a date is the next such time."""
    text = "\x00" + _prepare(words)
    m = re.search(r"\bin (\d+|an?|half an) (hour|minute)s?\b", text)
    if m:
        qty = 1 if m.group(1) in ("a", "an") else 0.5 if m.group(1) == "half an" else int(m.group(1))
        delta = timedelta(hours=qty) if m.group(2) == "hour" else timedelta(minutes=qty)
        # Elapsed time, not wall-clock arithmetic: across a DST change 'in an hour' is still sixty minutes away.
        return (now.astimezone(UTC) + delta).astimezone(now.tzinfo).replace(second=0, microsecond=0)
    day = parse_date(text, now.date())
    at = parse_time_of_day(text)
    if day is None and at is None:
        raise UnparsableTime(words)
    when = datetime.combine(day or now.date(), at or time(10, 0), tzinfo=now.tzinfo)
    if day is None and when <= now:
        when += timedelta(days=1)
    return when


def speak_time(when: datetime, now: datetime) -> str:
    """'tomorrow at 10:00 AM', 'Friday, November 27 at 2:30 PM' — how the agent reads a time back."""
    local_now = now.astimezone(when.tzinfo)
    days = (when.date() - local_now.date()).days
    day = "today" if days == 0 else "tomorrow" if days == 1 else when.strftime("%A, %B ") + str(when.day)
    clock = when.strftime("%I:%M %p").lstrip("0")
    return f"{day} at {clock}"
