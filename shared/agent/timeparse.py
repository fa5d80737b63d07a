"""Callback times from a caller's words ('tomorrow at 10', 'next Friday afternoon') in the customer's zone,
and the calling-hours window (08:00–21:00 local) with the nearest allowed time when a request falls outside."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from shared.agent.numbers import normalize_numbers

CALL_WINDOW_START = time(8, 0)
CALL_WINDOW_END = time(21, 0)
LAST_CALLBACK_SLOT = time(20, 30)      # leave room for the call itself before 21:00
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_PARTS_OF_DAY = {"morning": time(9, 0), "noon": time(12, 0), "midday": time(12, 0), "lunchtime": time(12, 0),
                 "afternoon": time(14, 0), "evening": time(18, 0), "tonight": time(19, 0), "night": time(19, 0)}


class UnparsableTime(ValueError):
    """The words do not name a time we can schedule."""


@dataclass(frozen=True)
class CallbackSlot:
    requested: datetime               # what the caller asked for, local
    allowed: bool
    scheduled: datetime               # the requested time when allowed, else the nearest allowed time (local)
    reason: str = ""                  # 'outside_calling_hours' | 'in_the_past' | ''


def _day_offset(text: str, now: datetime) -> int | None:
    if "day after tomorrow" in text:
        return 2
    if "tomorrow" in text:
        return 1
    if "today" in text or "tonight" in text or "this afternoon" in text or "this evening" in text:
        return 0
    m = re.search(r"in (\d+) days?", text)
    if m:
        return int(m.group(1))
    if "next week" in text:
        return 7
    for i, name in enumerate(_WEEKDAYS):
        if re.search(rf"\b{name}\b", text):
            ahead = (i - now.weekday()) % 7
            return ahead or 7
    return None


def _clock_time(text: str) -> time | None:
    m = re.search(r"\b(\d{1,2})(?::(\d{2})|\s(\d{2})(?!\d))?\s*(a\.?m\.?|p\.?m\.?|o'?clock)?(?!\d)", text)
    at = re.search(r"\b(?:at|around|about|by|after)\s+(\d{1,2})", text)
    if m is None or (m.group(4) is None and m.group(2) is None and at is None):
        return None
    hour, minute = int(m.group(1)), int(m.group(2) or m.group(3) or 0)
    suffix = (m.group(4) or "").replace(".", "")
    if hour > 23 or minute > 59:
        return None
    if suffix.startswith("p") and hour < 12:
        hour += 12
    elif suffix.startswith("a") and hour == 12:
        hour = 0
    elif not suffix.startswith(("a", "p")):
        if any(w in text for w in ("evening", "night", "tonight", "afternoon")) and hour < 12:
            hour += 12
        elif 1 <= hour <= 7:
            hour += 12                   # 'at 3' on a call about a callback means the afternoon
    return time(hour, minute)


def parse_when(words: str, now: datetime) -> datetime:
    """The local datetime named by `words`, relative to `now` (tz-aware, in the customer's zone)."""
    text = re.sub(r"\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve) (fifteen|thirty|forty five)\b",
                  lambda m: f"{m.group(1)}:{ {'fifteen': '15', 'thirty': '30', 'forty five': '45'}[m.group(2)]}",
                  words.lower())
    text = normalize_numbers(text)
    text = re.sub(r"half past (\d{1,2})", r"\1:30", text)
    text = re.sub(r"quarter past (\d{1,2})", r"\1:15", text)
    m = re.search(r"in (\d+) (hour|minute)s?", text) or re.search(r"in an? (hour|minute)", text)
    if m:
        qty = int(m.group(1)) if m.lastindex == 2 else 1
        unit = m.group(m.lastindex or 1)
        delta = timedelta(hours=qty) if unit == "hour" else timedelta(minutes=qty)
        return (now + delta).replace(second=0, microsecond=0)
    offset = _day_offset(text, now)
    at = _clock_time(text)
    if at is None:
        at = next((t for word, t in _PARTS_OF_DAY.items() if re.search(rf"\b{word}\b", text)), None)
    if offset is None and at is None:
        raise UnparsableTime(words)
    if at is None:
        at = time(10, 0)
    day = now.date() + timedelta(days=offset or 0)
    when = datetime.combine(day, at, tzinfo=now.tzinfo)
    if offset is None and when <= now:
        when += timedelta(days=1)
    return when


def within_calling_hours(when: datetime) -> bool:
    return CALL_WINDOW_START <= when.timetz().replace(tzinfo=None) < CALL_WINDOW_END


def nearest_allowed(when: datetime, now: datetime) -> datetime:
    """The allowed callback time closest to `when` that is still in the future."""
    if within_calling_hours(when) and when > now + timedelta(minutes=5):
        return when
    day = when.date()
    candidates = []
    for d in (day - timedelta(days=1), day, day + timedelta(days=1)):
        candidates.append(datetime.combine(d, CALL_WINDOW_START, tzinfo=when.tzinfo))
        candidates.append(datetime.combine(d, LAST_CALLBACK_SLOT, tzinfo=when.tzinfo))
    future = [c for c in candidates if c > now + timedelta(minutes=5)]
    return min(future, key=lambda c: (abs((c - when).total_seconds()), c))


def callback_slot(words: str, now_utc: datetime, zone: str) -> CallbackSlot:
    """Parse `words` in `zone`; allowed only inside calling hours and in the future."""
    now = now_utc.astimezone(ZoneInfo(zone))
    when = parse_when(words, now)
    if when <= now:
        soon = (now + timedelta(hours=1)).replace(second=0, microsecond=0)
        soon += timedelta(minutes=(30 - soon.minute % 30) % 30)
        return CallbackSlot(when, False, nearest_allowed(soon, now), "in_the_past")
    if not within_calling_hours(when):
        return CallbackSlot(when, False, nearest_allowed(when, now), "outside_calling_hours")
    return CallbackSlot(when, True, when)


def speak_time(when: datetime, now: datetime) -> str:
    """'tomorrow at 10:00 AM', 'Friday at 2:30 PM' — how the agent reads a time back."""
    local_now = now.astimezone(when.tzinfo)
    days = (when.date() - local_now.date()).days
    day = "today" if days == 0 else "tomorrow" if days == 1 else when.strftime("%A, %B ") + str(when.day)
    clock = when.strftime("%I:%M %p").lstrip("0")
    return f"{day} at {clock}"
