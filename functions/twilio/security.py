"""The signature gate for Twilio webhooks: a FastAPI dependency returning the verified form parameters.

Missing, forged, or replayed-on-another-URL signatures get 403 before any handler code runs; signed fields that
are not what Twilio sends (a SID of the wrong shape, a NUL, an over-long value) get 400, before any SQL.
"""
from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import parse_qsl

from fastapi import HTTPException, Request, Response

from functions.problems import problem_responses
from shared.settings import get_settings
from shared.telephony.webhook_signature import is_valid_signature, public_url

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 64 * 1024
TWIML_MEDIA_TYPE = "application/xml"
MAX_FIELD_CHARS = 2000
# Twilio's identifiers: two-letter prefix + 32 hex digits.
_SID = {"CallSid": "CA", "ParentCallSid": "CA", "AccountSid": "AC", "RecordingSid": "RE", "MessageSid": "SM|MM",
        "SmsSid": "SM|MM", "SmsMessageSid": "SM|MM", "StreamSid": "MZ"}
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{0,40}$")   # statuses, directions, AnsweredBy...
_TOKEN_FIELDS = ("CallStatus", "Direction", "AnsweredBy", "RecordingStatus", "SmsStatus", "MessageStatus")
_NUMBER_FIELDS = ("CallDuration", "SequenceNumber", "RecordingDuration", "RecordingChannels", "NumMedia")


class WebhookFieldError(ValueError):
    """A signed webhook field Twilio would never send; `field` names it (its value is never logged)."""

    def __init__(self, field: str) -> None:
        super().__init__(f"invalid webhook field {field}")
        self.field = field


def validate_fields(params: dict[str, str]) -> None:
    """Lengths and characters of the fields we read; raises WebhookFieldError on the first bad one."""
    for key, value in params.items():
        if len(key) > 100 or len(value) > MAX_FIELD_CHARS or "\x00" in value or "\x00" in key:
            raise WebhookFieldError(key[:40])
    for key, prefix in _SID.items():
        sid = params.get(key)
        if sid and not re.fullmatch(rf"(?:{prefix})[0-9a-fA-F]{{32}}", sid):
            raise WebhookFieldError(key)
    for key in _TOKEN_FIELDS:
        if key in params and not _TOKEN.match(params[key]):
            raise WebhookFieldError(key)
    for key in _NUMBER_FIELDS:
        number = params.get(key)
        if number and not (number.isascii() and number.isdigit() and len(number) <= 10):
            raise WebhookFieldError(key)


async def twilio_params(request: Request) -> dict[str, str]:
    """The webhook's form fields (first value of each), once the signature over the public URL checks out."""
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise HTTPException(status_code=413, detail="request body too large")
    pairs = parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    settings = get_settings()
    url = public_url(public_base_url=settings.public_base_url, path=request.url.path, query=request.url.query,
                     headers=request.headers, received_url=str(request.url))
    if not is_valid_signature(auth_token=settings.secret("twilio_auth_token"), url=url, params=pairs,
                              signature=request.headers.get("x-twilio-signature")):
        reason = "missing" if not request.headers.get("x-twilio-signature") else "invalid"
        log.warning("twilio_signature_rejected", extra={"path": request.url.path, "reason": reason})
        raise HTTPException(status_code=403, detail="invalid Twilio signature")
    params: dict[str, str] = {}
    for key, value in pairs:
        params.setdefault(key, value)
    try:
        validate_fields(params)
    except WebhookFieldError as exc:
        log.warning("twilio_webhook_field_rejected", extra={"path": request.url.path, "field": exc.field})
        raise HTTPException(status_code=400, detail=f"invalid field {exc.field}") from None
    return params


# OpenAPI: what every webhook may answer besides its success (the form body is Twilio's, signed, not modelled).
WEBHOOK_ERRORS = problem_responses(400, 403, 413)
# The request as Twilio sends it: a signed form (fields vary by webhook and are Twilio's to define).
WEBHOOK_REQUEST = {
    "parameters": [{"name": "X-Twilio-Signature", "in": "header", "required": False, "schema": {"type": "string"},
                    "description": "Twilio's HMAC-SHA1 over the public URL and the form; absent or wrong → 403"}],
    "requestBody": {"required": False, "content": {"application/x-www-form-urlencoded": {
        "schema": {"type": "object", "additionalProperties": {"type": "string"}},
        "example": {"CallSid": "CA00000000000000000000000000000000", "CallStatus": "completed"}}}},
}
TWIML_OK: dict[int | str, dict[str, Any]] = {
    200: {"description": "TwiML", "content": {TWIML_MEDIA_TYPE: {"schema": {"type": "string"}}}}}


def twiml_response(document: str) -> Response:
    return Response(content=document, media_type=TWIML_MEDIA_TYPE)
