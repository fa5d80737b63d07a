"""The Twilio Media Streams wire format, and nothing else: JSON text frames ⇄ typed inbound events / outbound text.

The pipeline speaks "audio in, audio out, mark, clear"; only this module knows Twilio's keys.
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Connected:
    pass


@dataclass(frozen=True)
class Start:
    stream_sid: str
    call_sid: str
    custom_parameters: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Media:
    audio: bytes


@dataclass(frozen=True)
class Dtmf:
    digit: str


@dataclass(frozen=True)
class MarkEcho:
    name: str


@dataclass(frozen=True)
class Stop:
    pass


InboundEvent = Connected | Start | Media | Dtmf | MarkEcho | Stop


class ProtocolError(ValueError):
    """A frame that is not a Media Streams message."""


def parse(raw: str) -> InboundEvent | None:
    """One inbound frame; None for events we do not act on."""
    try:
        msg = json.loads(raw)
        event = msg["event"]
        if event == "media":
            return Media(base64.b64decode(msg["media"]["payload"]))
        if event == "mark":
            return MarkEcho(str(msg["mark"]["name"]))
        if event == "dtmf":
            return Dtmf(str(msg["dtmf"]["digit"]))
        if event == "start":
            start = msg["start"]
            params = {str(k): str(v) for k, v in (start.get("customParameters") or {}).items()}
            return Start(stream_sid=str(start["streamSid"]), call_sid=str(start.get("callSid", "")),
                         custom_parameters=params)
        if event == "connected":
            return Connected()
        if event == "stop":
            return Stop()
    except (ValueError, KeyError, TypeError) as exc:
        raise ProtocolError(f"bad media stream frame: {type(exc).__name__}") from None
    return None


def media(stream_sid: str, audio: bytes) -> str:
    payload = base64.b64encode(audio).decode("ascii")
    return '{"event":"media","streamSid":"%s","media":{"payload":"%s"}}' % (stream_sid, payload)  # noqa: UP031


def mark(stream_sid: str, name: str) -> str:
    return json.dumps({"event": "mark", "streamSid": stream_sid, "mark": {"name": name}})


def clear(stream_sid: str) -> str:
    return json.dumps({"event": "clear", "streamSid": stream_sid})
