"""GET /api/v1/dashboard: today's calls, active calls, average duration, success rate, voice latency p50/p95,
and a tactic comparison over the last 30 days (rolled-up days plus today's live counts)."""
from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from functions.api.common import DB, READ_ERRORS, Viewer
from functions.api.metrics import CallMetrics
from shared.admin.call_stats import Totals, active_calls, day_stats, latency_since

router = APIRouter(prefix="/api/v1/dashboard", tags=["dashboard"])
COMPARISON_DAYS = 30


class TodayFigures(CallMetrics):
    active_calls: int = Field(description="calls queued, ringing or in progress now", examples=[3])


class LatencyFigures(BaseModel):
    turns: int = Field(description="agent turns measured today")
    voice_to_voice_p50_ms: float | None = Field(examples=[640.0])
    voice_to_voice_p95_ms: float | None = Field(examples=[910.0])
    overhead_p50_ms: float | None = Field(examples=[6.5])
    overhead_p95_ms: float | None = Field(examples=[12.0])


class TacticComparison(CallMetrics):
    tactic_id: int | None
    tactic_name: str | None


class Dashboard(BaseModel):
    generated_at: datetime
    day: date
    today: TodayFigures
    latency: LatencyFigures
    comparison_since: date
    tactics: list[TacticComparison]


@router.get("", response_model=Dashboard, responses=READ_ERRORS)
async def dashboard(principal: Viewer, conn: DB) -> Dashboard:
    now = datetime.now(UTC)
    today = now.date()
    since = today - timedelta(days=COMPARISON_DAYS - 1)
    stats = await day_stats(conn, since, today=today)
    today_totals = Totals()
    per_tactic: defaultdict[Any, Totals] = defaultdict(Totals)
    for s in stats:
        per_tactic[s.tactic_key].add(s)
        if s.day == today:
            today_totals.add(s)
    cur = await conn.execute("SELECT id, name FROM behavioral_tactics")
    names: dict[Any, Any] = dict(await cur.fetchall())
    latency = await latency_since(conn, datetime.combine(today, time(), tzinfo=UTC))
    return Dashboard(
        generated_at=now, day=today,
        today=TodayFigures(active_calls=await active_calls(conn), **CallMetrics.of(today_totals).model_dump()),
        latency=LatencyFigures(**vars(latency)), comparison_since=since,
        tactics=[TacticComparison(tactic_id=k or None, tactic_name=names.get(k),
                                  **CallMetrics.of(t).model_dump()) for k, t in sorted(per_tactic.items())])
