"""POST /api/twilio/voice (the answer webhook) and POST /api/twilio/whisper (the note a human agent hears).

The voice webhook always answers with TwiML: any failure becomes a polite spoken goodbye, never a 500.
"""
from __future__ import annotations

import logging
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from functions.deps import get_pool, now
from functions.twilio.security import TWIML_OK, WEBHOOK_ERRORS, WEBHOOK_REQUEST, twilio_params, twiml_response
from shared.settings import get_settings
from shared.telephony import twiml
from shared.telephony.voice_answer import VoiceRequest, answer_call

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/twilio", tags=["twilio"])
Params = Annotated[dict[str, str], Depends(twilio_params)]


def _call_id(raw: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw) if raw else None
    except ValueError:
        return None


@router.post("/voice", response_class=Response, responses={**TWIML_OK, **WEBHOOK_ERRORS},
             openapi_extra=WEBHOOK_REQUEST)
async def voice(request: Request, params: Params) -> Response:
    """TwiML for a call Twilio has connected: outbound (ours, `?call_id=`) or inbound (matched by caller ID)."""
    req = VoiceRequest(call_sid=params.get("CallSid", ""), from_number=params.get("From", ""),
                       to_number=params.get("To", ""), direction=params.get("Direction", ""),
                       call_id=_call_id(request.query_params.get("call_id")))
    try:
        pool = await get_pool(request.app)
        async with pool.connection() as conn:
            answer = await answer_call(conn, req, settings=get_settings(), now=now(request))
    except Exception:
        log.exception("voice_webhook_failed", extra={"call_id": str(req.call_id) if req.call_id else None})
        return twiml_response(twiml.polite_error_twiml())
    return twiml_response(answer.twiml)


@router.post("/whisper", response_class=Response, responses={**TWIML_OK, **WEBHOOK_ERRORS},
             openapi_extra=WEBHOOK_REQUEST)
async def whisper(request: Request, _: Params) -> Response:
    """Spoken to the human agent before a transferred caller is connected; the note travels in our signed URL."""
    return twiml_response(twiml.whisper_twiml(request.query_params.get("note", "")[:200]))
