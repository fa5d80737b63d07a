"""Jurisdiction rule sets as data: the checked-in policy (policy/rules.toml) plus admin overrides that may only tighten
it (table compliance_rule_overrides), combined per customer into the strictest matching rules."""
from __future__ import annotations

import functools
import re
import tomllib
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from shared.db.audit import write_audit

POLICY_FILE = Path(__file__).parent / "policy" / "rules.toml"
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
BASELINE = "baseline"
_JURISDICTION = re.compile(r"^(US|CA)-[A-Z]{2}$")
_SPECIAL_DAY = re.compile(r"^(\d{4}-)?\d{2}-\d{2}$")

Interval = tuple[int, int]   # minutes after local midnight, [start, end)


class RulesError(ValueError):
    """A rule set is malformed, or an override would loosen the rules."""


def parse_days(spec: str) -> frozenset[int]:
    """'mon-sat' → {0..5}; 'sun' → {6}; 'mon,wed,fri' → {0, 2, 4} (Monday = 0)."""
    days: set[int] = set()
    for part in spec.lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        if first not in DAY_NAMES or (last and last not in DAY_NAMES):
            raise ValueError(f"unknown day in {spec!r}")
        a, b = DAY_NAMES.index(first), DAY_NAMES.index(last or first)
        days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    return frozenset(days)


class HoursWindow(BaseModel):
    """Calls are allowed on these weekdays between start and end (local time of the consumer)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    days: str
    start: time
    end: time

    @field_validator("days")
    @classmethod
    def _days(cls, v: str) -> str:
        parse_days(v)
        return v

    @model_validator(mode="after")
    def _order(self) -> HoursWindow:
        if self.end <= self.start:
            raise ValueError("a calling window must end after it starts")
        return self

    @property
    def interval(self) -> Interval:
        return (self.start.hour * 60 + self.start.minute, self.end.hour * 60 + self.end.minute)


class HolidayCalendar(BaseModel):
    """Statutory holidays from the maintained PyPI `holidays` calendar (substitute days included)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    country: str = Field(pattern=r"^[A-Z]{2}$")
    subdiv: str | None = None
    categories: tuple[str, ...] = ("public",)

    @property
    def key(self) -> tuple[str, str | None, tuple[str, ...]]:
        return (self.country, self.subdiv, tuple(sorted(self.categories)))


class RuleSet(BaseModel):
    """One jurisdiction's rules; a field left out means this set does not restrict it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = ""
    sources: list[str] = []
    calling_hours: list[HoursWindow] | None = None
    attempts_per_7_days: int | None = Field(default=None, ge=0, le=50)
    conversation_wait_days: int | None = Field(default=None, ge=0, le=60)
    no_call_days: list[str] = []
    holidays: HolidayCalendar | None = None

    @field_validator("no_call_days")
    @classmethod
    def _special_days(cls, v: list[str]) -> list[str]:
        for day in v:
            if not _SPECIAL_DAY.match(day):
                raise ValueError(f"no_call_days entries are MM-DD or YYYY-MM-DD, got {day!r}")
            date.fromisoformat(day if len(day) == 10 else f"2000-{day}")
        return v

    def hours_by_day(self) -> tuple[tuple[Interval, ...], ...] | None:
        if self.calling_hours is None:
            return None
        per_day: list[list[Interval]] = [[] for _ in range(7)]
        for window in self.calling_hours:
            for d in parse_days(window.days):
                per_day[d].append(window.interval)
        return tuple(tuple(_merge(day)) for day in per_day)


class RulePolicy(BaseModel):
    """The versioned, approved policy file."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    version: str = Field(min_length=1)
    approved_by: str = Field(min_length=1)
    effective_date: date
    baseline: RuleSet
    overlays: dict[str, RuleSet] = {}

    @model_validator(mode="after")
    def _checks(self) -> RulePolicy:
        bad = [k for k in self.overlays if not _JURISDICTION.match(k)]
        if bad:
            raise ValueError(f"overlay keys are COUNTRY-REGION like US-MA, got {bad}")
        if self.baseline.calling_hours is None or self.baseline.attempts_per_7_days is None:
            raise ValueError("the baseline must set calling_hours and attempts_per_7_days")
        return self


@dataclass(frozen=True)
class RuleOverride:
    id: int
    jurisdiction: str
    rule: RuleSet
    reason: str
    approved_by: str
    effective_from: datetime


