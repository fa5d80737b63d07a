"""/api/v1/quality: the quality report for a period (JSON, HTML download), and the per-call review surface —
ratings and transcript corrections (supervisor+), the recording's analysis, and the recording played through an
authorized proxy (GET /api/v1/calls/{id}/recording) so the browser never gets Twilio's URL or credentials.

Plots: the HTML download draws them only where matplotlib is installed (the dev host, `make report`); the Function
app ships without it and serves the same page with every figure but no plots, saying so.
"""
from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from functions.api.common import DB, ITEM_ERRORS, READ_ERRORS, WRITE_ERRORS, Audit, Supervisor, Viewer, text_for
from functions.problems import ProblemError, problem_responses
from shared.db.calls import get_call
from shared.quality import reviews
from shared.quality.dataset import Period
from shared.quality.html import render_html
from shared.quality.model import QualityReport
from shared.quality.report import generate
from shared.settings import get_settings

router = APIRouter(prefix="/api/v1", tags=["quality"])
MAX_PERIOD = timedelta(days=366)
MAX_CALLS = 200


def _period(start: datetime | None, end: datetime | None, calls: list[uuid.UUID] | None) -> Period:
    try:
        end = end or datetime.now(UTC)
        start = start or end - timedelta(days=7)
        start, end = (t if t.tzinfo else t.replace(tzinfo=UTC) for t in (start, end))
        start.astimezone(UTC), end.astimezone(UTC)
    except OverflowError:
        raise ProblemError(422, "the period is outside the supported dates", title="Invalid period") from None
    if start >= end:
        raise ProblemError(422, "'from' must be before 'to'", title="Invalid period")
    if end - start > MAX_PERIOD:
        raise ProblemError(422, "a report covers at most 366 days", title="Invalid period")
    if calls and len(calls) > MAX_CALLS:
        raise ProblemError(422, f"at most {MAX_CALLS} calls per report", title="Invalid call filter")
    return Period(start, end, tuple(calls or ()))


From = Annotated[datetime | None, Query(alias="from", description="period start (default: 7 days before `to`)")]
To = Annotated[datetime | None, Query(alias="to", description="period end, exclusive (default: now)")]
Calls = Annotated[list[uuid.UUID] | None, Query(description="restrict the report to these calls")]


@router.get("/quality/report", response_model=QualityReport, responses=READ_ERRORS)
async def report(principal: Viewer, conn: DB, start: From = None, end: To = None,
                 calls: Calls = None) -> QualityReport:
    """The quality report for a period: percentiles, reply kinds, recordings, ratings, WER and the GO/NO-GO verdict."""
    result, _ = await generate(conn, _period(start, end, calls))
    return result


@router.get("/quality/report.html", response_class=HTMLResponse, responses=READ_ERRORS)
async def report_html(principal: Viewer, conn: DB, start: From = None, end: To = None,
                      calls: Calls = None) -> HTMLResponse:
    """The same report as one self-contained HTML page, as a download."""
    result, plots = await generate(conn, _period(start, end, calls))
    name = f"archer-quality-{result.period_from[:10]}-{result.period_to[:10]}.html"
    page = await asyncio.to_thread(render_html, result, plots)   # plots are CPU work: off the event loop
    return HTMLResponse(page, headers={"Content-Disposition": f'attachment; filename="{name}"'})


# ---- the review of one call -------------------------------------------------------------------------------------
class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    naturalness: int = Field(ge=1, le=10)
    latency_feel: int = Field(ge=1, le=10)
    overall: int = Field(ge=1, le=10)
    comment: str = Field(default="", max_length=2000, pattern=r"^[^\x00]*$")


class RatingOut(BaseModel):
    reviewer: str
    naturalness: int
    latency_feel: int
    overall: int
    comment: str
    updated_at: datetime


class CorrectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=4000, pattern=r"^[^\x00]*\S[^\x00]*$")


class CorrectionOut(BaseModel):
    seq: int
    speaker: str
    original_text: str
    corrected_text: str
    reviewer: str
    updated_at: datetime


class RecordedGap(BaseModel):
    turn: int
    caller_speech_end_ms: float
    agent_audio_start_ms: float
    gap_ms: float


class RecordingAnalysisOut(BaseModel):
    status: Literal["analyzed", "failed"]
    detail: str | None
    analyzed_at: datetime
    gaps: list[RecordedGap]


class CallReview(BaseModel):
    call_id: uuid.UUID
    has_recording: bool
    ratings: list[RatingOut]
    corrections: list[CorrectionOut]
    recording_analysis: RecordingAnalysisOut | None


def _rating(r: reviews.Rating) -> RatingOut:
    return RatingOut(reviewer=r.reviewer, naturalness=r.naturalness, latency_feel=r.latency_feel, overall=r.overall,
                     comment=r.comment, updated_at=r.updated_at)


