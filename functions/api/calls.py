"""/api/v1/calls: the call history (filters, transcript search, keyset pages), one call in full, CSV export.
(POST /api/v1/calls/initiate lives with the telephony routes.)"""
from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from functions.api.common import DB, ITEM_ERRORS, READ_ERRORS, Page, Viewer, phone_for, text_for
from functions.auth import Principal
from functions.deps import get_pool
from functions.problems import ProblemError
from shared.admin.call_search import (
    BadCursorError,
    CallFilter,
    CallRow,
    call_detail,
    export_calls,
    list_calls,
    transcript_text,
    transcripts_for,
)
from shared.admin.customer_csv import csv_line
from shared.admin.customer_input import BIGINT_MAX
from shared.pii import mask_mapping

router = APIRouter(prefix="/api/v1/calls", tags=["calls"])

CallStatus = Literal["queued", "initiated", "ringing", "in-progress", "completed", "busy", "failed", "no-answer",
                     "canceled"]
CallOutcome = Literal["payment_arranged", "promise_to_pay", "callback_scheduled", "transferred", "refused",
                      "disputed", "cease_requested", "attorney", "bankruptcy", "wrong_party", "verification_failed",
                      "voicemail", "no_answer", "busy", "failed", "hung_up", "completed_no_arrangement", "hardship",
                      "fraud", "already_paid", "validation_requested", "sensitive_hold", "emergency"]


class CallSummary(BaseModel):
    id: uuid.UUID
    call_sid: str | None
    customer_id: uuid.UUID | None
    customer_name: str | None
    direction: str
    call_type: str
    status: str = Field(examples=["completed"])
    outcome: str | None = Field(examples=["promise_to_pay"])
    tactic_id: int | None
    tactic_name: str | None = Field(examples=["empathetic_gradual"])
    tactic_version: int | None
    campaign_id: uuid.UUID | None
    to_number: str | None
    answered_by: str | None
    verified: bool
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    duration_s: int | None
    recording_url: str | None

    @classmethod
    def of(cls, row: CallRow, principal: Principal) -> CallSummary:
        data = {name: getattr(row, name) for name in cls.model_fields}
        data["to_number"] = phone_for(principal, row.to_number)
        return cls(**data)


class TranscriptLineOut(BaseModel):
    seq: int
    speaker: Literal["agent", "caller", "system"]
    text: str
    interrupted: bool
    spoken_at: datetime


class ToolRunOut(BaseModel):
    seq: int
    name: str
    arguments: dict[str, Any]
    result: Any = None
    success: bool
    error: str | None
    duration_ms: Decimal
    executed_at: datetime


class ComplianceEventOut(BaseModel):
    id: int
    category: str
    code: str
    details: dict[str, Any]
    occurred_at: datetime


class TurnLatencyOut(BaseModel):
    turn: int
    stt_ms: Decimal | None
    llm_ttft_ms: Decimal | None
    first_sentence_ms: Decimal | None
    tts_ttfb_ms: Decimal | None
    first_frame_ms: Decimal | None
    voice_to_voice_ms: Decimal | None
    overhead_ms: Decimal | None
    interrupted: bool


class CallDetailOut(CallSummary):
    recording_sid: str | None
    recording_duration_s: int | None
    error_code: str | None
    transcript: list[TranscriptLineOut]
    tool_executions: list[ToolRunOut]
    compliance_events: list[ComplianceEventOut]
    turn_latencies: list[TurnLatencyOut]


def call_filter(status: CallStatus | None = None, outcome: CallOutcome | None = None,
                tactic_id: int | None = Query(default=None, ge=1, le=BIGINT_MAX),
                customer_id: uuid.UUID | None = None, campaign_id: uuid.UUID | None = None,
                started_from: datetime | None = Query(default=None, alias="from", description="started at or after"),
                started_to: datetime | None = Query(default=None, alias="to", description="started before"),
                q: str | None = Query(default=None, min_length=1, max_length=200, pattern=r"^[^\x00]*$",
                                      description="words in the transcript (web search syntax)")) -> CallFilter:
    return CallFilter(status=status, outcome=outcome, tactic_id=tactic_id, customer_id=customer_id,
                      campaign_id=campaign_id, started_from=started_from, started_to=started_to, text=q)


@router.get("", response_model=Page[CallSummary], responses=READ_ERRORS)
async def list_all(principal: Viewer, conn: DB, f: CallFilter = Depends(call_filter),
                   limit: int = Query(default=50, ge=1, le=200),
                   cursor: str | None = Query(default=None, max_length=200)) -> Page[CallSummary]:
    """Calls, newest first; pass `next_cursor` back as `cursor` for the next page."""
    try:
        rows, next_cursor = await list_calls(conn, f, limit=limit, cursor=cursor)
    except BadCursorError as exc:
        raise ProblemError(422, str(exc)) from None
    return Page(items=[CallSummary.of(r, principal) for r in rows], next_cursor=next_cursor)


