"""The pre-dial gate every outbound dial passes (test call, callback, campaign): allow, or deny with a stable reason
code and, when the reason is temporal, the next allowed time. Every decision is recorded in contact_attempts."""
from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from psycopg import AsyncConnection

from shared.compliance import rules as rulesets
from shared.compliance.zones import customer_zones, zone
from shared.db.customers import Customer
from shared.db.errors import NotFoundError

log = logging.getLogger(__name__)

Purpose = Literal["collection", "requested_callback"]
Source = Literal["manual", "test", "callback", "campaign"]
Interval = rulesets.Interval

ALLOWED = "allowed"
# Reasons that no passage of time lifts, in the order they are reported when several apply.
PERMANENT_REASONS = ("cease_requested", "consent_revoked", "attorney_represented", "bankruptcy", "sensitive_hold",
                     "dispute_hold", "dnc_listed", "no_consent")
# Reasons that lift at next_allowed_at, in reporting order.
TEMPORAL_REASONS = ("recent_conversation", "frequency_cap_7in7", "state_frequency_cap", "outside_calling_hours",
                    "inconvenient_time")
REASON_CODES = (ALLOWED, *PERMANENT_REASONS, *TEMPORAL_REASONS)
_SEARCH_DAYS = 21           # how far ahead next_allowed_at is searched
_LOOKBACK = timedelta(days=9)  # 7 local calendar days plus time-zone slack


@dataclass(frozen=True)
class PredialDecision:
    allowed: bool
    reason_code: str
    next_allowed_at: datetime | None
    details: dict[str, Any]
    rule_version: str


@dataclass(frozen=True)
class _Facts:
    """What the gate knows about one customer at decision time (read in one query)."""

    customer_id: uuid.UUID
    phone: str
    zones: tuple[str, ...]
    country: str
    region: str | None
    permanent: str | None
    inconvenient: tuple[tuple[Interval, ...], ...]   # per weekday, local
    collection_attempts: tuple[datetime, ...]        # allowed, purpose collection (newest first)
    all_attempts: tuple[datetime, ...]               # allowed, any purpose (newest first)
    last_conversation: datetime | None


# The permanent reason is decided in SQL (same order as PERMANENT_REASONS); history is read only when it matters.
_FACTS_SQL = """
SELECT c.id, c.phone, c.timezone, c.postal_code, c.country, c.region, p.permanent,
       NULLIF(c.inconvenient_times, '[]'::jsonb), a.collection, a.every, cv.last_conversation
FROM unnest(%(ids)s::uuid[]) AS ids(id)
JOIN customers c ON c.id = ids.id
CROSS JOIN LATERAL (SELECT CASE
    WHEN c.cease_requested_at IS NOT NULL THEN 'cease_requested'
    WHEN c.consent_revoked_at IS NOT NULL THEN 'consent_revoked'
    WHEN c.attorney_at IS NOT NULL THEN 'attorney_represented'
    WHEN c.bankruptcy_at IS NOT NULL THEN 'bankruptcy'
    WHEN c.sensitive_hold_at IS NOT NULL THEN 'sensitive_hold'
    WHEN c.disputed_at IS NOT NULL AND (c.dispute_resolved_at IS NULL OR c.dispute_resolved_at < c.disputed_at)
         THEN 'dispute_hold'
    WHEN EXISTS (SELECT 1 FROM dnc_entries d WHERE d.phone = c.phone) THEN 'dnc_listed'
    WHEN c.consent_source IS NULL OR c.consent_source = '' THEN 'no_consent'
    END AS permanent) p
LEFT JOIN LATERAL (
    SELECT array_agg(ca.decided_at ORDER BY ca.decided_at DESC) FILTER (WHERE ca.purpose = 'collection') AS collection,
           array_agg(ca.decided_at ORDER BY ca.decided_at DESC) AS every
    FROM contact_attempts ca
    WHERE p.permanent IS NULL AND ca.customer_id = c.id AND ca.decision = 'allow'
      AND ca.decided_at > %(since)s AND ca.decided_at <= %(now)s
) a ON true
LEFT JOIN LATERAL (
    SELECT max(k.conversation_at) AS last_conversation FROM calls k
    WHERE p.permanent IS NULL AND k.customer_id = c.id AND k.conversation_at IS NOT NULL
      AND k.conversation_at <= %(now)s
) cv ON true
"""
(_ID, _PHONE, _TZ, _POSTAL, _COUNTRY, _REGION, _PERMANENT, _INCONVENIENT, _COLLECTION, _EVERY,
 _LAST_CONVERSATION) = range(11)
