"""Client frames on /sim and /live: small JSON text objects only. Anything else is a protocol error for that one
connection, carrying the websocket close code to answer with (RFC 6455 §7.4.1); the caller logs one line."""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.websockets import WebSocket

MAX_FRAME_BYTES = 8 * 1024
MAX_DEPTH = 8

UNSUPPORTED_DATA = 1003        # a binary frame where only text is spoken
INVALID_PAYLOAD = 1007         # not JSON, or not a JSON object
POLICY_VIOLATION = 1008        # nested deeper than any message of the protocol
TOO_BIG = 1009
RATE_LIMITED = 4429            # Archer: a limit refused this connection (reason says when to retry)
FORBIDDEN = 4403               # Archer: the principal's role may not use this door


class FrameError(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class Disconnected:
    """The client went away."""


def _depth(text: str) -> int:
    """Bracket nesting outside strings, in one pass (json.loads would recurse first and ask questions later)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    return deepest
        elif ch in "]}":
            depth -= 1
    return deepest


def parse_frame(message: Mapping[str, Any]) -> dict[str, Any] | Disconnected:
    """One ASGI websocket message → a JSON object; raises FrameError with the close code otherwise."""
    if message["type"] == "websocket.disconnect":
        return Disconnected()
    text = message.get("text")
    if text is None:
        raise FrameError(UNSUPPORTED_DATA, "binary frames are not accepted")
    if len(text) > MAX_FRAME_BYTES:
        raise FrameError(TOO_BIG, f"frames are limited to {MAX_FRAME_BYTES} bytes")
    if _depth(text) > MAX_DEPTH:
        raise FrameError(POLICY_VIOLATION, "the message is nested too deeply")
    try:
        body = json.loads(text)
    except ValueError:
        raise FrameError(INVALID_PAYLOAD, "messages are JSON objects") from None
    if not isinstance(body, dict):
        raise FrameError(INVALID_PAYLOAD, "messages are JSON objects")
    return body


async def receive_frame(ws: WebSocket) -> dict[str, Any] | Disconnected:
    return parse_frame(await ws.receive())
