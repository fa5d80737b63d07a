"""The pre-dial gate every outbound dial passes (test call, callback, campaign): allow, or deny with stable reason
codes (`reason_code`: the most important; `reasons`: every rule that denies) and, when the reasons are temporal, the
next allowed time. Every decision is recorded in contact_attempts.

COMPLIANCE.md §1 with its "Readings": calendar days in the consumer's zone (each possible zone when the zone is
unknown); a requested callback is exempt from the 7-in-7 count and the post-conversation wait on days 1-7 counted
from the day the consumer asked (later it is an ordinary attempt, and past ones outside their window count);
overlays of every jurisdiction the customer could be in (zones.customer_jurisdictions); provincial statutory
holidays from the `holidays` calendar (rules.py).

`decide()` is the pure, in-memory gate (no database); `check()` / `check_batch()` load the same facts from the
database, decide with it and record; `next_allowed_time()` answers "earliest allowed time" for schedulers (with
`load_history()` for the customer's stored history).
"""
from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Literal, NamedTuple
from zoneinfo import ZoneInfo

from psycopg import AsyncConnection

from shared.compliance import rules as rulesets
from shared.compliance.zones import customer_jurisdictions, customer_zones, zone
from shared.db.customers import Customer
from shared.db.errors import NotFoundError

log = logging.getLogger(__name__)

Purpose = Literal["collection", "requested_callback"]
Source = Literal["manual", "test", "callback", "campaign"]
Interval = rulesets.Interval

ALLOWED = "allowed"
# Rules no passage of time lifts: (reason code, SQL condition on customers c), in reporting order. Adding a flag
# that stops calls is one line here.
PERMANENT_RULES: tuple[tuple[str, str], ...] = (
    ("cease_requested", "c.cease_requested_at IS NOT NULL"),
    ("consent_revoked", "c.consent_revoked_at IS NOT NULL"),
    ("attorney_represented", "c.attorney_at IS NOT NULL"),
    ("bankruptcy", "c.bankruptcy_at IS NOT NULL"),
    ("sensitive_hold", "c.sensitive_hold_at IS NOT NULL"),
    ("dispute_hold", "c.disputed_at IS NOT NULL AND (c.dispute_resolved_at IS NULL "
                     "OR c.dispute_resolved_at < c.disputed_at)"),
    ("dnc_listed", "EXISTS (SELECT 1 FROM dnc_entries d WHERE d.phone = c.phone)"),
    ("no_consent", "c.consent_source IS NULL OR c.consent_source = ''"),
)
PERMANENT_REASONS = tuple(code for code, _ in PERMANENT_RULES)
# Reasons that lift at next_allowed_at, in reporting order.
TEMPORAL_REASONS = ("recent_conversation", "frequency_cap_7in7", "state_frequency_cap", "outside_calling_hours",
                    "inconvenient_time")
REASON_CODES = (ALLOWED, *PERMANENT_REASONS, *TEMPORAL_REASONS)
CALLBACK_EXEMPT_DAYS = 7    # Reg F 1006.14(b)(3): the request day is day 1, calls on days 1-7 are exempt
_SEARCH_DAYS = 21           # how far ahead next_allowed_at is searched
_LOOKBACK = timedelta(days=9)  # 7 local calendar days plus time-zone slack


@dataclass(frozen=True)
class PredialDecision:
    allowed: bool
    reason_code: str
    next_allowed_at: datetime | None
    details: dict[str, Any]
    rule_version: str
    reasons: tuple[str, ...] = ()   # every rule that denies (permanent first, then temporal); () when allowed


class PastAttempt(NamedTuple):
    """An allowed (so dialed) earlier attempt; a requested callback carries when the consumer asked for it.
    (A tuple, not a dataclass: a campaign builds hundreds of thousands of these.)"""

    at: datetime
    purpose: Purpose = "collection"
    callback_requested_at: datetime | None = None


@dataclass(frozen=True)
class History:
    attempts: tuple[PastAttempt, ...] = ()
    last_conversation: datetime | None = None


@dataclass(frozen=True)
class Subject:
    """What the gate knows about a customer, without the database: where they could be, stated inconvenient
    times, and the permanent reasons (flags, DNC, missing consent) that apply."""

    phone: str
    postal_code: str = ""
    country: str = "US"
    region: str | None = None
    timezone: str | None = None
    inconvenient_times: Any = None
    permanent: tuple[str, ...] = ()


