"""The pipeline's PhoneLink over a Twilio Media Streams websocket, plus hang-up and transfer through CallControl."""
from __future__ import annotations

import contextlib
import logging
from typing import Any

from shared.telephony.call_control import CallControl
from voice import twilio_serializer as wire
from voice.ws_protocol import TEXT_SEND

log = logging.getLogger(__name__)


class TwilioLink:
    def __init__(self, websocket: Any, *, stream_sid: str, call_sid: str, call_control: CallControl | None,
                 transfer_number: str | None) -> None:
        self._ws = websocket
        self._wire = wire.Outbound(stream_sid)
        self.stream_sid = stream_sid
        self.call_sid = call_sid
        self._control = call_control
        self._transfer_number = transfer_number
        self.closed = False
        scope = getattr(websocket, "scope", None)
        extensions = scope.get("extensions") if isinstance(scope, dict) else None
        # Written straight to the transport when the server offers it (voice/ws_protocol.py); else through ASGI.
        self._send_now = (extensions or {}).get(TEXT_SEND)

    async def _send(self, text: str) -> None:
        if self.closed:
            return
        send_now = self._send_now
        if send_now is not None and send_now(text):
            return
        try:
            await self._ws.send_text(text)
        except Exception:              # the caller is gone; the reader sees the close and ends the call
            self.closed = True

    async def send_media(self, audio: bytes) -> None:
        await self._send(self._wire.media(audio))

    async def send_mark(self, name: str) -> None:
        await self._send(self._wire.mark(name))

    async def send_clear(self) -> None:
        await self._send(self._wire.clear())

    async def hangup(self) -> None:
        if self._control is not None and self.call_sid:
            try:
                await self._control.hangup(call_sid=self.call_sid)
            except Exception as exc:
                log.warning("hang-up through the REST API failed", extra={"error": type(exc).__name__})
        await self.close()

    async def transfer(self, to_number: str | None, reason: str) -> None:
        number = to_number or self._transfer_number
        if self._control is not None and self.call_sid and number:
            try:
                await self._control.transfer(call_sid=self.call_sid, to_number=number, whisper=reason)
            except Exception as exc:
                log.warning("transfer failed; hanging up", extra={"error": type(exc).__name__})
                await self._control.hangup(call_sid=self.call_sid)
        await self.close()

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            with contextlib.suppress(Exception):
                await self._ws.close(code=1000)
