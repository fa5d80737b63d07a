"""POST /api/v1/calls/initiate: a supervisor places one call (or a simulated one for /sim) through the dialer.

202 with the call id; 409 with the pre-dial gate's reason code and next allowed time; 422 on bad input;
502 when Twilio refused the dial (its error code included); 503 when telephony is not configured.
"""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator

from functions.api.common import DB, Audit, Supervisor
from functions.deps import get_pool, now
from functions.problems import PROBLEM_JSON, ProblemError, problem_responses
from functions.twilio.services import dialer
from shared.db import customers as customers_repo
from shared.db import tactics as tactics_repo
from shared.db.errors import NotFoundError
from shared.phone import to_e164
from shared.telephony.dialer import Dialer, DialNotConfiguredError, DialRequest, DialResult

router = APIRouter(prefix="/api/v1/calls", tags=["calls"])


class InitiateCall(BaseModel):
    """Whom to call (customer id, or the phone number on file) and with which tactic."""

    model_config = ConfigDict(extra="forbid")
    customer_id: uuid.UUID | None = None
    phone: str | None = Field(default=None, max_length=32, examples=["+12125550101"])
    tactic: str | int | None = Field(default=None, description="tactic name or id", examples=["balanced_progression"])
    simulate: bool = Field(default=False, description="create a simulated call for /sim instead of dialing")
    call_type: Literal["manual", "test"] = "manual"

    @model_validator(mode="after")
    def _one_target(self) -> InitiateCall:
        if (self.customer_id is None) == (self.phone is None):
            raise ValueError("give exactly one of customer_id or phone")
        return self


class CallInitiated(BaseModel):
    call_id: uuid.UUID
    status: Literal["dialing", "simulated", "unconfirmed"]
    call_sid: str | None = None


class DialDenied(BaseModel):
    """The pre-dial gate said no (application/problem+json with the gate's reason)."""

    type: str = "https://archer.example/problems/predial-denied"
    title: str = "Call not allowed now"
    status: int = 409
    reason_code: str = Field(examples=["outside_calling_hours", "consent_revoked"])
    reasons: list[str] = Field(default_factory=list, examples=[["consent_revoked", "outside_calling_hours"]],
                               description="every rule that refused the call (reason_code is the first)")
    next_allowed_at: datetime | None = None
    detail: str | None = None


async def _customer(conn: DB, body: InitiateCall) -> customers_repo.Customer:
    if body.customer_id is not None:
        return await customers_repo.get_customer(conn, body.customer_id)
    found = await customers_repo.find_by_phone(conn, to_e164(body.phone or ""))
    if found is None:
        raise NotFoundError("no customer has this phone number")
    return found


async def _tactic(conn: DB, tactic: str | int | None) -> tuple[int | None, int | None]:
    if tactic is None:
        return None, None
    try:
        row = (await tactics_repo.get_tactic(conn, tactic) if isinstance(tactic, int)
               else await tactics_repo.get_tactic_by_name(conn, tactic))
    except NotFoundError:
        raise ProblemError(422, f"unknown tactic {tactic!r}") from None
    if not row.active:
        raise ProblemError(422, f"tactic {row.name!r} is inactive")
    return row.id, row.version


def _denied(request: Request, result: DialResult) -> JSONResponse:
    assert result.decision is not None
    body = DialDenied(reason_code=result.decision.reason_code, next_allowed_at=result.decision.next_allowed_at,
                      reasons=list(getattr(result.decision, "reasons", ()) or [result.decision.reason_code]),
                      detail=f"the pre-dial check refused this call: {result.decision.reason_code}")
    return JSONResponse({**body.model_dump(mode="json"), "instance": request.url.path}, status_code=409,
                        media_type=PROBLEM_JSON)


@router.post("/initiate", status_code=202, response_model=CallInitiated,
             responses={409: {"model": DialDenied, "description": "refused by the pre-dial compliance gate"},
                        **problem_responses(401, 403, 404, 422, 429, 502, 503)})
async def initiate(body: InitiateCall, request: Request, conn: DB, principal: Supervisor, audit: Audit,
                   the_dialer: Annotated[Dialer, Depends(dialer)]) -> CallInitiated | JSONResponse:
    """Gate, record and dial one call now (or create a simulated call)."""
    customer = await _customer(conn, body)
    tactic_id, tactic_version = await _tactic(conn, body.tactic)
    req = DialRequest(customer=customer, call_type=body.call_type, tactic_id=tactic_id, tactic_version=tactic_version)
    if body.simulate:
        call_id = await the_dialer.simulate(conn, req)
        await audit.record(conn, action="call.simulate", resource_type="call", resource_id=call_id)
        return CallInitiated(call_id=call_id, status="simulated")
    try:
        async with (await get_pool(request.app)).connection() as dial_conn:
            result = await the_dialer.dial(dial_conn, req, now=now(request))
    except DialNotConfiguredError as exc:
        raise ProblemError(503, str(exc), title="Telephony unavailable") from None
    await audit.record(conn, action="call.initiate", resource_type="call", resource_id=result.call_id,
                       after={"customer_id": str(customer.id), "decision": result.decision.reason_code
                              if result.decision else None, "call_sid": result.call_sid})
    if result.denied:
        return _denied(request, result)
    if result.call_id is not None and result.details.get("unconfirmed"):
        return CallInitiated(call_id=result.call_id, status="unconfirmed")
    if result.error is not None or result.call_id is None:
        code = result.error.error_code if result.error else "unknown"
        raise ProblemError(502, f"Twilio refused the call (error {code})", title="Dial failed")
    return CallInitiated(call_id=result.call_id, status="dialing", call_sid=result.call_sid)