EXPORT_COLUMNS = ("id", "started_at", "ended_at", "duration_s", "status", "outcome", "direction", "call_type",
                  "customer_id", "customer_name", "to_number", "tactic_name", "tactic_version", "verified",
                  "answered_by", "campaign_id")


@router.get("/export.csv", response_class=StreamingResponse, responses={
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "matching calls as CSV"},
    **READ_ERRORS})
async def export_csv(principal: Viewer, request: Request, f: CallFilter = Depends(call_filter),
                     transcripts: bool = Query(default=False, description="add a `transcript` column "
                                               "(one line per utterance, UTC times)")) -> StreamingResponse:
    """Every call matching the filters, newest first, streamed as CSV."""
    pool = await get_pool(request.app)
    header = [*EXPORT_COLUMNS, "transcript"] if transcripts else list(EXPORT_COLUMNS)

    async def body() -> AsyncIterator[str]:
        yield csv_line(header)
        async with pool.connection() as conn:
            async for rows in export_calls(conn, f):
                lines = await transcripts_for(conn, [r.id for r in rows]) if transcripts else {}
                yield "".join(csv_line([getattr(CallSummary.of(r, principal), c) for c in EXPORT_COLUMNS]
                                       + ([text_for(principal, transcript_text(lines.get(r.id, [])))]
                                          if transcripts else []))
                              for r in rows)

    return StreamingResponse(body(), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": 'attachment; filename="calls.csv"'})


@router.get("/{call_id}", response_model=CallDetailOut, responses=ITEM_ERRORS)
async def read(call_id: uuid.UUID, principal: Viewer, conn: DB) -> CallDetailOut:
    """One call with its transcript, tool executions, compliance events, per-turn latencies and recording."""
    d = await call_detail(conn, call_id)
    summary = CallSummary.of(d.call, principal)
    masked = principal.masks_pii
    return CallDetailOut(
        **summary.model_dump(), recording_sid=d.recording_sid, recording_duration_s=d.recording_duration_s,
        error_code=d.error_code,
        transcript=[TranscriptLineOut(seq=t.seq, speaker=t.speaker, text=text_for(principal, t.text),  # type: ignore[arg-type]
                                      interrupted=t.interrupted, spoken_at=t.spoken_at) for t in d.transcript],
        tool_executions=[ToolRunOut(seq=t.seq, name=t.name,
                                    arguments=mask_mapping(t.arguments) if masked else t.arguments,
                                    result=_mask_result(t.result) if masked else t.result, success=t.success,
                                    error=t.error, duration_ms=t.duration_ms, executed_at=t.executed_at)
                         for t in d.tools],
        compliance_events=[ComplianceEventOut(id=e.id, category=e.category, code=e.code,
                                              details=mask_mapping(e.details) if masked else e.details,
                                              occurred_at=e.occurred_at) for e in d.compliance],
        turn_latencies=[TurnLatencyOut(**vars(t)) for t in d.turns])


CALL_EXPORT_COLUMNS = ("at", "kind", "who", "text", "interrupted", "details")


@router.get("/{call_id}/export.csv", response_class=StreamingResponse, responses={
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "one call's timeline as CSV"},
    **ITEM_ERRORS})
async def export_one_csv(call_id: uuid.UUID, principal: Viewer, conn: DB) -> StreamingResponse:
    """One call as CSV: a summary row, then its transcript lines, tool runs and compliance events in time order."""
    d = await read(call_id, principal, conn)
    rows: list[tuple[datetime, list[Any]]] = [(d.started_at, [d.started_at, "call", d.customer_name,
        f"{d.call_type} {d.direction} call, status {d.status}, outcome {d.outcome or '-'}", "", ""])]
    rows += [(t.spoken_at, [t.spoken_at, "speech", t.speaker, t.text, t.interrupted, ""]) for t in d.transcript]
    rows += [(t.executed_at, [t.executed_at, "tool", t.name, "ok" if t.success else (t.error or "failed"), "",
                              json.dumps({"arguments": t.arguments, "result": t.result}, default=str)])
             for t in d.tool_executions]
    rows += [(e.occurred_at, [e.occurred_at, "compliance", e.category, e.code, "", json.dumps(e.details, default=str)])
             for e in d.compliance_events]
    rows.sort(key=lambda r: r[0])
    text = csv_line(list(CALL_EXPORT_COLUMNS)) + "".join(csv_line(r) for _, r in rows)
    return StreamingResponse(iter([text]), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="call-{call_id}.csv"'})


def _mask_result(result: Any) -> Any:
    if isinstance(result, dict):
        return mask_mapping(result)
    return result
