"""Compliance views: whether a customer may be called now (a pre-dial preview, never recorded), one customer's
compliance timeline, and the newest compliance events across accounts (guard blocks, intents...)."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from functions.api.common import DB, ITEM_ERRORS, READ_ERRORS, Clock, Page, Viewer
from functions.problems import ProblemError
from shared.admin.call_search import BadCursorError
from shared.admin.compliance_feed import recent_events, timeline_page
from shared.admin.contact_preview import preview_contact
from shared.compliance.timeline import TimelineEntry
from shared.db.customers import get_customer

router = APIRouter(tags=["compliance"])
Category = Literal["disclosure", "guard_block", "intent", "action", "consent", "predial", "retention", "dnc", "sms"]


class ContactCheck(BaseModel):
    """The pre-dial gate's answer for a manual collection call right now (nothing is recorded)."""

    allowed: bool
    reason_code: str = Field(examples=["outside_calling_hours"],
                             description="'allowed', or the first reason the call is refused")
    reasons: list[str] = Field(default_factory=list, examples=[["state_frequency_cap", "outside_calling_hours"]],
                               description="every rule that refuses the call (empty when allowed)")
    next_allowed_at: datetime | None = Field(description="when a temporal refusal lifts (null: allowed, or never)")
    local_time: datetime | None = Field(description="now in the customer's zone (null when the zone is uncertain)")
    timezone: str | None = Field(examples=["America/New_York"])


class TimelineItem(BaseModel):
    """One entry of the account's record: a dial decision, a conversation, or a compliance event."""

    kind: str = Field(examples=["attempt"], description="'attempt', 'conversation', or the event's category")
    category: str | None = Field(description="the compliance event's category (null for attempts, conversations)")
    code: str = Field(examples=["allowed"], description="attempt: reason code; conversation: call type; event: code")
    decision: Literal["allow", "deny"] | None = Field(description="attempts only")
    reasons: list[str] = Field(default_factory=list, description="attempts: every rule that denied (else empty)")
    at: datetime
    call_id: uuid.UUID | None

    @classmethod
    def of(cls, e: TimelineEntry) -> TimelineItem:
        event = e.kind not in ("attempt", "conversation")
        decision = e.details.get("decision") if e.kind == "attempt" else None
        reasons = e.details.get("reasons") if e.kind == "attempt" else None
        return cls(kind=e.kind, category=e.kind if event else None, code=e.code,
                   decision=decision if decision in ("allow", "deny") else None,
                   reasons=[str(r) for r in reasons] if isinstance(reasons, list) else [], at=e.at, call_id=e.call_id)


class EventItem(BaseModel):
    """A compliance event (its details are not served here: they may quote the customer)."""

    id: int
    category: str = Field(examples=["guard_block"])
    code: str = Field(examples=["threat_language"])
    occurred_at: datetime
    customer_id: uuid.UUID | None
    customer_name: str | None
    call_id: uuid.UUID | None


class EventList(BaseModel):
    items: list[EventItem]


@router.get("/api/v1/customers/{customer_id}/contact-check", response_model=ContactCheck, responses=ITEM_ERRORS)
async def contact_check(customer_id: uuid.UUID, principal: Viewer, conn: DB, at: Clock) -> ContactCheck:
    """Whether a collection call to this customer would be allowed now, and if not why and until when."""
    preview = await preview_contact(conn, await get_customer(conn, customer_id), now=at)
    return ContactCheck(**vars(preview))


@router.get("/api/v1/customers/{customer_id}/compliance", response_model=Page[TimelineItem], responses=ITEM_ERRORS)
async def customer_compliance(customer_id: uuid.UUID, principal: Viewer, conn: DB,
                              limit: int = Query(default=200, ge=1, le=1000),
                              cursor: str | None = Query(default=None, max_length=300)) -> Page[TimelineItem]:
    """The account's compliance timeline, oldest first: dial decisions, conversations, disclosures, guard
    blocks, intents and actions (keyset pagination)."""
    await get_customer(conn, customer_id)
    try:
        rows, next_cursor = await timeline_page(conn, customer_id, limit=limit, cursor=cursor)
    except BadCursorError as exc:
        raise ProblemError(422, str(exc)) from None
    return Page(items=[TimelineItem.of(e) for e in rows], next_cursor=next_cursor)


@router.get("/api/v1/compliance/events", response_model=EventList, responses=READ_ERRORS)
async def events(principal: Viewer, conn: DB,
                 category: list[Category] | None = Query(default=None, description="repeat for several; all if none"),
                 limit: int = Query(default=50, ge=1, le=500)) -> EventList:
    """The newest compliance events of the chosen categories across all accounts, newest first."""
    rows = await recent_events(conn, category or (), limit=limit)
    return EventList(items=[EventItem(**vars(r)) for r in rows])
