"""`query_analytics`: a TYPED query over the admin API's own figures, answered in speech.

Every figure comes from the functions the admin API uses, with the API's definitions (nothing is re-defined here):
  - calls, success rate, promises to pay, arrangements and their average amount, best tactic → call_stats.day_stats
    + Totals (GET /api/v1/dashboard?days=N, GET /api/v1/tactics/{id}/performance?days=N);
  - outcomes breakdown → call_search.export_calls (GET /api/v1/calls?from=…);
  - latency p50/p95 → call_stats.latency_since (the dashboard's latency block);
  - compliance events and guard blocks → compliance_feed.recent_events (GET /api/v1/compliance/events).
A window is the dashboard's `days` (the last N UTC days, today included): today = 1, this week = since Monday,
last 7 days = 7, this month = since the 1st, custom = "last N days" (1–365)."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal, get_args

from psycopg import AsyncConnection

from shared.admin.call_search import CallFilter, export_calls
from shared.admin.call_stats import Totals, day_stats, latency_since
from shared.admin.compliance_feed import recent_events
from shared.agent.numbers import format_money
from shared.db.tactics import Tactic, list_tactics

Metric = Literal["calls", "success_rate", "promises", "arrangements", "outcomes", "best_tactic", "latency",
                 "compliance_events", "guard_blocks"]
Window = Literal["today", "this_week", "last_7_days", "this_month", "custom"]
LatencyKind = Literal["voice_to_voice", "overhead", "first_sentence", "llm_ttft"]
METRICS: tuple[str, ...] = get_args(Metric)
WINDOWS: tuple[str, ...] = get_args(Window)
LATENCY_KINDS: tuple[str, ...] = get_args(LatencyKind)
MAX_DAYS = 365
EVENTS_READ = 500          # the compliance feed's page bound (GET /api/v1/compliance/events?limit=500)


class QueryError(ValueError):
    """The query cannot be answered as asked (unknown tactic, bad window); the message is speakable."""


@dataclass(frozen=True)
class AnalyticsQuery:
    metric: Metric
    window: Window = "last_7_days"
    days: int | None = None                  # for window="custom": the last N days (1–365)
    tactic: str | None = None                # a tactic name (or a word of it: "empathetic")
    latency: LatencyKind = "voice_to_voice"

    def __post_init__(self) -> None:
        if self.metric not in METRICS:
            raise QueryError(f"I can't report {self.metric!r}.")
        if self.window not in WINDOWS:
            raise QueryError(f"I don't know the window {self.window!r}.")
        if self.latency not in LATENCY_KINDS:
            raise QueryError(f"I don't know the latency {self.latency!r}.")
        if self.window == "custom" and not (isinstance(self.days, int) and 1 <= self.days <= MAX_DAYS):
            raise QueryError(f"A custom window is the last 1 to {MAX_DAYS} days.")


@dataclass(frozen=True)
class AnalyticsAnswer:
    text: str                                          # the spoken answer
    query: AnalyticsQuery
    window_days: int                                   # the dashboard's `days` for this window
    figures: dict[str, Any] = field(default_factory=dict)

    def result(self) -> dict[str, Any]:
        return {"query": asdict(self.query), "window_days": self.window_days, "figures": _jsonable(self.figures),
                "text": self.text}


def _jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    if isinstance(v, Decimal):
        return str(v)
    return v


def window_days(q: AnalyticsQuery, today: date) -> int:
    """The dashboard's `days` for a window: the last N UTC days, today included."""
    if q.window == "today":
        return 1
    if q.window == "this_week":
        return today.weekday() + 1
    if q.window == "this_month":
        return today.day
    if q.window == "custom":
        assert q.days is not None
        return q.days
    return 7


def window_phrase(q: AnalyticsQuery) -> str:
    return {"today": "today", "this_week": "this week", "last_7_days": "over the last 7 days",
            "this_month": "this month"}.get(q.window, f"over the last {q.days} days")


def percent(rate: float | None) -> str:
    """0.4167 → '41.7 percent' (rates are spoken to one decimal)."""
    if rate is None:
        return "not available"
    value = round(rate * 100, 1)
    return f"{value:g} percent" if value == int(value) else f"{value:.1f} percent"


def millis(v: float | None) -> str:
    return "not measured" if v is None else f"{round(v):d} milliseconds"


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def humanize(name: str) -> str:
    return name.replace("_", " ")


def resolve_tactic(tactics: list[Tactic], wanted: str) -> Tactic:
    """A tactic by exact name, or by words of it ('empathetic' → empathetic_gradual); ambiguous or unknown →
    QueryError naming the choices."""
    key = wanted.strip().lower().replace("-", " ").replace("_", " ")
    key = key.removesuffix(" tactic").removeprefix("the ").strip()
    exact = [t for t in tactics if humanize(t.name).lower() == key]
    if exact:
        return exact[0]
    words = key.split()
    hits = [t for t in tactics if words and all(any(p.startswith(w) for p in humanize(t.name).lower().split())
                                                 for w in words)]
    if len(hits) == 1:
        return hits[0]
    names = ", ".join(humanize(t.name) for t in tactics) or "none"
    if hits:
        raise QueryError(f"Several tactics match {wanted!r}: {', '.join(humanize(t.name) for t in hits)}.")
    raise QueryError(f"I don't know a tactic called {wanted!r}. The tactics are: {names}.")