class _Facts(NamedTuple):
    """What the gate knows about one customer at decision time (read in one query)."""

    customer_id: uuid.UUID | None
    phone: str
    zones: tuple[str, ...]
    jurisdictions: tuple[str, ...]
    permanent: tuple[str, ...]
    inconvenient: tuple[tuple[Interval, ...], ...]   # per weekday, local
    attempts: tuple[PastAttempt, ...]                # allowed attempts of any purpose
    last_conversation: datetime | None


# The history the counts read: allowed attempts and the latest conversation (one place, used by every path).
# Requested callbacks with a request time come apart (they may be exempt); every other attempt is ordinary.
# Aggregated per customer in one pass (a hash join beats 100 000 per-customer index probes).
_HISTORY_SQL = """
history AS (
    SELECT h.customer_id,
           array_agg(h.decided_at) FILTER (WHERE h.requested IS NULL) AS ordinary,
           array_agg(h.decided_at) FILTER (WHERE h.requested IS NOT NULL) AS callback_at,
           array_agg(h.requested) FILTER (WHERE h.requested IS NOT NULL) AS callback_requested
    FROM (SELECT ca.customer_id, ca.decided_at,
                 CASE WHEN ca.purpose = 'requested_callback' THEN ca.callback_requested_at END AS requested
          FROM contact_attempts ca
          WHERE ca.customer_id = ANY(%(ids)s::uuid[]) AND ca.decision = 'allow'
            AND ca.decided_at > %(since)s AND ca.decided_at <= %(now)s) h
    GROUP BY h.customer_id
), conversations AS (
    SELECT k.customer_id, max(k.conversation_at) AS last_conversation FROM calls k
    WHERE k.customer_id = ANY(%(ids)s::uuid[]) AND k.conversation_at IS NOT NULL AND k.conversation_at <= %(now)s
    GROUP BY k.customer_id
)"""
_PERMANENT_SQL = "NULLIF(ARRAY_REMOVE(ARRAY[" + ", ".join(
    f"CASE WHEN {cond} THEN '{code}' END" for code, cond in PERMANENT_RULES) + "]::text[], NULL), '{}')"
_FACTS_SQL = f"""
WITH {_HISTORY_SQL}
SELECT c.id, c.phone, c.timezone, c.postal_code, c.country, c.region, {_PERMANENT_SQL},
       NULLIF(c.inconvenient_times, '[]'::jsonb), a.ordinary, a.callback_at, a.callback_requested,
       cv.last_conversation
FROM unnest(%(ids)s::uuid[]) AS ids(id)
JOIN customers c ON c.id = ids.id
LEFT JOIN history a ON a.customer_id = c.id
LEFT JOIN conversations cv ON cv.customer_id = c.id
"""
(_ID, _PHONE, _TZ, _POSTAL, _COUNTRY, _REGION, _PERMANENT, _INCONVENIENT, _ORDINARY, _CALLBACK_AT,
 _CALLBACK_REQUESTED, _LAST_CONVERSATION) = range(12)
_NO_INCONVENIENT: tuple[tuple[Interval, ...], ...] = ((),) * 7


def _inconvenient(raw: Any) -> tuple[tuple[Interval, ...], ...]:
    """Consumer-stated inconvenient times: [{"days": "mon-fri", "start": "HH:MM", "end": "HH:MM"}, ...]."""
    if not raw:
        return _NO_INCONVENIENT
    per_day: list[list[Interval]] = [[] for _ in range(7)]
    for item in raw if isinstance(raw, (list, tuple)) else []:
        try:
            window = rulesets.HoursWindow.model_validate({"days": "mon-sun", **item})
        except (ValueError, TypeError):
            log.warning("ignoring a malformed inconvenient_times entry")
            continue
        for d in rulesets.parse_days(window.days):
            per_day[d].append(window.interval)
    return tuple(tuple(sorted(day)) for day in per_day)


