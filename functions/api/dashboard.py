"""GET /api/v1/dashboard: today's calls and active calls, then — over the reporting window the user chose
(`days`, default 30) — call figures, voice latency p50/p95 and the tactic comparison (rolled-up days plus today's
live counts)."""
from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from functions.api.common import DB, READ_ERRORS, Clock, Viewer
from functions.api.metrics import CallMetrics
from shared.admin.call_stats import Totals, active_calls, day_stats, latency_since

router = APIRouter(prefix="/api/v1/dashboard", tags=["dashboard"])
COMPARISON_DAYS = 30


class TodayFigures(CallMetrics):
    active_calls: int = Field(description="calls queued, ringing or in progress now", examples=[3])


class LatencyFigures(BaseModel):
    turns: int = Field(description="agent turns measured in the window")
    voice_to_voice_p50_ms: float | None = Field(examples=[640.0])
    voice_to_voice_p95_ms: float | None = Field(examples=[910.0])
    overhead_p50_ms: float | None = Field(examples=[6.5])
    overhead_p95_ms: float | None = Field(examples=[12.0])
    engine_turns: int = Field(default=0, description="turns with engine timings only (simulated calls: no audio)")
    first_sentence_p50_ms: float | None = None
    first_sentence_p95_ms: float | None = None
    llm_ttft_p50_ms: float | None = None
    llm_ttft_p95_ms: float | None = None


class TacticComparison(CallMetrics):
    tactic_id: int | None
    tactic_name: str | None


class Dashboard(BaseModel):
    generated_at: datetime
    day: date
    today: TodayFigures
    window_days: int = Field(description="the reporting window: the last N UTC days, today included")
    window: CallMetrics = Field(description="call figures over the reporting window")
    latency: LatencyFigures = Field(description="over the reporting window")
    comparison_since: date = Field(description="first day of the reporting window")
    tactics: list[TacticComparison]


@router.get("", response_model=Dashboard, responses=READ_ERRORS)
async def dashboard(principal: Viewer, conn: DB, now: Clock,
                    days: int = Query(default=COMPARISON_DAYS, ge=1, le=365,
                                      description="reporting window: the last N UTC days, today included")
                    ) -> Dashboard:
    today = now.astimezone(UTC).date()
    since = today - timedelta(days=days - 1)
    stats = await day_stats(conn, since, today=today)
    today_totals, window_totals = Totals(), Totals()
    per_tactic: defaultdict[Any, Totals] = defaultdict(Totals)
    for s in stats:
        per_tactic[s.tactic_key].add(s)
        window_totals.add(s)
        if s.day == today:
            today_totals.add(s)
    cur = await conn.execute("SELECT id, name FROM behavioral_tactics")
    names: dict[Any, Any] = dict(await cur.fetchall())
    latency = await latency_since(conn, datetime.combine(since, time(), tzinfo=UTC))
    return Dashboard(
        generated_at=now, day=today,
        today=TodayFigures(active_calls=await active_calls(conn), **CallMetrics.of(today_totals).model_dump()),
        window_days=days, window=CallMetrics.of(window_totals),
        latency=LatencyFigures(**vars(latency)), comparison_since=since,
        tactics=[TacticComparison(tactic_id=k or None, tactic_name=names.get(k),
                                  **CallMetrics.of(t).model_dump()) for k, t in sorted(per_tactic.items())])
