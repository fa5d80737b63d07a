"""Twilio's call callbacks: POST /api/twilio/status (state machine), /amd (answering machine), /recording.

All are idempotent and order-tolerant; they answer 204. A call we do not know is logged and acknowledged.
"""
from __future__ import annotations

import logging
import uuid
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException, Request, Response
from psycopg import AsyncConnection

from functions.deps import db_conn, get_pool, now
from functions.problems import problem_responses
from functions.twilio.security import WEBHOOK_ERRORS, WEBHOOK_REQUEST, twilio_params
from functions.twilio.services import call_control, workflow_starter
from functions.workflows import recording_activities
from shared.db.calls import Call, update_call
from shared.settings import get_settings
from shared.telephony.answering_machine import handle_amd
from shared.telephony.call_status import StatusEvent, UnknownStatusError, apply_status, is_terminal, lock_call
from shared.telephony.recordings import RecordingEvent, record_recording
from shared.telephony.twilio_call_control import TwilioCallControl

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/twilio", tags=["twilio"])
Params = Annotated[dict[str, str], Depends(twilio_params)]
# scope="function": committed before Twilio gets its 2xx, so an acknowledged callback is never lost.
Conn = Annotated[AsyncConnection, Depends(db_conn, scope="function")]
NO_CONTENT = 204


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _timestamp(value: str | None, fallback: datetime) -> datetime:
    try:
        parsed = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        parsed = None
    return parsed if parsed is not None and parsed.tzinfo is not None else fallback


async def _find_call(conn: AsyncConnection, request: Request, call_sid: str) -> Call | None:
    """By our `?call_id=` (present before the SID is stored), else by Twilio's CallSid."""
    raw = request.query_params.get("call_id")
    try:
        call = await lock_call(conn, call_id=uuid.UUID(raw)) if raw else None
    except ValueError:
        call = None
    if call is not None and call.call_sid is None and call_sid:
        return await update_call(conn, call.id, call_sid=call_sid)
    if call is not None and call.call_sid == call_sid:
        return call
    return await lock_call(conn, call_sid=call_sid) if call_sid else None


@router.post("/status", status_code=NO_CONTENT, response_class=Response,
             responses={**WEBHOOK_ERRORS, **problem_responses(400)}, openapi_extra=WEBHOOK_REQUEST)
async def status(request: Request, params: Params) -> Response:
    """Advance the call's status (never backwards); tell the waiting workflow when it reaches its end."""
    try:
        event = StatusEvent(status=params.get("CallStatus", ""),
                            timestamp=_timestamp(params.get("Timestamp"), now(request)),
                            sequence=_int(params.get("SequenceNumber")), duration_s=_int(params.get("CallDuration")),
                            answered_by=params.get("AnsweredBy"))
        pool = await get_pool(request.app)
        async with pool.connection() as conn:
            call = await _find_call(conn, request, params.get("CallSid", ""))
            if call is None:
                log.warning("status_unknown_call", extra={"call_sid": params.get("CallSid")})
                return Response(status_code=NO_CONTENT)
            call, transition = await apply_status(conn, call, event)
    except UnknownStatusError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    log.info("call_status", extra={"call_id": str(call.id), "status": call.status, "event": event.status,
                                   "changed": sorted(transition.changes)})
    starter = workflow_starter(request)
    if starter is not None and is_terminal(event.status) and is_terminal(call.status):
        # At least once, after commit: a retried final callback notifies again; the workflow side dedups.
        await starter.notify_call_outcome(call.id, call.status, call.outcome)
    return Response(status_code=NO_CONTENT)


@router.post("/amd", status_code=NO_CONTENT, response_class=Response, responses=WEBHOOK_ERRORS,
             openapi_extra=WEBHOOK_REQUEST)
async def amd(params: Params, conn: Conn,
              control: Annotated[TwilioCallControl, Depends(call_control)]) -> Response:
    """Async AMD result: a machine gets the limited-content voicemail, then the call ends."""
    await handle_amd(conn, call_sid=params.get("CallSid", ""), answered_by=params.get("AnsweredBy", ""),
                     control=control, settings=get_settings())
    return Response(status_code=NO_CONTENT)


@router.post("/recording", status_code=NO_CONTENT, response_class=Response, responses=WEBHOOK_ERRORS,
             openapi_extra=WEBHOOK_REQUEST)
async def recording(params: Params, conn: Conn, request: Request, background: BackgroundTasks) -> Response:
    """A finished recording: SID, URL, duration and channels onto its call; a dual-channel one is then analysed."""
    stored = await record_recording(conn, RecordingEvent(
        call_sid=params.get("CallSid", ""), recording_sid=params.get("RecordingSid", ""),
        url=params.get("RecordingUrl", ""), status=params.get("RecordingStatus", ""),
        duration_s=_int(params.get("RecordingDuration")), channels=_int(params.get("RecordingChannels"))))
    call = await lock_call(conn, call_sid=params.get("CallSid", "")) if stored else None
    if call is not None and call.recording_channels == 2:  # after the commit and the 204 (functions/workflows)
        background.add_task(recording_activities.request_analysis, request.app, call.id)
    return Response(status_code=NO_CONTENT)
