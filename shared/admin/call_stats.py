"""Call statistics for the dashboard and tactic performance: finished UTC days come from the call_daily_stats
rollup (filled once per day), the last two days are counted live through the started_at indexes."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import class_row

from shared.db.pool import STATEMENT_TIMEOUT_MS

ACTIVE_STATUSES = ("queued", "initiated", "ringing", "in-progress")
PROMISE_OUTCOMES = ("payment_arranged", "promise_to_pay")
NO_PARTY_OUTCOMES = ("wrong_party", "voicemail", "no_answer", "busy", "failed")
LIVE_DAYS = 2  # today and yesterday stay live: late status callbacks may still change them


@dataclass(frozen=True)
class DayStat:
    day: date
    tactic_key: int
    version_key: int
    calls: int
    connected: int
    right_party: int
    verified: int
    promised: int
    ended: int
    duration_sum_s: int
    duration_n: int
    arrangements: int
    arrangement_total: Decimal


@dataclass
class Totals:
    """Summed counts, with the rates the API reports."""

    calls: int = 0
    connected: int = 0
    right_party: int = 0
    verified: int = 0
    promised: int = 0
    ended: int = 0
    duration_sum_s: int = 0
    duration_n: int = 0
    arrangements: int = 0
    arrangement_total: Decimal = Decimal("0")

    def add(self, s: DayStat) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(s, f.name))

    @staticmethod
    def _rate(n: int, d: int) -> float | None:
        return round(n / d, 4) if d else None

    @property
    def right_party_rate(self) -> float | None:
        """Right-party contacts per call placed."""
        return self._rate(self.right_party, self.calls)

    @property
    def verification_rate(self) -> float | None:
        """Verified identities per right-party contact."""
        return self._rate(self.verified, self.right_party)

    @property
    def promise_rate(self) -> float | None:
        """Arrangements or promises to pay per right-party contact."""
        return self._rate(self.promised, self.right_party)

    @property
    def success_rate(self) -> float | None:
        """Arrangements or promises to pay per connected call."""
        return self._rate(self.promised, self.connected)

    @property
    def average_duration_s(self) -> float | None:
        return round(self.duration_sum_s / self.duration_n, 1) if self.duration_n else None

    @property
    def average_arrangement(self) -> Decimal | None:
        return (self.arrangement_total / self.arrangements).quantize(Decimal("0.01")) if self.arrangements else None


_AGGREGATE = f"""
SELECT (c.started_at AT TIME ZONE 'UTC')::date AS day, COALESCE(c.tactic_id, 0) AS tactic_key,
       COALESCE(c.tactic_version, 0) AS version_key,
       count(*)::int AS calls,
       count(*) FILTER (WHERE c.answered_at IS NOT NULL OR c.conversation_at IS NOT NULL)::int AS connected,
       count(*) FILTER (WHERE c.conversation_at IS NOT NULL
                        AND COALESCE(c.outcome, '') NOT IN {NO_PARTY_OUTCOMES!r})::int AS right_party,
       count(*) FILTER (WHERE c.verified)::int AS verified,
       count(*) FILTER (WHERE c.outcome IN {PROMISE_OUTCOMES!r})::int AS promised,
       count(*) FILTER (WHERE c.ended_at IS NOT NULL)::int AS ended,
       COALESCE(sum(c.duration_s), 0)::bigint AS duration_sum_s, count(c.duration_s)::int AS duration_n,
       COALESCE(sum(a.n), 0)::int AS arrangements, COALESCE(sum(a.total), 0)::numeric(16,2) AS arrangement_total
FROM calls c
LEFT JOIN (SELECT call_id, count(*) AS n, sum(total_amount) AS total FROM payment_arrangements
           WHERE call_id IS NOT NULL AND NOT simulated AND created_at >= %(since)s GROUP BY call_id) a ON a.call_id = c.id
