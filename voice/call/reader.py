"""The media reader loop: a phone-line websocket → the pipeline's neutral events, robust to whatever arrives.

Anything that is not a Media Streams message (a binary frame, bad JSON, absurd nesting, an oversized frame, audio
before `start`, a second `start`) is a protocol error for that connection: it is closed with a close code, one
line is logged (no traceback, no payload), and the call ends as if the line hung up, releasing what it held.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any, Protocol

from voice import twilio_serializer as wire
from voice.call.phone import CallerAudio, LineHangUp, PhoneEvent
from voice.ws_protocol import TEXT_SINK

log = logging.getLogger(__name__)

START_TIMEOUT_S = 10.0


class Listener(Protocol):
    def feed(self, event: PhoneEvent) -> None: ...


def _unwrap(message: dict[str, Any]) -> str | None:
    """The text of one ASGI websocket message; None when the peer disconnected."""
    kind = message["type"]
    if kind == "websocket.disconnect":
        return None
    if kind != "websocket.receive":
        raise wire.ProtocolError(f"unexpected ASGI message {kind}", 1002)
    text = message.get("text")
    if text is None:
        raise wire.ProtocolError("binary frame on a text protocol", 1003)
    return str(text)


async def read_start(ws: Any, *, timeout_s: float = START_TIMEOUT_S) -> wire.Start:
    """The stream's `start` (after an optional `connected`); anything else first is a protocol error."""
    async with asyncio.timeout(timeout_s):
        while True:
            text = _unwrap(await ws.receive())
            if text is None:
                raise wire.ProtocolError("the stream closed before start", 1000)
            event = wire.parse(text)
            if isinstance(event, wire.Start):
                return event
            if event is not None and not isinstance(event, wire.Connected):
                raise wire.ProtocolError(f"{type(event).__name__} before start", 1008)


async def close_for(ws: Any, error: wire.ProtocolError, call_id: object = None) -> None:
    """One log line and the close code for a protocol error."""
    log.warning("media stream protocol error; closing with %s: %s", error.close_code, error,
                extra={"call_id": str(call_id) if call_id is not None else None})
    with contextlib.suppress(Exception):
        await ws.close(code=error.close_code)


def _frame_handler(listener: Listener) -> Callable[[str], bool]:
    """One text frame → the listener; True when the stream is over (the line hung up). Raises ProtocolError."""
    feed = listener.feed
    parse = wire.parse

    def handle(text: str) -> bool:
        event = parse(text)
        if type(event) is CallerAudio:
            feed(event)
            return False
        if event is None or isinstance(event, wire.Connected):
            return False
        if isinstance(event, wire.Start):
            raise wire.ProtocolError("a second start on one stream", 1008)
        feed(event)
        return isinstance(event, LineHangUp)

    return handle


_SINK_END = "archer.media.end"


def _attach_sink(ws: Any, handle: Callable[[str], bool]) -> Callable[[], None] | None:
    """Take text frames straight from the protocol (voice/ws_protocol.py) when the server offers it: no queue and no
    task switch per 20 ms frame. The sink's end (hang-up, protocol error) comes back through the receive queue.
    Returns the detach function, or None when the server has no text sink."""
    scope = getattr(ws, "scope", None)
    attach = scope.get("extensions", {}).get(TEXT_SINK) if isinstance(scope, dict) else None
    if attach is None:
        return None
    ended = False

    def sink(text: str) -> None:
        nonlocal ended
        if ended:
            return
        try:
            if handle(text):
                ended = True
                post({"type": _SINK_END, "error": None})
        except Exception as exc:                     # ProtocolError, or a bug: either way this stream ends
            ended = True
            post({"type": _SINK_END, "error": exc})

    post = attach(sink)

    def detach() -> None:
        nonlocal ended
        ended = True
        attach(None)

    return detach


async def pump_media(ws: Any, listener: Listener, *, call_id: object = None) -> None:
    """Read frames until the stream stops; always ends by feeding the listener a hang-up."""
    # The raw ASGI receive when the framework exposes it (Starlette's WebSocket.receive adds per-frame state
    # bookkeeping that this loop does itself: it stops at the first disconnect).
    receive = getattr(ws, "_receive", None) or ws.receive
    handle = _frame_handler(listener)
    detach = _attach_sink(ws, handle)
    try:
        while True:
            message = await receive()
            if message["type"] == _SINK_END:
                error = message["error"]
                if error is None:
                    return                           # the line hung up (the listener has been told)
                if isinstance(error, wire.ProtocolError):
                    raise error
                log.error("media frame handling failed: %s", type(error).__name__, extra={"call_id": str(call_id)})
                break
            text = _unwrap(message)
            if text is None:
                break
            if handle(text):
                return
    except wire.ProtocolError as exc:
        await close_for(ws, exc, call_id)
    except (RuntimeError, OSError) as exc:            # the socket went away under us (Starlette's state errors)
        log.info("media stream closed: %s", type(exc).__name__, extra={"call_id": str(call_id)})
    finally:
        if detach is not None:
            detach()
    listener.feed(LineHangUp())