async def run_query(conn: AsyncConnection, q: AnalyticsQuery, *, now: datetime | None = None) -> AnalyticsAnswer:
    now = now or datetime.now(UTC)
    today = now.date()
    days = window_days(q, today)
    since = today - timedelta(days=days - 1)
    since_at = datetime.combine(since, time(), tzinfo=UTC)
    when = window_phrase(q)
    tactics = await list_tactics(conn, include_inactive=True)
    tactic = resolve_tactic(tactics, q.tactic) if q.tactic else None
    scope = f" with the {humanize(tactic.name)} tactic" if tactic else ""

    if q.metric in ("calls", "success_rate", "promises", "arrangements"):
        t = Totals()
        for s in await day_stats(conn, since, tactic_id=tactic.id if tactic else None, today=today):
            t.add(s)
        figures: dict[str, Any] = {"calls": t.calls, "connected": t.connected, "promised": t.promised,
                                   "success_rate": t.success_rate, "arrangements": t.arrangements,
                                   "average_arrangement_amount": t.average_arrangement,
                                   "arrangement_total": t.arrangement_total}
        if q.metric == "calls":
            text = (f"There were {_plural(t.calls, 'call')}{scope} {when}; {t.connected} connected.")
        elif q.metric == "success_rate":
            if t.success_rate is None:
                text = f"There is no success rate{scope} {when} yet: no call connected."
            else:
                text = (f"The success rate{scope} {when} is {percent(t.success_rate)}: "
                        f"{t.promised} of {_plural(t.connected, 'connected call')} ended in an arrangement or a "
                        f"promise to pay.")
        elif q.metric == "promises":
            text = (f"{_plural(t.promised, 'call')}{scope} ended in an arrangement or a promise to pay {when}, "
                    f"out of {_plural(t.connected, 'connected call')}.")
        else:
            if not t.arrangements or t.average_arrangement is None:
                text = f"No payment arrangements were made{scope} {when}."
            else:
                text = (f"{_plural(t.arrangements, 'payment arrangement')} were made{scope} {when}, totalling "
                        f"{format_money(t.arrangement_total)}, an average of {format_money(t.average_arrangement)}.")
                if t.arrangements == 1:
                    text = text.replace(" were made", " was made")
        return AnalyticsAnswer(text, q, days, figures)

    if q.metric == "best_tactic":
        per: defaultdict[int, Totals] = defaultdict(Totals)
        for s in await day_stats(conn, since, today=today):
            per[s.tactic_key].add(s)
        names = {t.id: t.name for t in tactics}
        ranked = sorted(((tot.success_rate, tot.connected, names[k]) for k, tot in per.items()
                         if k in names and tot.success_rate is not None), reverse=True)
        figures = {"ranking": [{"tactic": n, "success_rate": r, "connected": c} for r, c, n in ranked]}
        if not ranked:
            return AnalyticsAnswer(f"No tactic has connected calls {when} yet, so there is no best tactic.", q,
                                   days, figures)
        rate, connected, name = ranked[0]
        text = (f"The best tactic {when} is {humanize(name)}, with a success rate of {percent(rate)} over "
                f"{_plural(connected, 'connected call')}.")
        if len(ranked) > 1:
            rate2, _, name2 = ranked[1]
            text += f" Next is {humanize(name2)} at {percent(rate2)}."
        return AnalyticsAnswer(text, q, days, figures)

    if q.metric == "outcomes":
        counts: Counter[str] = Counter()
        async for batch in export_calls(conn, CallFilter(started_from=since_at,
                                                         tactic_id=tactic.id if tactic else None)):
            counts.update(r.outcome or "no_outcome" for r in batch)
        figures = {"outcomes": dict(counts.most_common())}
        if not counts:
            return AnalyticsAnswer(f"There were no calls{scope} {when}.", q, days, figures)
        parts = [f"{humanize(o)} {n}" for o, n in counts.most_common(6)]
        text = f"Outcomes{scope} {when}: " + ", ".join(parts) + "."
        if len(counts) > 6:
            text += f" And {len(counts) - 6} more kinds."
        return AnalyticsAnswer(text, q, days, figures)

    if q.metric == "latency":
        lat = await latency_since(conn, since_at)
        p50, p95 = getattr(lat, f"{q.latency}_p50_ms"), getattr(lat, f"{q.latency}_p95_ms")
        figures = {"turns": lat.turns, "p50_ms": p50, "p95_ms": p95, "kind": q.latency}
        label = {"voice_to_voice": "Voice-to-voice latency", "overhead": "Archer's own overhead",
                 "first_sentence": "Time to the first sentence", "llm_ttft": "The language model's first token"}
        if p50 is None:
            return AnalyticsAnswer(f"{label[q.latency]} was not measured {when}.", q, days, figures)
        return AnalyticsAnswer(f"{label[q.latency]} {when}: p50 {millis(p50)}, p95 {millis(p95)}.", q, days,
                               figures)

    categories = ("guard_block",) if q.metric == "guard_blocks" else ()
    events = [e for e in await recent_events(conn, categories, limit=EVENTS_READ) if e.occurred_at >= since_at]
    by_category = Counter(e.category for e in events)
    figures = {"events": len(events), "by_category": dict(by_category.most_common())}
    capped = " at least" if len(events) >= EVENTS_READ else ""
    if q.metric == "guard_blocks":
        text = f"The compliance guard stopped{capped} {_plural(len(events), 'sentence')} {when}."
    elif not events:
        text = f"There were no compliance events {when}."
    else:
        top = ", ".join(f"{humanize(c)} {n}" for c, n in by_category.most_common(4))
        text = f"There were{capped} {_plural(len(events), 'compliance event')} {when}: {top}."
    return AnalyticsAnswer(text, q, days, figures)
