"""CallControl over the twilio SDK: SMS (recorded in `messages`), transfer to a human, hang-up, live redirects.

Calls without a Twilio call SID (simulated calls) are logged and left alone: there is no live call to change.
"""
from __future__ import annotations

import logging
import re
import uuid
from urllib.parse import urlencode

from psycopg_pool import AsyncConnectionPool

from shared.phone import to_e164
from shared.pii import mask_phone
from shared.settings import Settings
from shared.telephony.errors import TelephonyError, from_twilio_exception
from shared.telephony.messages import record_message
from shared.telephony.twilio_client import TwilioClients

log = logging.getLogger(__name__)

CALL_SID = re.compile(r"^CA[0-9a-fA-F]{32}$")
TRANSFER_NOTICE = "Please hold while I connect you with a member of our team."
WHISPER_MAX_CHARS = 200


def transfer_twiml(*, to_number: str, caller_id: str | None, whisper_url: str | None) -> str:
    """<Dial> the human, with a short notice to the caller and the whisper played to the human on answer."""
    from twilio.twiml.voice_response import VoiceResponse

    response = VoiceResponse()
    response.say(TRANSFER_NOTICE)
    dial = response.dial(caller_id=caller_id, timeout=30)
    dial.number(to_number, url=whisper_url, method="POST" if whisper_url else None)
    return str(response)


def whisper_url(public_base_url: str | None, whisper: str) -> str | None:
    """The whisper webhook (/api/twilio/whisper) with the note in its signed URL; None without a public base."""
    if not public_base_url or not whisper.strip():
        return None
    return f"{public_base_url}/api/twilio/whisper?{urlencode({'note': whisper.strip()[:WHISPER_MAX_CHARS]})}"


class TwilioCallControl:
    """The production CallControl. `pool` is used to record SMS in `messages`."""

    def __init__(self, pool: AsyncConnectionPool, settings: Settings, clients: TwilioClients | None = None) -> None:
        self._pool = pool
        self._settings = settings
        self.clients = clients or TwilioClients(settings)

    async def send_sms(self, *, to: str, body: str, call_id: uuid.UUID | None, customer_id: uuid.UUID | None) -> str:
        phone = to_e164(to)
        from_number = self._settings.twilio_from_number
        if not from_number:
            raise TelephonyError("messages.create", "TWILIO_FROM_NUMBER is not set")
        try:
            message = await self.clients.get().messages.create_async(
                to=phone, from_=from_number, body=body)
        except Exception as exc:
            error = from_twilio_exception("messages.create", exc)
            await self._record(phone, body, "failed", None, call_id, customer_id)
            log.warning("sms_failed", extra={"call_id": str(call_id), "to": mask_phone(phone),
                                             "code": error.error_code})
            raise error from exc
        sid = str(message.sid)
        await self._record(phone, body, str(message.status or "queued"), sid, call_id, customer_id)
        log.info("sms_sent", extra={"call_id": str(call_id), "to": mask_phone(phone), "message_sid": sid})
        return sid

    async def _record(self, phone: str, body: str, status: str, sid: str | None, call_id: uuid.UUID | None,
                      customer_id: uuid.UUID | None) -> None:
        async with self._pool.connection() as conn:
            await record_message(conn, direction="outbound", phone=phone, body=body, status=status,
                                 message_sid=sid, customer_id=customer_id, call_id=call_id)

    async def transfer(self, *, call_sid: str, to_number: str, whisper: str) -> None:
        twiml = transfer_twiml(to_number=to_e164(to_number), caller_id=self._settings.twilio_from_number,
                               whisper_url=whisper_url(self._settings.public_base_url, whisper))
        await self.redirect(call_sid=call_sid, twiml=twiml, operation="calls.transfer")

    async def hangup(self, *, call_sid: str) -> None:
        if not CALL_SID.match(call_sid or ""):
            log.info("hangup_without_live_call")
            return
        try:
            await self.clients.get().calls(call_sid).update_async(status="completed")
        except Exception as exc:
            raise from_twilio_exception("calls.hangup", exc) from exc
        log.info("call_hung_up", extra={"call_sid": call_sid})

    async def redirect(self, *, call_sid: str, twiml: str, operation: str = "calls.redirect") -> None:
        """Replace the live call's TwiML (ends a running <Connect><Stream>)."""
        if not CALL_SID.match(call_sid or ""):
            log.info("redirect_without_live_call", extra={"operation": operation})
            return
        try:
            await self.clients.get().calls(call_sid).update_async(twiml=twiml)
        except Exception as exc:
            raise from_twilio_exception(operation, exc) from exc
        log.info("call_redirected", extra={"call_sid": call_sid, "operation": operation})

    async def start_recording(self, *, call_sid: str, status_callback: str | None = None) -> str:
        """Start a dual-channel recording over REST (TwiML <Start><Recording> is the usual path)."""
        kwargs: dict[str, str] = {"recording_channels": "dual", "recording_track": "both"}
        if status_callback:
            kwargs["recording_status_callback"] = status_callback
        try:
            rec = await self.clients.get().calls(call_sid).recordings.create_async(**kwargs)
        except Exception as exc:
            raise from_twilio_exception("recordings.create", exc) from exc
        return str(rec.sid)

    async def aclose(self) -> None:
        await self.clients.aclose()
