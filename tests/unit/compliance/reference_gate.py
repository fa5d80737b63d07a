"""An independent, executable statement of COMPLIANCE.md §1 (with its "Readings") for checking the pre-dial gate.

Written separately from shared/compliance: it imports none of the gate's modules or helpers. It reads the same
location data file (postal code / area code -> zones and state) with its own parser, and the same `holidays`
calendar. Each rule is stated as plainly as possible, favouring obviousness over speed.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays

LOCATIONS = Path(__file__).resolve().parents[3] / "shared" / "compliance" / "policy" / "locations.txt"
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
PROVINCES = {"AB", "BC", "MB", "NB", "NL", "NS", "ON", "PE", "QC", "SK", "YT", "NT", "NU"}
FLAGS = ("cease_requested", "consent_revoked", "attorney_represented", "bankruptcy", "sensitive_hold", "dispute_hold",
         "dnc_listed", "no_consent")


@dataclass(frozen=True)
class Attempt:
    at: datetime
    purpose: str = "collection"
    requested_at: datetime | None = None


@dataclass(frozen=True)
class Case:
    phone: str
    postal_code: str
    country: str
    region: str | None
    timezone: str | None
    flags: frozenset[str]
    inconvenient: tuple[dict[str, str], ...]
    now: datetime
    purpose: str
    requested_at: datetime | None
    attempts: tuple[Attempt, ...] = ()
    last_conversation: datetime | None = None
    notes: dict[str, str] = field(default_factory=dict)


# ---- where the consumer could be -----------------------------------------------------------------------------
@functools.cache
def _data() -> tuple[dict[str, tuple[str, ...]], list[tuple[int, int, str, str]], dict[str, tuple[str, str]],
                     dict[str, tuple[str, str]]]:
    zones: dict[str, str] = {}
    us: list[tuple[int, int, str, str]] = []
    ca: dict[str, tuple[str, str]] = {}
    npa: dict[str, tuple[str, str]] = {}
    part = None
    for raw in LOCATIONS.read_text().splitlines():
        if raw.startswith("#") or not raw.strip():
            continue
        if raw.startswith("["):
            part = raw.strip("[]")
            continue
        cols = raw.split()
        if part == "zones":
            zones[cols[0]] = cols[1]
        elif part == "us":
            lo, hi = [*cols[0].split("-"), cols[0]][:2]
            us.append((int(lo), int(hi), cols[1], cols[2]))
        elif part == "ca":
            ca[cols[0]] = (cols[1], cols[2])
        elif part == "npa":
            npa[cols[0]] = (cols[1], cols[2])
    names = {k: (v,) for k, v in zones.items()}
    return names, us, ca, npa


def _zone_names(indexes: str) -> set[str]:
    names = _data()[0]
    return {names[i][0] for i in indexes.split(",")}


def _postal(postal_code: str) -> tuple[set[str], set[str]]:
    """(zones, jurisdictions) of the postal code's area."""
    _, us, ca, _ = _data()
    code = postal_code.strip().upper().replace(" ", "")
    if len(code) in (5, 9, 10) and code[:5].isdigit() and (len(code) == 5 or code[5:].strip("-").isdigit()):
        n = int(code[:5])
        for lo, hi, z, st in us:
            if lo <= n <= hi:
                return _zone_names(z), {"US-" + st}
        return set(), set()
    if len(code) in (3, 6) and code[0].isalpha() and code[1].isdigit() and code[2].isalpha():
        hit = ca.get(code[:3])
        if hit and (len(code) == 3 or (code[3].isdigit() and code[4].isalpha() and code[5].isdigit())):
            return _zone_names(hit[0]), {"CA-" + hit[1]}
    return set(), set()


def _area(phone: str) -> tuple[set[str], set[str]]:
    if not (phone.startswith("+1") and len(phone) == 12 and phone[1:].isdigit()):
        return set(), set()
    hit = _data()[3].get(phone[2:5])
    if not hit:
        return set(), set()
    return _zone_names(hit[0]), {("CA-" if r in PROVINCES else "US-") + r for r in hit[1].split(",")}