_NO_INCONVENIENT: tuple[tuple[Interval, ...], ...] = ((),) * 7


def _inconvenient(raw: Any) -> tuple[tuple[Interval, ...], ...]:
    """Consumer-stated inconvenient times: [{"days": "mon-fri", "start": "HH:MM", "end": "HH:MM"}, ...]."""
    if not raw:
        return _NO_INCONVENIENT
    per_day: list[list[Interval]] = [[] for _ in range(7)]
    for item in raw if isinstance(raw, list) else []:
        try:
            window = rulesets.HoursWindow.model_validate({"days": "mon-sun", **item})
        except (ValueError, TypeError):
            log.warning("ignoring a malformed inconvenient_times entry")
            continue
        for d in rulesets.parse_days(window.days):
            per_day[d].append(window.interval)
    return tuple(tuple(sorted(day)) for day in per_day)


def _facts(row: tuple[Any, ...]) -> _Facts:
    return _Facts(
        customer_id=row[_ID], phone=row[_PHONE], country=row[_COUNTRY], region=row[_REGION],
        zones=customer_zones(row[_TZ], row[_PHONE], row[_POSTAL], row[_COUNTRY], row[_REGION]),
        permanent=row[_PERMANENT], inconvenient=_inconvenient(row[_INCONVENIENT]),
        collection_attempts=tuple(row[_COLLECTION] or ()), all_attempts=tuple(row[_EVERY] or ()),
        last_conversation=row[_LAST_CONVERSATION])


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


def _cap_free_day(attempts: tuple[datetime, ...], cap: int, tz: ZoneInfo, today: date) -> date | None:
    """With `cap` attempts allowed per 7 consecutive local days: the first day a new one fits, if not today."""
    days = sorted((a.astimezone(tz).date() for a in attempts), reverse=True)
    in_window = [d for d in days if today - timedelta(days=6) <= d <= today]
    if len(in_window) < cap:
        return None
    if cap == 0:
        return date.max
    return in_window[cap - 1] + timedelta(days=7)


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


def _zone_blocks(f: _Facts, rules: rulesets.EffectiveRules, tz: ZoneInfo, t: datetime, purpose: Purpose,
                 hours_cache: _HoursCache | None = None) -> list[Block]:
    today = t.astimezone(tz).date()
    blocks: list[Block] = []
    if purpose == "collection":
        # Reg F 1006.14(b)(3): calls the consumer asked for are outside the frequency presumptions.
        if f.last_conversation is not None and rules.conversation_wait_days:
            free = f.last_conversation.astimezone(tz).date() + timedelta(days=rules.conversation_wait_days)
            blocks += _day_block("recent_conversation", free if today < free else None, tz)
        if rules.federal_cap is not None:
            blocks += _day_block("frequency_cap_7in7",
                                 _cap_free_day(f.collection_attempts, rules.federal_cap, tz, today), tz)
    if rules.state_cap is not None:
        # State caps count every creditor-initiated call, requested callbacks included (the stricter reading).
        blocks += _day_block("state_frequency_cap", _cap_free_day(f.all_attempts, rules.state_cap, tz, today), tz)
    if f.inconvenient is not _NO_INCONVENIENT or hours_cache is None:
        return blocks + _hours_blocks(rules, f.inconvenient, tz, t)
    # Hours depend only on (rules, zone, instant) for most customers: decide them once per batch.
    key = (id(rules), tz.key, t)
    hours = hours_cache.get(key)
    if hours is None:
        hours = hours_cache[key] = _hours_blocks(rules, f.inconvenient, tz, t)
    return blocks + hours


def evaluate(f: _Facts, rules: rulesets.EffectiveRules, now: datetime, purpose: Purpose,
             hours_cache: _HoursCache | None = None) -> tuple[str, datetime | None, list[str]]:
    """(reason code, next allowed time, every reason that applied now) — pure, given the facts and the clock."""
    if f.permanent is not None:
        return f.permanent, None, [f.permanent]
    zones = [zone(z) for z in f.zones]
    t: datetime | None = now
    first: list[Block] | None = None
    for _ in range(64):
        assert t is not None
        at = t
        blocks = [b for tz in zones for b in _zone_blocks(f, rules, tz, at, purpose, hours_cache)]
        if first is None:
            first = blocks
        if not blocks:
            break
        if any(when is None for _, when in blocks):
            t = None
            break
        t = max(when for _, when in blocks if when is not None)
    else:
        t = None
    reasons = sorted({r for r, _ in first or []}, key=TEMPORAL_REASONS.index)
    if not reasons:
        return ALLOWED, None, []
    return reasons[0], t, reasons


