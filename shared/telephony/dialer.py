"""Outbound dialing: pre-dial compliance gate (which records the contact attempt) → `calls` row → Twilio
`calls.create` with status and async-AMD callbacks → call SID stored; or a `simulated` call row for /sim.

Twilio errors are stored with their code. A dial is retried only when that cannot ring the phone twice: after
a refusal that placed nothing (429), or after an ambiguous failure (5xx, timeout, dropped connection) once
Twilio's call list shows no call to that number since this dial began.
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol, cast, get_args

from psycopg import AsyncConnection

from shared.db import calls as calls_repo
from shared.db.customers import Customer
from shared.pii import mask_phone
from shared.settings import Settings
from shared.telephony.errors import TelephonyError, from_twilio_exception
from shared.telephony.twilio_client import TwilioClients

log = logging.getLogger(__name__)

CallType = Literal["manual", "test", "callback", "campaign"]
Purpose = Literal["collection", "requested_callback"]
STATUS_EVENTS = ["initiated", "ringing", "answered", "completed"]
MAX_DIALS = 2
RETRY_DELAY_S = 0.5
_CLOCK_SLACK = timedelta(seconds=5)
_RETRYABLE_REFUSALS = {429}  # Twilio refused before placing anything: too many requests


class GateDecision(Protocol):
    """What the pre-dial gate answers (shared.compliance.predial.PredialDecision)."""

    @property
    def allowed(self) -> bool: ...
    @property
    def reason_code(self) -> str: ...
    @property
    def next_allowed_at(self) -> datetime | None: ...


Gate = Callable[..., Awaitable[GateDecision]]


class DialNotConfiguredError(Exception):
    """Twilio credentials, TWILIO_FROM_NUMBER or PUBLIC_BASE_URL are missing: nothing can be dialled."""


@dataclass(frozen=True)
class DialRequest:
    customer: Customer
    call_type: CallType = "manual"
    purpose: Purpose = "collection"
    tactic_id: int | None = None
    tactic_version: int | None = None
    campaign_id: uuid.UUID | None = None
    callback_id: uuid.UUID | None = None

    @property
    def source(self) -> str:
        return self.call_type  # contact_attempts.source: manual | test | callback | campaign


@dataclass(frozen=True)
class DialResult:
    decision: GateDecision | None
    call_id: uuid.UUID | None = None
    call_sid: str | None = None
    error: TelephonyError | None = None
    dials: int = 0
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def denied(self) -> bool:
        return self.decision is not None and not self.decision.allowed

    @property
    def dialed(self) -> bool:
        """A call was (or may have been) placed: the attempt is spent either way."""
        return self.call_sid is not None or bool(self.details.get("unconfirmed"))

    @property
    def reason_code(self) -> str:
        if self.decision is not None and not self.decision.allowed:
            return self.decision.reason_code
        return "allowed" if self.dialed else "dial_failed"

    @property
    def next_allowed_at(self) -> datetime | None:
        return self.decision.next_allowed_at if self.decision is not None else None


def _default_gate() -> Gate:
    from shared.compliance import predial

    return predial.check


class Dialer:
    """Places outbound calls for the initiate route, callbacks and campaigns.

    `dial` commits the connection's open transaction once the call row exists and before Twilio is called
    (Twilio's first webhook can arrive before calls.create returns); call it outside a `transaction()` block.
    """

    def __init__(self, settings: Settings, clients: TwilioClients | None = None, gate: Gate | None = None,
                 retry_delay_s: float = RETRY_DELAY_S) -> None:
        self.settings = settings
        self.clients = clients or TwilioClients(settings)
        self._gate = gate
        self._retry_delay_s = retry_delay_s

    async def simulate(self, conn: AsyncConnection, req: DialRequest) -> uuid.UUID:
        """A `simulated` call row for /sim: no phone rings, so no gate and no contact attempt."""
        call = await calls_repo.create_call(conn, calls_repo.NewCall(
            direction="outbound", call_type="simulated", customer_id=req.customer.id, status="queued",
            tactic_id=req.tactic_id, tactic_version=req.tactic_version, campaign_id=req.campaign_id,
            callback_id=req.callback_id, to_number=req.customer.phone))
        log.info("simulated_call_created", extra={"call_id": str(call.id)})
        return call.id

    async def dial(self, conn: AsyncConnection, req: DialRequest, *, now: datetime) -> DialResult:
        """Gate, record, dial. A denial returns the decision and places nothing."""
        from_number, base = self.settings.twilio_from_number, self.settings.public_base_url
        if not from_number or not base or not self.settings.twilio_account_sid \
                or not self.settings.secret("twilio_auth_token"):
            raise DialNotConfiguredError("TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER and "
                                         "PUBLIC_BASE_URL are required to dial")
        decision, attempt_id = await self._decide(conn, req, now)
        if not decision.allowed:
            return DialResult(decision)
        call = await calls_repo.create_call(conn, calls_repo.NewCall(
            direction="outbound", call_type=req.call_type, customer_id=req.customer.id, status="queued",
            tactic_id=req.tactic_id, tactic_version=req.tactic_version, campaign_id=req.campaign_id,
            callback_id=req.callback_id, contact_attempt_id=attempt_id, from_number=from_number,
            to_number=req.customer.phone))
        if not conn.autocommit:
            await conn.commit()
        return await self._place(conn, call, decision, from_number, base, now)

    async def _decide(self, conn: AsyncConnection, req: DialRequest, now: datetime) -> tuple[GateDecision, int | None]:
        gate = self._gate or _default_gate()
        async with conn.transaction():
            # A requested callback is decided with its stored request time (the gate reads it by callback id).
            extra = {"callback_id": req.callback_id} if req.callback_id is not None else {}
            decision = await gate(conn, req.customer, now=now, purpose=req.purpose, source=req.source, **extra)
            # The gate appended the attempt under its per-customer lock, held until this transaction ends.
            cur = await conn.execute("SELECT max(id) FROM contact_attempts WHERE customer_id = %s", (req.customer.id,))
            row = await cur.fetchone()
        return decision, (row[0] if row else None)

    def _create_kwargs(self, call_id: uuid.UUID, to: str, from_number: str, base: str) -> dict[str, Any]:
        q = f"?call_id={call_id}"
        return {"to": to, "from_": from_number, "url": f"{base}/api/twilio/voice{q}", "method": "POST",
                "status_callback": f"{base}/api/twilio/status{q}", "status_callback_method": "POST",
                "status_callback_event": STATUS_EVENTS, "machine_detection": "DetectMessageEnd",
                "async_amd": "true", "async_amd_status_callback": f"{base}/api/twilio/amd{q}",
                "async_amd_status_callback_method": "POST"}

    async def _place(self, conn: AsyncConnection, call: calls_repo.Call, decision: GateDecision, from_number: str,
                     base: str, now: datetime) -> DialResult:
        to = call.to_number or ""
        kwargs = self._create_kwargs(call.id, to, from_number, base)
        started = datetime.now(now.tzinfo) - _CLOCK_SLACK  # Twilio stamps calls with the real time
        error: TelephonyError | None = None
        for dial in range(1, MAX_DIALS + 1):
            try:
                created = await self.clients.get().calls.create_async(**kwargs)
            except Exception as exc:
                error = from_twilio_exception("calls.create", exc)
            else:
                return await self._placed(conn, call, decision, str(created.sid), dial)
            log.warning("dial_failed", extra={"call_id": str(call.id), "code": error.error_code,
                                              "ambiguous": error.ambiguous, "dial": dial})
            if error.ambiguous:
                checked, found = await self._find_placed(conn, call, to, from_number, started)
                if found is not None:
                    return await self._placed(conn, call, decision, found, dial, recovered=True)
                if not checked:
                    return await self._unconfirmed(conn, call, decision, error, dial)
            elif error.status not in _RETRYABLE_REFUSALS:
                break
            if dial < MAX_DIALS:
                await asyncio.sleep(self._retry_delay_s)
        assert error is not None
        return await self._failed(conn, call, decision, error, dial)

    async def _find_placed(self, conn: AsyncConnection, call: calls_repo.Call, to: str, from_number: str,
                           started: datetime) -> tuple[bool, str | None]:
        """(could Twilio be asked, SID of a call it placed for this dial despite the error). A call to this number
        from our number, created since this dial began and not on any other row, is ours."""
        try:
            listed = await self.clients.get().calls.list_async(to=to, limit=20)
        except Exception as exc:
            log.warning("dial_check_failed", extra={"call_id": str(call.id),
                                                    "code": from_twilio_exception("calls.list", exc).error_code})
            return False, None
        for candidate in listed:
            created = candidate.date_created
            if candidate._from != from_number or created is None or created < started:
                continue
            if await calls_repo.find_by_sid(conn, str(candidate.sid)) is None:
                return True, str(candidate.sid)
        return True, None

    async def _placed(self, conn: AsyncConnection, call: calls_repo.Call, decision: GateDecision, sid: str,
                      dials: int, *, recovered: bool = False) -> DialResult:
        # COALESCE: the voice/status webhook may already have stored the same SID.
        await conn.execute("UPDATE calls SET call_sid = COALESCE(call_sid, %s) WHERE id = %s", (sid, call.id))
        log.info("dialed", extra={"call_id": str(call.id), "call_sid": sid, "to": mask_phone(call.to_number),
                                  "dials": dials, "recovered": recovered})
        return DialResult(decision, call.id, sid, dials=dials, details={"recovered": recovered} if recovered else {})

    async def _failed(self, conn: AsyncConnection, call: calls_repo.Call, decision: GateDecision,
                      error: TelephonyError, dials: int) -> DialResult:
        await calls_repo.update_call(conn, call.id, status="failed", outcome="failed", error_code=error.error_code,
                                     ended_at=datetime.now(call.started_at.tzinfo))
        return DialResult(decision, call.id, None, error, dials)

    async def _unconfirmed(self, conn: AsyncConnection, call: calls_repo.Call, decision: GateDecision,
                           error: TelephonyError, dials: int) -> DialResult:
        """Twilio may or may not have placed the call and cannot be asked: never redial. The row stays queued
        with error_code 'unconfirmed'; if the call exists, its webhooks (carrying ?call_id=) complete it."""
        await calls_repo.update_call(conn, call.id, error_code="unconfirmed")
        return DialResult(decision, call.id, None, error, dials, {"unconfirmed": True})

    async def aclose(self) -> None:
        await self.clients.aclose()


_process_dialer: Dialer | None = None


async def dial(conn: AsyncConnection, customer_id: uuid.UUID, *, now: datetime, purpose: str, source: str,
               campaign_id: uuid.UUID | None = None, callback_id: uuid.UUID | None = None,
               tactic_id: int | None = None) -> DialResult:
    """The workflows' entry (shared.workflows.dialing): one gated dial with the process-wide Dialer.
    Read `.dialed`, `.call_id`, `.reason_code`, `.next_allowed_at` on the result."""
    global _process_dialer
    from shared.db.customers import get_customer
    from shared.settings import get_settings

    if purpose not in get_args(Purpose) or source not in get_args(CallType):
        raise ValueError(f"unknown dial purpose/source {purpose!r}/{source!r}")
    settings = get_settings()
    if _process_dialer is None or _process_dialer.settings is not settings:
        _process_dialer = Dialer(settings)  # rebuilt when settings are reloaded (tests, key rotation)
    customer = await get_customer(conn, customer_id)
    req = DialRequest(customer=customer, call_type=cast(CallType, source), purpose=cast(Purpose, purpose),
                      tactic_id=tactic_id,
                      campaign_id=campaign_id, callback_id=callback_id)
    return await _process_dialer.dial(conn, req, now=now)