@dataclass(frozen=True)
class EffectiveRules:
    """The strictest combination of every rule set matching one customer."""

    hours: tuple[tuple[Interval, ...], ...]     # allowed local intervals per weekday (Monday = 0)
    federal_cap: int | None                     # attempts per 7 days, baseline (reason frequency_cap_7in7)
    state_cap: int | None                       # attempts per 7 days, overlays (reason state_frequency_cap)
    conversation_wait_days: int
    no_call_days: frozenset[str]
    jurisdictions: tuple[str, ...]
    holiday_calendars: tuple[tuple[str, str | None, tuple[str, ...]], ...] = ()

    def windows(self, day: date) -> tuple[Interval, ...]:
        """Allowed local intervals on a calendar day (none on a no-call day or a statutory holiday)."""
        if self.no_call_days and (day.isoformat() in self.no_call_days or day.isoformat()[5:] in self.no_call_days):
            return ()
        if self.holiday_calendars and any(is_holiday(cal, day) for cal in self.holiday_calendars):
            return ()
        return self.hours[day.weekday()]


@functools.lru_cache(maxsize=64)
def _holiday_dates(calendar: tuple[str, str | None, tuple[str, ...]], year: int) -> frozenset[date]:
    import holidays  # imported on first use: keeps cold start lean for customers without a calendar

    country, subdiv, categories = calendar
    return frozenset(holidays.country_holidays(country, subdiv=subdiv, years=year, categories=categories).keys())


def is_holiday(calendar: tuple[str, str | None, tuple[str, ...]], day: date) -> bool:
    return day in _holiday_dates(calendar, day.year)