def _decision(f: _Facts, rules: rulesets.EffectiveRules, now: datetime, purpose: Purpose, version: str,
              memo: dict[tuple[Any, ...], PredialDecision], hours_cache: _HoursCache) -> PredialDecision:
    # Customers without history or stated times decide alike per (rules, zones, permanent reason): a campaign is
    # mostly these, so they share one decision object (treat `details` as read-only).
    plain = not f.all_attempts and f.last_conversation is None and f.inconvenient is _NO_INCONVENIENT
    key = (id(rules), f.zones, f.permanent)
    if plain and key in memo:
        return memo[key]
    reason, next_at, reasons = evaluate(f, rules, now, purpose, hours_cache)
    details: dict[str, Any] = {"zones": list(f.zones), "jurisdictions": list(rules.jurisdictions),
                               "reasons": reasons}
    decision = PredialDecision(reason == ALLOWED, reason, next_at, details, version)
    if plain:
        memo[key] = decision
    return decision


async def _load_facts(conn: AsyncConnection, ids: Sequence[uuid.UUID], now: datetime) -> list[_Facts]:
    async with conn.cursor(binary=True) as cur:
        await conn.execute("SET LOCAL jit = off")   # JIT compiling this plan costs more than running it
        await cur.execute(_FACTS_SQL, {"ids": list(ids), "since": now - _LOOKBACK, "now": now})
        return [_facts(row) for row in await cur.fetchall()]


def _copy_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


async def _record(conn: AsyncConnection, decisions: dict[uuid.UUID, PredialDecision], phones: dict[uuid.UUID, str],
                  *, now: datetime, purpose: Purpose, source: Source) -> None:
    """Append one contact_attempts row per decision: one COPY of pre-rendered text, so 100 000 rows stay cheap."""
    sql = ("COPY contact_attempts (customer_id, phone, purpose, source, decision, reason_code, next_allowed_at, "
           "rule_version, details, decided_at) FROM STDIN")
    rendered: dict[int, str] = {}   # shared decisions render once
    decided_at = now.isoformat()
    lines: list[str] = []
    for cid, d in decisions.items():
        tail = rendered.get(id(d))
        if tail is None:
            tail = "\t".join((purpose, source, "allow" if d.allowed else "deny", d.reason_code,
                              d.next_allowed_at.isoformat() if d.next_allowed_at else "\\N",
                              _copy_text(d.rule_version), _copy_text(json.dumps(d.details)), decided_at))
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
                      source: Source, record: bool = True) -> dict[uuid.UUID, PredialDecision]:
    """Decide for many customers with one query (and one COPY when recording). Unknown ids are left out."""
    _validate(now, purpose, source)
    if not customer_ids:
        return {}
    policy = rulesets.policy()
    overrides = await rulesets.load_overrides(conn, now)
    version = rulesets.rule_version(policy, overrides)
    combined: dict[tuple[str, str | None], rulesets.EffectiveRules] = {}
    decisions: dict[uuid.UUID, PredialDecision] = {}
    phones: dict[uuid.UUID, str] = {}
    memo: dict[tuple[Any, ...], PredialDecision] = {}
    hours_cache: _HoursCache = {}
    async with conn.transaction():
        for f in await _load_facts(conn, customer_ids, now):
            key = (f.country, f.region)
            if key not in combined:
                combined[key] = rulesets.combine(policy, f.country, f.region, overrides)
            decisions[f.customer_id] = _decision(f, combined[key], now, purpose, version, memo, hours_cache)
            phones[f.customer_id] = f.phone
        if record and decisions:
            await _record(conn, decisions, phones, now=now, purpose=purpose, source=source)
    missing = len(set(customer_ids)) - len(decisions)
    if missing:
        log.warning("predial batch: %d unknown customer ids skipped", missing)
    return decisions


async def check(conn: AsyncConnection, customer: Customer, *, now: datetime, purpose: Purpose, source: Source,
                record: bool = True) -> PredialDecision:
    """Decide one dial from the customer's current record; concurrent checks for one customer are serialized so
    two dial paths cannot both take the last attempt of a window."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"predial:{customer.id}",))
        result = await check_batch(conn, [customer.id], now=now, purpose=purpose, source=source, record=record)
    if customer.id not in result:
        raise NotFoundError("customer not found")
    return result[customer.id]
