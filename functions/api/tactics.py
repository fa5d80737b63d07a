"""/api/v1/tactics: behavioral tactics (admin writes; every config change is a new version) and
GET /api/v1/tactics/{id}/performance by period and by version."""
from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from functions.api.common import DB, ITEM_ERRORS, READ_ERRORS, WRITE_ERRORS, Admin, Audit, Clock, Viewer
from functions.api.metrics import CallMetrics
from shared.admin.call_stats import Totals, day_stats
from shared.admin.customer_input import BIGINT_MAX
from shared.admin.tactic_versions import list_versions
from shared.agent.prompt import tactic_section
from shared.db import tactics as repo

router = APIRouter(prefix="/api/v1/tactics", tags=["tactics"])
TacticId = Path(ge=1, le=BIGINT_MAX)


class TacticConfig(BaseModel):
    """The four style dimensions, 1 (low) to 10 (high). No tactic can override compliance."""

    model_config = ConfigDict(extra="forbid")

    urgency: int = Field(ge=1, le=10, examples=[5])
    empathy: int = Field(ge=1, le=10, examples=[7])
    persistence: int = Field(ge=1, le=10, examples=[6])
    authority: int = Field(ge=1, le=10, examples=[5])


class TacticIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{1,62}$", examples=["calm_plan_first"])
    archetype: Literal["aggressive", "empathetic", "balanced", "stern", "custom"] = "custom"
    description: str = Field(default="", max_length=2000, pattern=r"^[^\x00]*$")
    config: TacticConfig


class TacticPatch(BaseModel):
    """A config or description change makes a new version; `active` alone does not."""

    model_config = ConfigDict(extra="forbid")

    description: str | None = Field(default=None, max_length=2000, pattern=r"^[^\x00]*$")
    config: TacticConfig | None = None
    active: bool | None = None


class TacticOut(BaseModel):
    id: int
    name: str
    archetype: str
    description: str
    config: dict[str, Any]
    version: int = Field(description="bumped on every config or description change; calls record it")
    active: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, t: repo.Tactic) -> TacticOut:
        return cls(**{name: getattr(t, name) for name in cls.model_fields})


class TacticVersionOut(BaseModel):
    version: int
    config: dict[str, Any]
    description: str
    created_by: str | None
    created_at: datetime


class TacticPreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Lenient on purpose: the editor previews while the name is still being typed.
    name: str = Field(default="custom", max_length=100, pattern=r"^[^\x00-\x1f]*$", examples=["calm_plan_first"])
    config: TacticConfig


class TacticPreview(BaseModel):
    prompt: str = Field(description="the style section of the agent's system prompt, as the engine writes it")


class PeriodMetrics(CallMetrics):
    period_start: date


class VersionMetrics(CallMetrics):
    version: int | None = Field(description="the tactic version the calls used (null: not recorded)")


class TacticPerformance(BaseModel):
    tactic_id: int
    name: str
    period: Literal["day", "week", "month"]
    since: date
    totals: CallMetrics
    periods: list[PeriodMetrics]
    versions: list[VersionMetrics]


@router.get("", response_model=list[TacticOut], responses=READ_ERRORS)
async def list_all(principal: Viewer, conn: DB, include_inactive: bool = False) -> list[TacticOut]:
    return [TacticOut.of(t) for t in await repo.list_tactics(conn, include_inactive=include_inactive)]


@router.post("", status_code=201, response_model=TacticOut, responses=WRITE_ERRORS,
             openapi_extra={"requestBody": {"content": {"application/json": {"example": {
                 "name": "calm_plan_first", "archetype": "custom", "description": "Plans before settlements.",
                 "config": {"urgency": 4, "empathy": 8, "persistence": 5, "authority": 4}}}}}})
async def create(body: TacticIn, principal: Admin, audit: Audit, conn: DB) -> TacticOut:
    tactic = await repo.create_tactic(conn, name=body.name, archetype=body.archetype,
                                      config=body.config.model_dump(), description=body.description,
                                      created_by=principal.subject)
    await audit.record(conn, action="create", resource_type="tactic", resource_id=tactic.id, after=tactic)
    return TacticOut.of(tactic)


