"""The signature gate for Twilio webhooks: a FastAPI dependency returning the verified form parameters.

Missing, forged, or replayed-on-another-URL signatures get 403 before any handler code runs.
"""
from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qsl

from fastapi import HTTPException, Request, Response

from functions.problems import problem_responses
from shared.settings import get_settings
from shared.telephony.webhook_signature import is_valid_signature, public_url

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 64 * 1024
TWIML_MEDIA_TYPE = "application/xml"


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
    return params


# OpenAPI: what every webhook may answer besides its success (the form body is Twilio's, signed, not modelled).
WEBHOOK_ERRORS = problem_responses(403, 413)
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
