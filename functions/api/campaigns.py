"""/api/v1/campaigns: create and edit drafts (supervisors), then start, pause, resume or cancel them through
the WorkflowStarter (Durable Functions in Azure, the local driver under `make dev`)."""
from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from functions.api.common import DB, ITEM_ERRORS, READ_ERRORS, WRITE_ERRORS, Audit, Clock, Starter, Supervisor, Viewer
from functions.problems import ProblemError, problem_responses
from shared.admin.campaign_control import (
    apply_status,
    attach_targets,
    delete_draft,
    edit_draft,
    list_campaigns,
    lock_campaign,
    next_status,
)
from shared.admin.campaign_status import Explanation, explain, list_targets, target_counts
from shared.admin.customer_input import BIGINT_MAX
from shared.admin.errors import ConflictError
from shared.db import campaigns as repo

router = APIRouter(prefix="/api/v1/campaigns", tags=["campaigns"])
CampaignStatus = Literal["draft", "running", "paused", "cancelled", "completed"]


class CampaignFilter(BaseModel):
    """Which customers the campaign targets (all given conditions must hold)."""

    model_config = ConfigDict(extra="forbid")

    min_days_overdue: int | None = Field(default=None, ge=0, le=36500)
    max_days_overdue: int | None = Field(default=None, ge=0, le=36500)
    min_balance: Decimal | None = Field(default=None, ge=0, le=Decimal("9999999999.99"), decimal_places=2)
    max_balance: Decimal | None = Field(default=None, ge=0, le=Decimal("9999999999.99"), decimal_places=2)
    country: Literal["US", "CA"] | None = None
    regions: list[str] | None = Field(default=None, max_length=100)
    customer_ids: list[uuid.UUID] | None = Field(default=None, max_length=10000)

    @model_validator(mode="after")
    def _regions(self) -> CampaignFilter:
        if self.regions and any(len(r) != 2 or not r.isascii() or not r.isupper() for r in self.regions):
            raise ValueError("regions are two upper-case letters (e.g. NY, ON)")
        return self


class CampaignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, pattern=r"^[^\x00]*$", examples=["November 60+ days"])
    tactic_id: int | None = Field(default=None, ge=1, le=BIGINT_MAX)
    customer_filter: CampaignFilter = Field(default_factory=CampaignFilter)
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    max_concurrency: int = Field(default=5, ge=1, le=500)
    calls_per_minute: int = Field(default=30, ge=1, le=6000)
    max_attempts: int = Field(default=3, ge=1, le=10)
    retry_delay_minutes: int = Field(default=240, ge=1, le=10080)

    @model_validator(mode="after")
    def _window(self) -> CampaignIn:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class CampaignPatch(BaseModel):
    """Editable while the campaign is a draft."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200, pattern=r"^[^\x00]*$")
    tactic_id: int | None = Field(default=None, ge=1, le=BIGINT_MAX)
    customer_filter: CampaignFilter | None = None
    max_concurrency: int | None = Field(default=None, ge=1, le=500)
    calls_per_minute: int | None = Field(default=None, ge=1, le=6000)
    max_attempts: int | None = Field(default=None, ge=1, le=10)
    retry_delay_minutes: int | None = Field(default=None, ge=1, le=10080)


class ExplanationOut(BaseModel):
    code: str = Field(examples=["all_blocked"], description="dialing, draft, paused, cancelled, finished, no_targets, "
                      "before_window, after_window, all_blocked, waiting_retry")
    message: str
    next_at: datetime | None = Field(default=None, description="when that changes (window opens, next allowed)")
    reasons: dict[str, int] = Field(default_factory=dict, description="gate reason code -> targets it blocks",
                                    examples=[{"outside_calling_hours": 40, "dnc_listed": 2}])


class CampaignOut(BaseModel):
    id: uuid.UUID
    name: str
    status: CampaignStatus
    tactic_id: int | None
    customer_filter: dict[str, Any]
    starts_at: datetime | None
    ends_at: datetime | None
    max_concurrency: int
    calls_per_minute: int
    max_attempts: int
    retry_delay_minutes: int
    instance_id: str | None
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    targets: dict[str, int] = Field(default_factory=dict, description="target counts by status",
                                    examples=[{"pending": 120, "done": 30}])
    explanation: ExplanationOut | None = Field(default=None, description="what it is doing; why nothing dials")

    @classmethod
    def of(cls, c: repo.Campaign, targets: dict[str, int] | None = None,
           explanation: Explanation | None = None) -> CampaignOut:
        return cls(**{n: getattr(c, n) for n in cls.model_fields if n not in ("targets", "explanation")},
                   targets=targets or {}, explanation=ExplanationOut(**vars(explanation)) if explanation else None)


class TargetOut(BaseModel):
    """One campaign target, with the pre-dial gate's decision for it right now (null once it is finished)."""

    id: int
    customer_id: uuid.UUID
    customer_name: str
    status: str
    disposition: str | None
    attempts: int
    next_attempt_at: datetime | None
    last_call_id: uuid.UUID | None
    gate_allowed: bool | None
    gate_reason: str | None
    gate_next_allowed_at: datetime | None
    timezone: str | None = Field(description="the customer's zone the gate uses (null when ambiguous)")