@router.post("/preview", response_model=TacticPreview, responses=READ_ERRORS,
             openapi_extra={"requestBody": {"content": {"application/json": {"example": {
                 "name": "calm_plan_first", "config": {"urgency": 4, "empathy": 8, "persistence": 5,
                                                       "authority": 4}}}}}})
async def preview(body: TacticPreviewIn, principal: Viewer) -> TacticPreview:
    """The prompt section a tactic configuration produces (changes nothing; compliance rules follow it)."""
    return TacticPreview(prompt=tactic_section(body.name or "custom", body.config.model_dump()))


@router.get("/{tactic_id}", response_model=TacticOut, responses=ITEM_ERRORS)
async def read(principal: Viewer, conn: DB, tactic_id: int = TacticId) -> TacticOut:
    return TacticOut.of(await repo.get_tactic(conn, tactic_id))


@router.patch("/{tactic_id}", response_model=TacticOut, responses=WRITE_ERRORS)
async def update(body: TacticPatch, principal: Admin, audit: Audit, conn: DB, tactic_id: int = TacticId) -> TacticOut:
    before = await repo.get_tactic(conn, tactic_id)
    after = await repo.update_tactic(conn, tactic_id, config=body.config.model_dump() if body.config else None,
                                     description=body.description, active=body.active, created_by=principal.subject)
    await audit.record(conn, action="update", resource_type="tactic", resource_id=tactic_id, before=before,
                       after=after)
    return TacticOut.of(after)


@router.delete("/{tactic_id}", status_code=204, response_class=Response, responses=WRITE_ERRORS)
async def deactivate(principal: Admin, audit: Audit, conn: DB, tactic_id: int = TacticId) -> Response:
    """Retire a tactic: it is deactivated, never erased, because calls keep referring to its versions."""
    before = await repo.get_tactic(conn, tactic_id)
    after = await repo.update_tactic(conn, tactic_id, active=False)
    await audit.record(conn, action="deactivate", resource_type="tactic", resource_id=tactic_id, before=before,
                       after=after)
    return Response(status_code=204)


@router.get("/{tactic_id}/versions", response_model=list[TacticVersionOut], responses=ITEM_ERRORS)
async def versions(principal: Viewer, conn: DB, tactic_id: int = TacticId) -> list[TacticVersionOut]:
    await repo.get_tactic(conn, tactic_id)
    return [TacticVersionOut(**vars(v)) for v in await list_versions(conn, tactic_id)]


def _period_start(d: date, period: str) -> date:
    if period == "week":
        return d - timedelta(days=d.weekday())
    if period == "month":
        return d.replace(day=1)
    return d


@router.get("/{tactic_id}/performance", response_model=TacticPerformance, responses=ITEM_ERRORS)
async def performance(principal: Viewer, conn: DB, now: Clock, tactic_id: int = TacticId,
                      period: Literal["day", "week", "month"] = "week",
                      days: int = Query(default=90, ge=1, le=730, description="how far back (UTC days)")
                      ) -> TacticPerformance:
    """Calls, right-party-contact rate, verification rate, promise-to-pay rate and average arrangement amount
    for this tactic, per period and per version."""
    tactic = await repo.get_tactic(conn, tactic_id)
    today = now.astimezone(UTC).date()
    since = today - timedelta(days=days - 1)
    stats = await day_stats(conn, since, tactic_id=tactic_id, today=today)
    overall = Totals()
    by_period: defaultdict[Any, Totals] = defaultdict(Totals)
    by_version: defaultdict[Any, Totals] = defaultdict(Totals)
    for s in stats:
        overall.add(s)
        by_period[_period_start(s.day, period)].add(s)
        by_version[s.version_key].add(s)
    return TacticPerformance(
        tactic_id=tactic.id, name=tactic.name, period=period, since=since, totals=CallMetrics.of(overall),
        periods=[PeriodMetrics(period_start=p, **CallMetrics.of(t).model_dump()) for p, t in sorted(by_period.items())],
        versions=[VersionMetrics(version=v or None, **CallMetrics.of(t).model_dump())
                  for v, t in sorted(by_version.items())])