def _correction(c: reviews.Correction, principal: Viewer) -> CorrectionOut:
    return CorrectionOut(seq=c.seq, speaker=c.speaker, original_text=text_for(principal, c.original_text),
                         corrected_text=text_for(principal, c.corrected_text), reviewer=c.reviewer,
                         updated_at=c.updated_at)


async def _analysis(conn: DB, call_id: uuid.UUID) -> RecordingAnalysisOut | None:
    row = await (await conn.execute("SELECT status, detail, analyzed_at FROM recording_analyses WHERE call_id = %s",
                                    (call_id,))).fetchone()
    if row is None:
        return None
    gaps = await (await conn.execute(
        "SELECT turn, caller_speech_end_ms::float8, agent_audio_start_ms::float8, gap_ms::float8 "
        "FROM recording_turn_gaps WHERE call_id = %s ORDER BY turn", (call_id,))).fetchall()
    return RecordingAnalysisOut(status=row[0], detail=row[1], analyzed_at=row[2],
                                gaps=[RecordedGap(turn=g[0], caller_speech_end_ms=g[1], agent_audio_start_ms=g[2],
                                                  gap_ms=g[3]) for g in gaps])


@router.get("/calls/{call_id}/review", response_model=CallReview, responses=ITEM_ERRORS)
async def call_review(call_id: uuid.UUID, principal: Viewer, conn: DB) -> CallReview:
    """Reviewers' ratings and transcript corrections of a call, and what its recording's analysis found."""
    call = await get_call(conn, call_id)
    return CallReview(call_id=call_id, has_recording=bool(call.recording_url),
                      ratings=[_rating(r) for r in await reviews.list_ratings(conn, call_id)],
                      corrections=[_correction(c, principal) for c in await reviews.list_corrections(conn, call_id)],
                      recording_analysis=await _analysis(conn, call_id))


@router.put("/calls/{call_id}/rating", response_model=RatingOut, responses=WRITE_ERRORS)
async def rate(call_id: uuid.UUID, body: RatingIn, principal: Supervisor, conn: DB, audit: Audit) -> RatingOut:
    """Rate the call (naturalness, latency feel, overall, 1–10) as yourself; rating again replaces your rating."""
    rating = await reviews.rate_call(conn, call_id, principal.subject, naturalness=body.naturalness,
                                     latency_feel=body.latency_feel, overall=body.overall, comment=body.comment)
    await audit.record(conn, action="call.rate", resource_type="call", resource_id=call_id,
                       after=dataclasses.asdict(rating))
    return _rating(rating)


@router.put("/calls/{call_id}/transcript/{seq}/correction", response_model=CorrectionOut, responses=WRITE_ERRORS)
async def correct(call_id: uuid.UUID, seq: Annotated[int, Path(ge=0, le=2_147_483_647)], body: CorrectionIn,
                  principal: Supervisor, conn: DB, audit: Audit) -> CorrectionOut:
    """Record what transcript line `seq` should have said (the original line is kept unchanged)."""
    correction = await reviews.correct_line(conn, call_id, seq, principal.subject, body.text.strip())
    await audit.record(conn, action="call.transcript_correct", resource_type="call", resource_id=call_id,
                       after={"seq": seq, "reviewer": principal.subject})
    return _correction(correction, principal)


@router.get("/calls/{call_id}/recording", response_class=StreamingResponse,
            responses={**problem_responses(401, 403, 404, 429, 502, 503),
                       200: {"content": {"audio/wav": {}}, "description": "the recording's audio"}})
async def recording(call_id: uuid.UUID, principal: Viewer, conn: DB) -> StreamingResponse:
    """The call's recording, streamed from Twilio with the account's credentials (never Twilio's raw URL)."""
    from shared.telephony.recording_media import RecordingUnavailableError, open_recording
    from shared.telephony.twilio_client import TwilioNotConfiguredError

    call = await get_call(conn, call_id)
    if not call.recording_url:
        raise ProblemError(404, "this call has no recording", title="No recording")
    settings = get_settings()
    context = open_recording(settings, call.recording_url)
    try:
        media = await context.__aenter__()
    except TwilioNotConfiguredError:
        raise ProblemError(503, "Twilio is not configured here", title="Recording unavailable") from None
    except RecordingUnavailableError as exc:
        status = 404 if exc.status == 404 else 502
        raise ProblemError(status, f"Twilio did not hand out the recording ({exc.status})",
                           title="Recording unavailable") from None

    async def body() -> AsyncIterator[bytes]:
        try:
            async for chunk in media.chunks:
                yield chunk
        finally:
            await context.__aexit__(None, None, None)

    headers = {"Cache-Control": "private, no-store", "Content-Disposition": f'inline; filename="call-{call_id}.wav"'}
    if media.content_length is not None:
        headers["Content-Length"] = str(media.content_length)
    return StreamingResponse(body(), media_type="audio/wav", headers=headers)