class TargetPage(BaseModel):
    items: list[TargetOut]
    next_cursor: int | None = Field(default=None, description="pass as `after` for the next page")


async def _described(conn: DB, campaigns: list[repo.Campaign], now: datetime) -> list[CampaignOut]:
    counts = await target_counts(conn, [c.id for c in campaigns])
    out = []
    for c in campaigns:
        n = counts.get(c.id, {})
        out.append(CampaignOut.of(c, n, await explain(conn, c, n, now=now)))
    return out


@router.get("", response_model=list[CampaignOut], responses=READ_ERRORS)
async def list_all(principal: Viewer, conn: DB, at: Clock, status: CampaignStatus | None = None,
                   limit: int = Query(default=100, ge=1, le=500)) -> list[CampaignOut]:
    """Campaigns, newest first, with their target counts and what each is doing."""
    return await _described(conn, await list_campaigns(conn, status=status, limit=limit), at)


@router.post("", status_code=201, response_model=CampaignOut, responses=WRITE_ERRORS,
             openapi_extra={"requestBody": {"content": {"application/json": {"example": {
                 "name": "November 60+ days", "tactic_id": 2,
                 "customer_filter": {"min_days_overdue": 60, "country": "US"}, "calls_per_minute": 20}}}}})
async def create(body: CampaignIn, principal: Supervisor, audit: Audit, conn: DB) -> CampaignOut:
    """Create a draft campaign; targets are attached from its filter when it starts."""
    campaign = await repo.create_campaign(
        conn, name=body.name, tactic_id=body.tactic_id, customer_filter=body.customer_filter.model_dump(mode="json",
        exclude_none=True), max_concurrency=body.max_concurrency, calls_per_minute=body.calls_per_minute,
        max_attempts=body.max_attempts, retry_delay_minutes=body.retry_delay_minutes, starts_at=body.starts_at,
        ends_at=body.ends_at, created_by=principal.subject)
    await audit.record(conn, action="create", resource_type="campaign", resource_id=campaign.id, after=campaign)
    return CampaignOut.of(campaign)


@router.get("/{campaign_id}", response_model=CampaignOut, responses=ITEM_ERRORS)
async def read(campaign_id: uuid.UUID, principal: Viewer, conn: DB, at: Clock) -> CampaignOut:
    return (await _described(conn, [await repo.get_campaign(conn, campaign_id)], at))[0]