def possible_zones(c: Case) -> set[str]:
    if c.timezone:
        try:
            ZoneInfo(c.timezone)
            return {c.timezone}
        except Exception:
            pass
    found = _postal(c.postal_code)[0] | _area(c.phone)[0]
    if found:
        return found
    if c.country == "CA":
        return {"America/St_Johns", "America/Halifax", "America/Toronto", "America/Winnipeg", "America/Regina",
                "America/Edmonton", "America/Vancouver"}
    return {"America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles",
            "America/Anchorage", "Pacific/Honolulu"}


def jurisdictions(c: Case) -> set[str]:
    if c.region and c.region.strip():
        return {f"{c.country}-{c.region.strip().upper()}"}
    return _postal(c.postal_code)[1] | _area(c.phone)[1]


# ---- the rules, in one zone -----------------------------------------------------------------------------------
def _hhmm(text: str) -> time:
    return time.fromisoformat(text)


def _between(t: time, start: str, end: str) -> bool:
    return _hhmm(start) <= t < _hhmm(end)


@functools.cache
def _holidays(province: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("CA", subdiv=province, years=year, categories=("public", "optional")))


def _holiday(province: str, day: date) -> bool:
    return day in _holidays(province, day.year)


def legal_hours_ok(where: set[str], local: datetime) -> bool:
    t, day, weekday = local.time(), local.date(), local.weekday()
    ok = _between(t, "08:00", "21:00")                              # Reg F 1006.6(b)(1)
    if "US-WA" in where:
        ok = ok and _between(t, "07:30", "21:00")
    for prov in ("CA-ON", "CA-BC"):
        if prov in where:
            ok = ok and not _holiday(prov[3:], day) and (
                _between(t, "13:00", "17:00") if weekday == 6 else _between(t, "07:00", "21:00"))
    if "CA-QC" in where:
        ok = ok and not _holiday("QC", day) and weekday != 6 and _between(t, "08:00", "20:00")
    return ok


def _stated_inconvenient(c: Case, local: datetime) -> bool:
    for item in c.inconvenient:
        first, _, last = item.get("days", "mon-sun").partition("-")
        a, b = DAYS.index(first), DAYS.index(last or first)
        days = set(range(a, b + 1)) if a <= b else set(range(a, 7)) | set(range(0, b + 1))
        if local.weekday() in days and _between(local.time(), item["start"], item["end"]):
            return True
    return False


def _callback_window(requested_at: datetime | None, day: date, tz: ZoneInfo) -> bool:
    """Request day is day 1; calls placed on days 1-7 are exempt."""
    return requested_at is not None and 1 <= (day - requested_at.astimezone(tz).date()).days + 1 <= 7


def denials_in_zone(c: Case, zone_name: str, where: set[str]) -> set[str]:
    tz = ZoneInfo(zone_name)
    local = c.now.astimezone(tz)
    today = local.date()
    out: set[str] = set()
    if not legal_hours_ok(where, local):
        out.add("outside_calling_hours")
    elif _stated_inconvenient(c, local):
        out.add("inconvenient_time")
    last7 = [a for a in c.attempts if 0 <= (today - a.at.astimezone(tz).date()).days <= 6]
    exempt_now = c.purpose == "requested_callback" and _callback_window(c.requested_at, today, tz)
    if not exempt_now:
        if c.last_conversation is not None and (today - c.last_conversation.astimezone(tz).date()).days < 7:
            out.add("recent_conversation")
        ordinary = [a for a in last7 if not (a.purpose == "requested_callback"
                                             and _callback_window(a.requested_at, a.at.astimezone(tz).date(), tz))]
        if len(ordinary) >= 7:
            out.add("frequency_cap_7in7")
    caps = [n for j, n in (("US-MA", 2), ("US-WA", 3)) if j in where]
    if caps and len(last7) >= min(caps):
        out.add("state_frequency_cap")
    return out


def reference_denials(c: Case) -> set[str]:
    """Every rule of §1 that forbids this call now (empty: the call is allowed)."""
    out = {f for f in c.flags if f in FLAGS}
    where = jurisdictions(c)
    for z in possible_zones(c):
        out |= denials_in_zone(c, z, where)
    return out