def _facts(row: tuple[Any, ...]) -> _Facts:
    attempts: tuple[PastAttempt, ...] = ()
    if row[_ORDINARY]:
        attempts = tuple(map(PastAttempt, row[_ORDINARY]))
    if row[_CALLBACK_AT]:
        attempts += tuple(PastAttempt(t, "requested_callback", r)
                          for t, r in zip(row[_CALLBACK_AT], row[_CALLBACK_REQUESTED], strict=True))
    return _Facts(
        customer_id=row[_ID], phone=row[_PHONE],
        zones=customer_zones(row[_TZ], row[_PHONE], row[_POSTAL], row[_COUNTRY], row[_REGION]),
        jurisdictions=customer_jurisdictions(row[_PHONE], row[_POSTAL], row[_COUNTRY], row[_REGION]),
        permanent=tuple(row[_PERMANENT] or ()), inconvenient=_inconvenient(row[_INCONVENIENT]),
        attempts=attempts, last_conversation=row[_LAST_CONVERSATION])


def _subject_facts(subject: Subject, history: History) -> _Facts:
    return _Facts(
        customer_id=None, phone=subject.phone,
        zones=customer_zones(subject.timezone, subject.phone, subject.postal_code, subject.country, subject.region),
        jurisdictions=customer_jurisdictions(subject.phone, subject.postal_code, subject.country, subject.region),
        permanent=tuple(r for r in PERMANENT_REASONS if r in subject.permanent),
        inconvenient=_inconvenient(subject.inconvenient_times), attempts=tuple(history.attempts),
        last_conversation=history.last_conversation)


def _wall(day: date, minute: int, tz: ZoneInfo) -> datetime:
    if minute >= 1440:
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=tz)


def _next_open(rules: rulesets.EffectiveRules, inconvenient: tuple[tuple[Interval, ...], ...], tz: ZoneInfo,
               t: datetime) -> datetime | None:
    """The first instant at or after t inside the allowed local windows (None when none within the search horizon)."""
    start_day = t.astimezone(tz).date()
    for offset in range(_SEARCH_DAYS):
        day = start_day + timedelta(days=offset)
        for s, e in rulesets.subtract(rules.windows(day), inconvenient[day.weekday()]):
            opens, closes = _wall(day, s, tz), _wall(day, e, tz)
            if t < closes:
                return max(opens, t)
    return None


def _in(windows: tuple[Interval, ...], local: datetime) -> bool:
    minute = local.hour * 60 + local.minute + local.second / 60
    return any(s <= minute < e for s, e in windows)


def _cap_free_day(days: list[date], cap: int, today: date) -> date | None:
    """With `cap` attempts allowed per 7 consecutive local days: the first day a new one fits, if not today."""
    if len(days) < cap:
        return None
    first = today - timedelta(days=6)
    in_window = [d for d in days if first <= d <= today]
    if len(in_window) < cap:
        return None
    if cap == 0:
        return date.max
    in_window.sort(reverse=True)
    return in_window[cap - 1] + timedelta(days=7)


def _within_callback_window(requested_at: datetime | None, day: date, tz: ZoneInfo) -> bool:
    """A call on local `day` is inside the requested-callback exemption (request day = day 1, days 1-7)."""
    if requested_at is None:
        return False
    return 0 <= (day - requested_at.astimezone(tz).date()).days < CALLBACK_EXEMPT_DAYS


def _counted_days(attempts: tuple[PastAttempt, ...], tz: ZoneInfo) -> tuple[list[date], list[date]]:
    """(local dates of attempts the federal 7-in-7 counts, local dates of every attempt - state caps count all)."""
    counted: list[date] = []
    every: list[date] = []
    for a in attempts:
        day = a.at.astimezone(tz).date()
        every.append(day)
        if not (a.purpose == "requested_callback" and _within_callback_window(a.callback_requested_at, day, tz)):
            counted.append(day)
    return counted, every


Block = tuple[str, datetime | None]


def _day_block(reason: str, free_day: date | None, tz: ZoneInfo) -> list[Block]:
    if free_day is None:
        return []
    return [(reason, None if free_day == date.max else _wall(free_day, 0, tz))]