def _merge(intervals: list[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for start, end in sorted(intervals):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def intersect(a: tuple[Interval, ...], b: tuple[Interval, ...]) -> tuple[Interval, ...]:
    out = [(max(s1, s2), min(e1, e2)) for s1, e1 in a for s2, e2 in b if max(s1, s2) < min(e1, e2)]
    return tuple(_merge(out))


def subtract(a: tuple[Interval, ...], b: tuple[Interval, ...]) -> tuple[Interval, ...]:
    """The parts of `a` not covered by `b`."""
    out: list[Interval] = []
    for start, end in a:
        pieces = [(start, end)]
        for bs, be in b:
            pieces = [p for s, e in pieces for p in ((s, min(e, bs)), (max(s, be), e)) if p[0] < p[1]]
        out.extend(pieces)
    return tuple(_merge(out))


def _min(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


def combine(policy: RulePolicy, country: str, region: str | None,
            overrides: tuple[RuleOverride, ...] = ()) -> EffectiveRules:
    """Strictest combination of the baseline, the customer's overlay and the admin overrides that match."""
    return combine_all(policy, (f"{country}-{region}",) if region else (), overrides)


def combine_all(policy: RulePolicy, jurisdictions: tuple[str, ...],
                overrides: tuple[RuleOverride, ...] = ()) -> EffectiveRules:
    """Strictest combination of the baseline, every overlay of `jurisdictions` ("US-MA", "CA-QC"; all that could
    match the customer) and the admin overrides for the baseline or any of them."""
    keys = tuple(sorted(set(jurisdictions)))
    sets: list[tuple[bool, RuleSet]] = [(True, policy.baseline)]
    sets += [(False, policy.overlays[k]) for k in keys if k in policy.overlays]
    sets += [(o.jurisdiction == BASELINE, o.rule) for o in overrides if o.jurisdiction == BASELINE
             or o.jurisdiction in keys]
    full_day: tuple[Interval, ...] = ((0, 1440),)
    hours = [full_day] * 7
    federal_cap: int | None = None
    state_cap: int | None = None
    wait, no_call = 0, set()
    calendars: set[tuple[str, str | None, tuple[str, ...]]] = set()
    for is_baseline, rule in sets:
        per_day = rule.hours_by_day()
        if per_day is not None:
            hours = [intersect(h, d) for h, d in zip(hours, per_day, strict=True)]
        if is_baseline:
            federal_cap = _min(federal_cap, rule.attempts_per_7_days)
        else:
            state_cap = _min(state_cap, rule.attempts_per_7_days)
        wait = max(wait, rule.conversation_wait_days or 0)
        no_call.update(rule.no_call_days)
        if rule.holidays is not None:
            calendars.add(rule.holidays.key)
    names = (BASELINE, *(k for k in keys if k in policy.overlays))
    return EffectiveRules(tuple(hours), federal_cap, state_cap, wait, frozenset(no_call), names,
                          tuple(sorted(calendars, key=repr)))


def load_policy(path: Path = POLICY_FILE) -> RulePolicy:
    """Parse and validate a rule policy file; RulesError names what is wrong."""
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        return RulePolicy.model_validate(data)
    except (OSError, tomllib.TOMLDecodeError, ValidationError) as exc:
        raise RulesError(f"{path.name}: {exc}") from None


@functools.cache
def policy() -> RulePolicy:
    """The checked-in policy, loaded once per process."""
    return load_policy()


def rule_version(pol: RulePolicy, overrides: tuple[RuleOverride, ...]) -> str:
    """Which rules decided: the policy version plus the newest override in force."""
    return f"{pol.version}+override.{max(o.id for o in overrides)}" if overrides else pol.version


# ---- admin overrides (tighten only) -------------------------------------------------------------------------
def check_tightens(current: EffectiveRules, rule: RuleSet, *, baseline: bool) -> None:
    """Raise RulesError when any field of `rule` would allow more than `current` does."""
    per_day = rule.hours_by_day()
    if per_day is not None:
        for d, (now_allowed, proposed) in enumerate(zip(current.hours, per_day, strict=True)):
            if intersect(now_allowed, proposed) != proposed:
                raise RulesError(f"calling_hours on {DAY_NAMES[d]} would extend the allowed hours")
    cap = current.federal_cap if baseline else _min(current.state_cap, current.federal_cap)
    if rule.attempts_per_7_days is not None and cap is not None and rule.attempts_per_7_days > cap:
        raise RulesError(f"attempts_per_7_days {rule.attempts_per_7_days} is looser than the current {cap}")
    if rule.conversation_wait_days is not None and rule.conversation_wait_days < current.conversation_wait_days:
        raise RulesError(f"conversation_wait_days {rule.conversation_wait_days} is shorter than the current "
                         f"{current.conversation_wait_days}")


def _row_to_override(row: dict[str, Any]) -> RuleOverride:
    return RuleOverride(id=row["id"], jurisdiction=row["jurisdiction"], rule=RuleSet.model_validate(row["rule"]),
                        reason=row["reason"], approved_by=row["approved_by"], effective_from=row["effective_from"])


async def load_overrides(conn: AsyncConnection, now: datetime) -> tuple[RuleOverride, ...]:
    """Overrides in force at `now`."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            """SELECT id, jurisdiction, rule, reason, approved_by, effective_from FROM compliance_rule_overrides
               WHERE effective_from <= %s AND (revoked_at IS NULL OR revoked_at > %s) ORDER BY id""", (now, now))
        return tuple(_row_to_override(r) for r in await cur.fetchall())


async def add_override(conn: AsyncConnection, *, jurisdiction: str, rule: dict[str, Any], reason: str,
                       approved_by: str, created_by: str, now: datetime,
                       effective_from: datetime | None = None) -> RuleOverride:
    """Tighten the rules for a jurisdiction ('baseline' or e.g. 'US-CA'); refuse anything that would loosen them."""
    if jurisdiction != BASELINE and not _JURISDICTION.match(jurisdiction):
        raise RulesError("jurisdiction is 'baseline' or COUNTRY-REGION like US-MA")
    try:
        parsed = RuleSet.model_validate(rule)
    except ValidationError as exc:
        raise RulesError(str(exc)) from None
    if parsed.holidays is not None:
        try:
            is_holiday(parsed.holidays.key, now.date())
        except Exception as exc:   # the holidays package names the unknown country/subdivision/category
            raise RulesError(f"holidays: {exc}") from None
    country, _, region = jurisdiction.partition("-") if jurisdiction != BASELINE else ("US", "", "")
    current = combine(policy(), country, region or None, await load_overrides(conn, now))
    check_tightens(current, parsed, baseline=jurisdiction == BASELINE)
    async with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            """INSERT INTO compliance_rule_overrides (jurisdiction, rule, reason, approved_by, created_by, effective_from)
               VALUES (%s, %s, %s, %s, %s, %s)
               RETURNING id, jurisdiction, rule, reason, approved_by, effective_from""",
            (jurisdiction, Jsonb(parsed.model_dump(mode="json", exclude_defaults=True)), reason, approved_by,
             created_by, effective_from or now))
        row = await cur.fetchone()
        assert row is not None
        await write_audit(conn, actor=created_by, actor_role=None, action="compliance_rule_override.create",
                          resource_type="compliance_rule_override", resource_id=str(row["id"]),
                          after={"jurisdiction": jurisdiction, "rule": row["rule"], "reason": reason,
                                 "approved_by": approved_by})
    return _row_to_override(row)


async def revoke_override(conn: AsyncConnection, override_id: int, *, revoked_by: str, now: datetime,
                          request_id: str | None = None) -> None:
    """Withdraw an override (this loosens back to the policy file, so it is audited)."""
    async with conn.transaction():
        cur = await conn.execute(
            "UPDATE compliance_rule_overrides SET revoked_at = %s, revoked_by = %s WHERE id = %s AND revoked_at IS NULL "
            "RETURNING jurisdiction", (now, revoked_by, override_id))
        row = await cur.fetchone()
        if row is None:
            raise RulesError("no such override in force")
        await write_audit(conn, actor=revoked_by, actor_role=None, action="compliance_rule_override.revoke",
                          resource_type="compliance_rule_override", resource_id=str(override_id),
                          request_id=request_id or str(uuid.uuid4()))