@router.get("/{campaign_id}/targets", response_model=TargetPage, responses=ITEM_ERRORS)
async def targets(campaign_id: uuid.UUID, principal: Viewer, conn: DB, at: Clock,
                  after: int = Query(default=0, ge=0, le=BIGINT_MAX),
                  limit: int = Query(default=50, ge=1, le=200)) -> TargetPage:
    """The campaign's targets in order, each with its status, attempts, next attempt time and the pre-dial gate's
    decision right now (a preview; nothing is recorded)."""
    await repo.get_campaign(conn, campaign_id)
    rows = await list_targets(conn, campaign_id, now=at, after_id=after, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return TargetPage(items=[TargetOut(**vars(r)) for r in rows], next_cursor=rows[-1].id if more and rows else None)


@router.patch("/{campaign_id}", response_model=CampaignOut, responses=WRITE_ERRORS)
async def update(campaign_id: uuid.UUID, body: CampaignPatch, principal: Supervisor, audit: Audit,
                 conn: DB) -> CampaignOut:
    """Edit a draft (409 once it has started)."""
    changes = body.model_dump(exclude_unset=True, mode="json")
    if isinstance(changes.get("customer_filter"), dict):
        changes["customer_filter"] = {k: v for k, v in changes["customer_filter"].items() if v is not None}
    before, after = await edit_draft(conn, campaign_id, changes)
    await audit.record(conn, action="update", resource_type="campaign", resource_id=campaign_id, before=before,
                       after=after)
    return CampaignOut.of(after)


@router.delete("/{campaign_id}", status_code=204, response_class=Response, responses=WRITE_ERRORS)
async def delete(campaign_id: uuid.UUID, principal: Supervisor, audit: Audit, conn: DB) -> Response:
    """Delete a draft (a campaign that ever ran is kept; cancel it instead)."""
    before = await delete_draft(conn, campaign_id)
    await audit.record(conn, action="delete", resource_type="campaign", resource_id=campaign_id, before=before)
    return Response(status_code=204)


CONTROL_ERRORS = problem_responses(401, 403, 404, 409, 422, 429, 503)


async def _control(action: str, campaign_id: uuid.UUID, starter: Starter, audit: Audit, conn: DB,
                   at: datetime) -> CampaignOut:
    before = await lock_campaign(conn, campaign_id)
    status = next_status(before.status, action)
    instance_id = None
    if action == "start" and await attach_targets(conn, before) == 0 and not await repo.progress(conn, campaign_id):
        raise ConflictError("no eligible targets: no customer matches this campaign's filter (customers who asked "
                            "not to be called are left out), so it was not started; change the filter")
    try:
        if action == "start":
            instance_id = await starter.start_campaign(campaign_id)
        elif before.status != "draft":
            await starter.signal_campaign(campaign_id, action)
    except Exception as exc:  # the workflow host failed: nothing changes here either (the transaction rolls back)
        raise ProblemError(503, f"the workflow host did not accept '{action}' ({type(exc).__name__})",
                           title="Workflows unavailable") from exc
    after = await apply_status(conn, campaign_id, status, instance_id)
    await audit.record(conn, action=action, resource_type="campaign", resource_id=campaign_id, before=before,
                       after=after)
    return (await _described(conn, [after], at))[0]


@router.post("/{campaign_id}/start", response_model=CampaignOut, responses=CONTROL_ERRORS)
async def start(campaign_id: uuid.UUID, principal: Supervisor, starter: Starter, audit: Audit, conn: DB,
                at: Clock) -> CampaignOut:
    """Attach the targets matching the filter and start the campaign workflow (draft → running)."""
    return await _control("start", campaign_id, starter, audit, conn, at)


@router.post("/{campaign_id}/pause", response_model=CampaignOut, responses=CONTROL_ERRORS)
async def pause(campaign_id: uuid.UUID, principal: Supervisor, starter: Starter, audit: Audit, conn: DB,
                at: Clock) -> CampaignOut:
    """running → paused: no new dials; calls in progress finish."""
    return await _control("pause", campaign_id, starter, audit, conn, at)


@router.post("/{campaign_id}/resume", response_model=CampaignOut, responses=CONTROL_ERRORS)
async def resume(campaign_id: uuid.UUID, principal: Supervisor, starter: Starter, audit: Audit, conn: DB,
                 at: Clock) -> CampaignOut:
    """paused → running."""
    return await _control("resume", campaign_id, starter, audit, conn, at)


@router.post("/{campaign_id}/cancel", response_model=CampaignOut, responses=CONTROL_ERRORS)
async def cancel(campaign_id: uuid.UUID, principal: Supervisor, starter: Starter, audit: Audit, conn: DB,
                 at: Clock) -> CampaignOut:
    """draft, running or paused → cancelled."""
    return await _control("cancel", campaign_id, starter, audit, conn, at)
