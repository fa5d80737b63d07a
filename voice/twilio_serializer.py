"""The Twilio Media Streams wire format, and nothing else: JSON text frames ⇄ the pipeline's neutral phone events.

Inbound frames become `voice.call.phone` events (caller audio, key press, mark played, hang-up); outbound audio,
marks and clears become Twilio's JSON. Only this module knows Twilio's keys. The outbound media frame is a
pre-encoded template per stream, so the hot path is one base64 encode and one string join per 20 ms frame.
"""
from __future__ import annotations

import binascii
import json
from dataclasses import dataclass, field

import orjson

from voice.call.phone import CallerAudio, KeyPress, LineHangUp, MarkPlayed, PhoneEvent

MAX_FRAME_CHARS = 64 * 1024          # a media frame is ~300 characters; `start` with parameters a few hundred


@dataclass(frozen=True)
class Connected:
    pass


@dataclass(frozen=True)
class Start:
    stream_sid: str
    call_sid: str
    custom_parameters: dict[str, str] = field(default_factory=dict)


# The neutral events under the names this module used before (callers written against them keep working).
Media = CallerAudio
Dtmf = KeyPress
MarkEcho = MarkPlayed
Stop = LineHangUp

InboundEvent = Connected | Start | PhoneEvent


class ProtocolError(ValueError):
    """A frame that is not a Media Streams message; `close_code` is the websocket close code to answer with."""

    def __init__(self, reason: str, close_code: int = 1007) -> None:
        super().__init__(reason)
        self.close_code = close_code


def parse(raw: str | bytes) -> InboundEvent | None:
    """One inbound frame; None for events we do not act on. Raises ProtocolError for anything malformed."""
    if len(raw) > MAX_FRAME_CHARS:
        raise ProtocolError("frame too large", 1009)
    try:
        msg = orjson.loads(raw)                  # rejects deep nesting itself (JSONDecodeError, no RecursionError)
        event = msg["event"]
        if event == "media":
            return CallerAudio(binascii.a2b_base64(msg["media"]["payload"]))
        if event == "mark":
            return MarkPlayed(str(msg["mark"]["name"])[:200])
        if event == "dtmf":
            return KeyPress(str(msg["dtmf"]["digit"])[:1])
        if event == "start":
            start = msg["start"]
            params = {str(k)[:100]: str(v)[:2000] for k, v in (start.get("customParameters") or {}).items()}
            return Start(stream_sid=str(start["streamSid"]), call_sid=str(start.get("callSid", "")),
                         custom_parameters=params)
        if event == "connected":
            return Connected()
        if event == "stop":
            return LineHangUp()
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
        raise ProtocolError(f"bad media stream frame: {type(exc).__name__}") from None
    return None


class Outbound:
    """Twilio's outbound messages for one stream, from pre-encoded templates."""

    __slots__ = ("_clear", "_mark_prefix", "_media_prefix", "stream_sid")

    def __init__(self, stream_sid: str) -> None:
        self.stream_sid = stream_sid
        sid = json.dumps(stream_sid)
        self._media_prefix = '{"event":"media","streamSid":%s,"media":{"payload":"' % sid  # noqa: UP031
        self._mark_prefix = '{"event":"mark","streamSid":%s,"mark":{"name":' % sid  # noqa: UP031
        self._clear = '{"event":"clear","streamSid":%s}' % sid  # noqa: UP031

    def media(self, audio: bytes) -> str:
        return self._media_prefix + binascii.b2a_base64(audio, newline=False).decode("ascii") + '"}}'

    def mark(self, name: str) -> str:
        return self._mark_prefix + json.dumps(name) + "}}"

    def clear(self) -> str:
        return self._clear


def media(stream_sid: str, audio: bytes) -> str:
    return Outbound(stream_sid).media(audio)


def mark(stream_sid: str, name: str) -> str:
    return Outbound(stream_sid).mark(name)


def clear(stream_sid: str) -> str:
    return Outbound(stream_sid).clear()
