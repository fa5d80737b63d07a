"""Answering Twilio's voice webhook: find (outbound) or create (inbound) the call row, mark it answered, and
return the TwiML that plays the recording notice, starts recording and streams audio to the voice service.

Anything that cannot be served (unknown call, call already over, configuration missing) gets a polite spoken
goodbye; the adapter turns any unexpected error into the same, so Twilio never hears a 500.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from psycopg import AsyncConnection
from psycopg.rows import class_row

from shared.db import calls as calls_repo
from shared.db.errors import NotFoundError
from shared.phone import InvalidPhoneError, to_e164
from shared.pii import mask_phone
from shared.settings import Settings
from shared.telephony import twiml
from shared.telephony.call_status import StatusEvent, apply_status, is_terminal, lock_call
from shared.telephony.stream_token import issue_stream_token

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VoiceRequest:
    call_sid: str
    from_number: str
    to_number: str
    direction: str  # Twilio's Direction: inbound, outbound-api, outbound-dial
    call_id: uuid.UUID | None = None  # from our own voice URL's query string (outbound calls)


@dataclass(frozen=True)
class VoiceAnswer:
    twiml: str
    call_id: uuid.UUID | None
    served: bool  # False when the caller got the polite goodbye


def _refuse(reason: str, call_id: uuid.UUID | None = None) -> VoiceAnswer:
    log.warning("voice_webhook_refused", extra={"reason": reason, "call_id": str(call_id) if call_id else None})
    return VoiceAnswer(twiml.polite_error_twiml(), call_id, served=False)


async def _outbound_call(conn: AsyncConnection, req: VoiceRequest) -> calls_repo.Call | None:
    call = await lock_call(conn, call_id=req.call_id) if req.call_id else None
    if call is None:
        return await lock_call(conn, call_sid=req.call_sid)
    if call.call_sid is None:
        # Twilio can ask for TwiML before the dialer has stored the SID it got back.
        return await calls_repo.update_call(conn, call.id, call_sid=req.call_sid)
    return call if call.call_sid == req.call_sid else None


_INSERT_INBOUND = """
INSERT INTO calls (direction, call_type, call_sid, status, customer_id, from_number, to_number, answered_at,
                   conversation_at)
VALUES ('inbound', 'inbound', %(sid)s, 'in-progress', (SELECT id FROM customers WHERE phone = %(phone)s),
        %(from)s, %(to)s, %(now)s, %(now)s)
ON CONFLICT (call_sid) DO NOTHING RETURNING *"""


async def _inbound_call(conn: AsyncConnection, req: VoiceRequest, now: datetime) -> calls_repo.Call:
    """The inbound call's row: created answered on the first request (Twilio asks for TwiML once it has picked
    up; customer matched by caller ID), found on retries."""
    try:
        phone: str | None = to_e164(req.from_number)
    except InvalidPhoneError:
        phone = None  # withheld or non-geographic caller ID: still served, the engine verifies everyone
    async with conn.cursor(row_factory=class_row(calls_repo.Call)) as cur:
        await cur.execute(_INSERT_INBOUND, {"sid": req.call_sid, "phone": phone, "from": req.from_number,
                                            "to": req.to_number, "now": now})
        created = await cur.fetchone()
    if created is None:  # a retry (or a concurrent duplicate): the row exists
        existing = await lock_call(conn, call_sid=req.call_sid)
        if existing is None:
            raise NotFoundError("inbound call vanished")
        return existing
    log.info("inbound_call", extra={"call_id": str(created.id), "from": mask_phone(req.from_number),
                                    "customer_known": created.customer_id is not None})
    return created


async def answer_call(conn: AsyncConnection, req: VoiceRequest, *, settings: Settings, now: datetime) -> VoiceAnswer:
    """The TwiML for this voice webhook; idempotent under Twilio's retries."""
    token_secret = settings.secret("twilio_auth_token")
    if not settings.voice_ws_url or not settings.public_base_url or not token_secret:
        return _refuse("not_configured")
    try:
        call = (await _inbound_call(conn, req, now) if req.direction == "inbound" else await _outbound_call(conn, req))
    except NotFoundError:
        call = None
    if call is None:
        return _refuse("unknown_call", req.call_id)
    if is_terminal(call.status):
        return _refuse("call_already_ended", call.id)
    call, _ = await apply_status(conn, call, StatusEvent(status="in-progress", timestamp=now))
    await _record_notice_once(conn, call)
    notice = twiml.recording_notice_text(bank_name=settings.bank_name, callback_number=settings.callback_number)
    # The token is a function of the call and the moment it was answered: a replayed webhook gets the same TwiML,
    # and the stream it names can be opened once (the voice service claims the call on the first handshake).
    document = twiml.answer_twiml(
        call_id=call.id, stream_token=issue_stream_token(call.id, secret=token_secret, now=call.answered_at or now),
        voice_ws_url=settings.voice_ws_url, recording_callback_url=f"{settings.public_base_url}/api/twilio/recording",
        notice=notice, direction=call.direction)
    return VoiceAnswer(document, call.id, served=True)


async def _record_notice_once(conn: AsyncConnection, call: calls_repo.Call) -> None:
    """The recording notice is logged once per call, however often Twilio retries the webhook."""
    cur = await conn.execute("SELECT 1 FROM compliance_events WHERE call_id = %s AND category = 'disclosure' "
                             "AND code = 'recording_notice' LIMIT 1", (call.id,))
    if await cur.fetchone() is not None:
        return
    from shared.compliance.disclosures import DisclosureKind, record_disclosure

    await record_disclosure(conn, kind=DisclosureKind.RECORDING_NOTICE, call_id=call.id, customer_id=call.customer_id)