def _hours_blocks(rules: rulesets.EffectiveRules, inconvenient: tuple[tuple[Interval, ...], ...], tz: ZoneInfo,
                  t: datetime) -> list[Block]:
    local = t.astimezone(tz)
    legal = rules.windows(local.date())
    if not _in(legal, local):
        return [("outside_calling_hours", _next_open(rules, inconvenient, tz, t))]
    if inconvenient is not _NO_INCONVENIENT and not _in(rulesets.subtract(legal, inconvenient[local.weekday()]), local):
        return [("inconvenient_time", _next_open(rules, inconvenient, tz, t))]
    return []


_HoursCache = dict[tuple[int, str, datetime], list[Block]]


@dataclass
class _Ask:
    """One decision's question: the purpose, the callback request time, and per-zone caches."""

    purpose: Purpose
    requested_at: datetime | None
    days: dict[str, tuple[list[date], list[date]]] = field(default_factory=dict)


def _zone_blocks(f: _Facts, rules: rulesets.EffectiveRules, tz: ZoneInfo, t: datetime, ask: _Ask,
                 hours_cache: _HoursCache | None = None) -> list[Block]:
    today = t.astimezone(tz).date()
    blocks: list[Block] = []
    exempt = ask.purpose == "requested_callback" and _within_callback_window(ask.requested_at, today, tz)
    if f.attempts:
        days = ask.days.get(tz.key)
        if days is None:
            days = ask.days[tz.key] = _counted_days(f.attempts, tz)
        counted, every = days
    else:
        counted = every = []
    if not exempt:
        if f.last_conversation is not None and rules.conversation_wait_days:
            # The conversation day is day 1: the next call may be on day wait+1.
            free = f.last_conversation.astimezone(tz).date() + timedelta(days=rules.conversation_wait_days)
            blocks += _day_block("recent_conversation", free if today < free else None, tz)
        if rules.federal_cap is not None:
            blocks += _day_block("frequency_cap_7in7", _cap_free_day(counted, rules.federal_cap, today), tz)
    if rules.state_cap is not None:
        # State caps count every creditor-placed call, requested callbacks included (the stricter reading).
        blocks += _day_block("state_frequency_cap", _cap_free_day(every, rules.state_cap, today), tz)
    if f.inconvenient is not _NO_INCONVENIENT or hours_cache is None:
        return blocks + _hours_blocks(rules, f.inconvenient, tz, t)
    # Hours depend only on (rules, zone, instant) for most customers: decide them once per batch.
    key = (id(rules), tz.key, t)
    hours = hours_cache.get(key)
    if hours is None:
        hours = hours_cache[key] = _hours_blocks(rules, f.inconvenient, tz, t)
    return blocks + hours


def evaluate(f: _Facts, rules: rulesets.EffectiveRules, now: datetime, purpose: Purpose,
             hours_cache: _HoursCache | None = None, callback_requested_at: datetime | None = None
             ) -> tuple[str, datetime | None, list[str]]:
    """(reason code, next allowed time, every reason that denies now) - pure, given the facts and the clock."""
    ask = _Ask(purpose, callback_requested_at if purpose == "requested_callback" else None)
    zones = [zone(z) for z in f.zones]
    t: datetime | None = now
    first: list[Block] | None = None
    for _ in range(64):
        assert t is not None
        at = t
        blocks = [b for tz in zones for b in _zone_blocks(f, rules, tz, at, ask, hours_cache)]
        if first is None:
            first = blocks
            if f.permanent:
                t = None
                break
        if not blocks:
            break
        if any(when is None for _, when in blocks):
            t = None
            break
        t = max(when for _, when in blocks if when is not None)
    else:
        t = None
    reasons = [*f.permanent, *sorted({r for r, _ in first or []}, key=TEMPORAL_REASONS.index)]
    if not reasons:
        return ALLOWED, None, []
    return reasons[0], t, reasons


def _decision(f: _Facts, rules: rulesets.EffectiveRules, now: datetime, ask: tuple[Purpose, datetime | None],
              version: str, memo: dict[tuple[Any, ...], PredialDecision], hours_cache: _HoursCache) -> PredialDecision:
    # Customers with the same rules, zones, flags, stated times and history decide alike: a campaign is mostly
    # customers without history, or with attempts recorded by the same earlier batch (one decided_at), so they
    # share one decision object (treat `details` as read-only).
    key = (id(rules), f.zones, f.permanent, f.inconvenient, f.attempts, f.last_conversation)
    hit = memo.get(key)
    if hit is not None:
        return hit
    reason, next_at, reasons = evaluate(f, rules, now, ask[0], hours_cache, ask[1])
    details: dict[str, Any] = {"zones": list(f.zones), "jurisdictions": list(rules.jurisdictions),
                               "reasons": reasons}
    decision = memo[key] = PredialDecision(reason == ALLOWED, reason, next_at, details, version, tuple(reasons))
    return decision