WHERE c.started_at >= %(since)s AND c.started_at < %(until)s AND c.call_type <> 'simulated' {{tactic}}
GROUP BY 1, 2, 3
"""


def _day_start(d: date) -> datetime:
    return datetime.combine(d, time(), tzinfo=UTC)


async def _state(conn: AsyncConnection) -> date | None:
    cur = await conn.execute("SELECT finalized_through FROM call_daily_stats_state WHERE id")
    row = await cur.fetchone()
    return row[0] if row else None


async def refresh_rollups(conn: AsyncConnection, today: date | None = None) -> date | None:
    """Roll up every finished day not yet rolled up; returns the last finalized day. Concurrent callers skip."""
    today = today or datetime.now(UTC).date()
    through = today - timedelta(days=LIVE_DAYS)
    async with conn.transaction():
        await conn.execute("INSERT INTO call_daily_stats_state (id) VALUES (true) ON CONFLICT (id) DO NOTHING")
        done = await _state(conn)
        if done is not None and done >= through:
            return done
        cur = await conn.execute("SELECT pg_try_advisory_xact_lock(hashtext('archer.call_daily_stats'))")
        locked = await cur.fetchone()
        if not locked or not locked[0]:
            return done
        since = _day_start(done + timedelta(days=1)) if done else datetime(1970, 1, 1, tzinfo=UTC)
        await conn.execute("SET LOCAL statement_timeout = 60000")  # the first roll-up may read the whole history
        await conn.execute(
            "INSERT INTO call_daily_stats " + _AGGREGATE.format(tactic="") +
            " ON CONFLICT (day, tactic_key, version_key) DO UPDATE SET calls = EXCLUDED.calls, "
            "connected = EXCLUDED.connected, right_party = EXCLUDED.right_party, verified = EXCLUDED.verified, "
            "promised = EXCLUDED.promised, ended = EXCLUDED.ended, duration_sum_s = EXCLUDED.duration_sum_s, "
            "duration_n = EXCLUDED.duration_n, arrangements = EXCLUDED.arrangements, "
            "arrangement_total = EXCLUDED.arrangement_total",
            {"since": since, "until": _day_start(through + timedelta(days=1))})
        await conn.execute("UPDATE call_daily_stats_state SET finalized_through = %s, refreshed_at = now() WHERE id",
                           (through,))
        await conn.execute(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}")  # back to the usual bound
    return through


async def day_stats(conn: AsyncConnection, since: date, *, tactic_id: int | None = None,
                    today: date | None = None) -> list[DayStat]:
    """Per-day, per-tactic-version counts from `since` (UTC) to now: rolled-up days plus the live ones."""
    today = today or datetime.now(UTC).date()
    done = await refresh_rollups(conn, today)
    live_from = max(since, done + timedelta(days=1)) if done else since
    params: dict[str, Any] = {"since": _day_start(live_from), "until": _day_start(today + timedelta(days=1)),
                              "from_day": since, "done": done, "tactic": tactic_id}
    tactic_sql = "AND c.tactic_id = %(tactic)s" if tactic_id is not None else ""
    rolled_tactic = "AND tactic_key = %(tactic)s" if tactic_id is not None else ""
    sql = (f"SELECT * FROM call_daily_stats WHERE day >= %(from_day)s AND day <= %(done)s {rolled_tactic} "
           f"UNION ALL " + _AGGREGATE.format(tactic=tactic_sql))
    async with conn.cursor(row_factory=class_row(DayStat)) as cur:
        await cur.execute(sql, params)
        return await cur.fetchall()


def total(stats: Iterable[DayStat]) -> Totals:
    t = Totals()
    for s in stats:
        t.add(s)
    return t


@dataclass(frozen=True)
class Latency:
    turns: int
    voice_to_voice_p50_ms: float | None
    voice_to_voice_p95_ms: float | None
    overhead_p50_ms: float | None
    overhead_p95_ms: float | None
    engine_turns: int = 0                       # turns with engine timings but no audio (simulated calls)
    first_sentence_p50_ms: float | None = None
    first_sentence_p95_ms: float | None = None
    llm_ttft_p50_ms: float | None = None
    llm_ttft_p95_ms: float | None = None


async def latency_since(conn: AsyncConnection, since: datetime) -> Latency:
    cur = await conn.execute(
        """SELECT count(*)::int,
                  percentile_cont(0.5) WITHIN GROUP (ORDER BY voice_to_voice_ms),
                  percentile_cont(0.95) WITHIN GROUP (ORDER BY voice_to_voice_ms),
                  percentile_cont(0.5) WITHIN GROUP (ORDER BY overhead_ms),
                  percentile_cont(0.95) WITHIN GROUP (ORDER BY overhead_ms),
                  count(*) FILTER (WHERE voice_to_voice_ms IS NULL
                                   AND COALESCE(first_sentence_ms, llm_ttft_ms) IS NOT NULL)::int,
                  percentile_cont(0.5) WITHIN GROUP (ORDER BY first_sentence_ms),
                  percentile_cont(0.95) WITHIN GROUP (ORDER BY first_sentence_ms),
                  percentile_cont(0.5) WITHIN GROUP (ORDER BY llm_ttft_ms),
                  percentile_cont(0.95) WITHIN GROUP (ORDER BY llm_ttft_ms)
           FROM turn_metrics WHERE recorded_at >= %s""", (since,))
    row = await cur.fetchone()
    assert row is not None

    def r(v: Any) -> float | None:
        return None if v is None else round(float(v), 1)

    return Latency(turns=row[0], voice_to_voice_p50_ms=r(row[1]), voice_to_voice_p95_ms=r(row[2]),
                   overhead_p50_ms=r(row[3]), overhead_p95_ms=r(row[4]), engine_turns=row[5],
                   first_sentence_p50_ms=r(row[6]), first_sentence_p95_ms=r(row[7]), llm_ttft_p50_ms=r(row[8]),
                   llm_ttft_p95_ms=r(row[9]))


async def active_calls(conn: AsyncConnection) -> int:
    # Calls stuck in an active status for more than 6 hours are stale rows, not live calls.
    cur = await conn.execute(
        "SELECT count(*)::int FROM calls WHERE status = ANY(%s) AND started_at > now() - interval '6 hours'",
        (list(ACTIVE_STATUSES),))
    row = await cur.fetchone()
    return int(row[0]) if row else 0