def _rules_for(jurisdictions: tuple[str, ...], policy: rulesets.RulePolicy,
               overrides: tuple[rulesets.RuleOverride, ...],
               cache: dict[tuple[str, ...], rulesets.EffectiveRules]) -> rulesets.EffectiveRules:
    rules = cache.get(jurisdictions)
    if rules is None:
        rules = cache[jurisdictions] = rulesets.combine_all(policy, jurisdictions, overrides)
    return rules


def decide(subject: Subject, *, now: datetime, purpose: Purpose = "collection", history: History = History(),
           callback_requested_at: datetime | None = None, policy: rulesets.RulePolicy | None = None,
           overrides: tuple[rulesets.RuleOverride, ...] = ()) -> PredialDecision:
    """The gate in memory: the same decision check() makes, from facts handed in instead of read (records
    nothing). `history` holds the allowed attempts of the last 7+ days and the latest conversation."""
    _validate(now, purpose, "manual")
    pol = policy or rulesets.policy()
    f = _subject_facts(subject, history)
    rules = rulesets.combine_all(pol, f.jurisdictions, overrides)
    return _decision(f, rules, now, (purpose, callback_requested_at), rulesets.rule_version(pol, overrides), {}, {})


def next_allowed_time(customer: Customer | Subject, after: datetime, history: History | None = None, *,
                      purpose: Purpose = "requested_callback",
                      callback_requested_at: datetime | None = None) -> datetime | None:
    """The earliest instant at or after `after` when the time-based rules (calling hours in every possible zone,
    overlays, holidays, stated inconvenient times, and for ordinary attempts the 7-in-7 and post-conversation
    wait) allow a call; None if none within three weeks. Flags, DNC and consent are not considered here - the
    gate decides those at dial time. A requested callback (the default purpose) asked for at
    `callback_requested_at` (default: `after`) is exempt from the counts on days 1-7."""
    if after.tzinfo is None or after.utcoffset() is None:
        raise ValueError("after must be timezone-aware")
    subject = Subject(phone=customer.phone, postal_code=customer.postal_code, country=customer.country,
                      region=customer.region, timezone=customer.timezone,
                      inconvenient_times=customer.inconvenient_times)
    requested = callback_requested_at or (after if purpose == "requested_callback" else None)
    d = decide(subject, now=after, purpose=purpose, history=history or History(), callback_requested_at=requested)
    return after if d.allowed else d.next_allowed_at


async def _load_facts(conn: AsyncConnection, ids: Sequence[uuid.UUID], now: datetime) -> list[_Facts]:
    async with conn.cursor(binary=True) as cur:
        await conn.execute("SET LOCAL jit = off")   # JIT compiling this plan costs more than running it
        await cur.execute(_FACTS_SQL, {"ids": list(ids), "since": now - _LOOKBACK, "now": now})
        return [_facts(row) for row in await cur.fetchall()]


async def load_history(conn: AsyncConnection, customer_id: uuid.UUID, *, now: datetime) -> History:
    """The history the gate would read for this customer at `now` (for next_allowed_time)."""
    async with conn.transaction():
        facts = await _load_facts(conn, [customer_id], now)
    return History(facts[0].attempts, facts[0].last_conversation) if facts else History()


def _copy_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _pg_array(items: Sequence[str]) -> str:
    return "{" + ",".join(items) + "}"


async def _record(conn: AsyncConnection, decisions: dict[uuid.UUID, PredialDecision], phones: dict[uuid.UUID, str],
                  *, now: datetime, purpose: Purpose, source: Source, callback_requested_at: datetime | None) -> None:
    """Append one contact_attempts row per decision: one COPY of pre-rendered text, so 100 000 rows stay cheap."""
    sql = ("COPY contact_attempts (customer_id, phone, purpose, source, decision, reason_code, reasons, "
           "next_allowed_at, rule_version, details, decided_at, callback_requested_at) FROM STDIN")
    rendered: dict[int, str] = {}   # shared decisions render once
    decided_at = now.isoformat()
    requested = callback_requested_at.isoformat() if callback_requested_at and purpose == "requested_callback" \
        else "\\N"
    lines: list[str] = []
    for cid, d in decisions.items():
        tail = rendered.get(id(d))
        if tail is None:
            tail = "\t".join((purpose, source, "allow" if d.allowed else "deny", d.reason_code,
                              _pg_array(d.reasons), d.next_allowed_at.isoformat() if d.next_allowed_at else "\\N",
                              _copy_text(d.rule_version), _copy_text(json.dumps(d.details)), decided_at, requested))
            rendered[id(d)] = tail
        lines.append(f"{cid}\t{_copy_text(phones[cid])}\t{tail}\n")
    async with conn.cursor() as cur, cur.copy(sql) as copy:
        for i in range(0, len(lines), 5000):
            await copy.write("".join(lines[i:i + 5000]))


def _validate(now: datetime, purpose: str, source: str) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if purpose not in ("collection", "requested_callback"):
        raise ValueError(f"unknown purpose {purpose!r}")
    if source not in ("manual", "test", "callback", "campaign"):
        raise ValueError(f"unknown source {source!r}")


async def check_batch(conn: AsyncConnection, customer_ids: Sequence[uuid.UUID], *, now: datetime, purpose: Purpose,
                      source: Source, record: bool = True,
                      callback_requested_at: datetime | None = None) -> dict[uuid.UUID, PredialDecision]:
    """Decide for many customers with one query (and one COPY when recording). Unknown ids are left out.
    A requested callback without `callback_requested_at` cannot be shown to be in its exemption window, so it is
    decided (and counted) as an ordinary attempt."""
    _validate(now, purpose, source)
    if callback_requested_at is not None and (callback_requested_at.tzinfo is None
                                              or callback_requested_at.utcoffset() is None):
        raise ValueError("callback_requested_at must be timezone-aware")
    if not customer_ids:
        return {}
    if purpose == "requested_callback" and callback_requested_at is None:
        log.warning("predial: requested callback without a request time, decided as an ordinary attempt")
    policy = rulesets.policy()
    overrides = await rulesets.load_overrides(conn, now)
    version = rulesets.rule_version(policy, overrides)
    combined: dict[tuple[str, ...], rulesets.EffectiveRules] = {}
    decisions: dict[uuid.UUID, PredialDecision] = {}
    phones: dict[uuid.UUID, str] = {}
    memo: dict[tuple[Any, ...], PredialDecision] = {}
    hours_cache: _HoursCache = {}
    ask = (purpose, callback_requested_at)
    async with conn.transaction():
        for f in await _load_facts(conn, customer_ids, now):
            assert f.customer_id is not None
            rules = _rules_for(f.jurisdictions, policy, overrides, combined)
            decisions[f.customer_id] = _decision(f, rules, now, ask, version, memo, hours_cache)
            phones[f.customer_id] = f.phone
        if record and decisions:
            await _record(conn, decisions, phones, now=now, purpose=purpose, source=source,
                          callback_requested_at=callback_requested_at)
    missing = len(set(customer_ids)) - len(decisions)
    if missing:
        log.warning("predial batch: %d unknown customer ids skipped", missing)
    return decisions


async def check(conn: AsyncConnection, customer: Customer, *, now: datetime, purpose: Purpose, source: Source,
                record: bool = True, callback_id: uuid.UUID | None = None,
                callback_requested_at: datetime | None = None) -> PredialDecision:
    """Decide one dial from the customer's current record; concurrent checks for one customer are serialized so
    two dial paths cannot both take the last attempt of a window. For a requested callback pass the callback
    (its stored request time is used) or the request time itself."""
    if callback_id is not None and callback_requested_at is None:
        from shared.db.callbacks import get_callback

        callback_requested_at = (await get_callback(conn, callback_id)).requested_at
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"predial:{customer.id}",))
        result = await check_batch(conn, [customer.id], now=now, purpose=purpose, source=source, record=record,
                                   callback_requested_at=callback_requested_at)
    if customer.id not in result:
        raise NotFoundError("customer not found")
    return result[customer.id]
