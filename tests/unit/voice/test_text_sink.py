"""The media reader on a server that offers the `archer.text_sink` extension (voice/ws_protocol.py): text frames go
straight to the listener, frames queued before the sink was attached come first, and the stream's end (hang-up,
protocol error, disconnect) still comes through the one receive() loop. The playout clock's phases."""
from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

from shared.speech.audio import SILENCE_FRAME
from shared.speech.playout import PHASES, Playout, PlayoutClock
from voice.call.phone import CallerAudio, LineHangUp, MarkPlayed
from voice.call.reader import pump_media
from voice.ws_protocol import TEXT_SEND, TEXT_SINK

MEDIA = json.dumps({"event": "media", "media": {"payload": base64.b64encode(SILENCE_FRAME).decode()}})
MARK = json.dumps({"event": "mark", "mark": {"name": "1.0.10"}})
STOP = json.dumps({"event": "stop", "stop": {}})


class SinkSocket:
    """What Starlette's WebSocket exposes to the reader (scope, raw receive, close) over a server with the sink."""

    def __init__(self, queued: list[dict[str, Any]] | None = None) -> None:
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        for message in queued or []:
            self.queue.put_nowait(message)
        self.sink: Any = None
        self.closed_with: int | None = None
        self.scope = {"type": "websocket", "extensions": {TEXT_SINK: self._attach}}

    def _attach(self, sink: Any) -> Any:
        self.sink = sink
        return self.queue.put_nowait

    async def _receive(self) -> dict[str, Any]:
        return await self.queue.get()

    async def close(self, code: int = 1000) -> None:
        self.closed_with = code


class Listener:
    def __init__(self) -> None:
        self.events: list[object] = []

    def feed(self, event: object) -> None:
        self.events.append(event)


async def _attached(ws: SinkSocket) -> None:
    while ws.sink is None:
        await asyncio.sleep(0)


async def test_frames_reach_the_listener_through_the_sink_after_the_queued_ones() -> None:
    ws = SinkSocket(queued=[{"type": "websocket.receive", "text": MARK}])
    listener = Listener()
    reader = asyncio.create_task(pump_media(ws, listener))
    await _attached(ws)
    for _ in range(3):
        ws.sink(MEDIA)                       # synchronously, as the protocol's data_received does
    assert listener.events[0] == MarkPlayed("1.0.10")
    await asyncio.sleep(0)
    assert listener.events == [MarkPlayed("1.0.10"), *[CallerAudio(SILENCE_FRAME)] * 3]
    ws.sink(STOP)
    await asyncio.wait_for(reader, 1)
    assert listener.events[-1] == LineHangUp() and listener.events.count(LineHangUp()) == 1
    assert ws.sink is None                   # detached: nothing reaches a call that is over
    assert ws.closed_with is None


async def test_a_bad_frame_through_the_sink_closes_with_its_code_and_hangs_up() -> None:
    ws = SinkSocket()
    listener = Listener()
    reader = asyncio.create_task(pump_media(ws, listener))
    await _attached(ws)
    ws.sink(MEDIA)
    ws.sink('{"event": "media", "media": {"payload": ')
    ws.sink(MEDIA)                           # after the error: dropped
    await asyncio.wait_for(reader, 1)
    assert ws.closed_with == 1007
    assert listener.events == [CallerAudio(SILENCE_FRAME), LineHangUp()]


async def test_a_disconnect_or_a_binary_frame_still_comes_through_receive() -> None:
    ws = SinkSocket()
    listener = Listener()
    reader = asyncio.create_task(pump_media(ws, listener))
    await _attached(ws)
    ws.queue.put_nowait({"type": "websocket.receive", "bytes": b"\x00"})
    await asyncio.wait_for(reader, 1)
    assert ws.closed_with == 1003 and listener.events == [LineHangUp()]

    ws = SinkSocket()
    listener = Listener()
    reader = asyncio.create_task(pump_media(ws, listener))
    await _attached(ws)
    ws.queue.put_nowait({"type": "websocket.disconnect", "code": 1006})
    await asyncio.wait_for(reader, 1)
    assert ws.closed_with is None and listener.events == [LineHangUp()]


async def test_a_cancelled_reader_detaches_its_sink() -> None:
    ws = SinkSocket()
    reader = asyncio.create_task(pump_media(ws, Listener()))
    await _attached(ws)
    reader.cancel()
    await asyncio.gather(reader, return_exceptions=True)
    assert ws.sink is None


async def test_the_playout_clock_spreads_calls_over_its_phases_and_starts_audio_at_once() -> None:
    clock = PlayoutClock()
    sent: list[tuple[int, int]] = []

    def playout(k: int) -> Playout:
        async def media(audio: bytes) -> None:
            sent.append((k, len(audio)))

        async def mark(name: str) -> None:
            pass

        return Playout(media, mark, lead_ms=200, clock=clock)

    playouts = [playout(k) for k in range(2 * PHASES)]
    assert sorted(p.phase for p in playouts) == sorted(list(range(PHASES)) * 2)
    for p in playouts:
        p.extend([SILENCE_FRAME] * 50)
    # each call's first 200 ms went out at once, in the task that had the audio (no tick, no task switch)
    assert sorted(k for k, _ in sent) == list(range(2 * PHASES))
    assert {n for _, n in sent} == {10 * len(SILENCE_FRAME)}
    for p in playouts:
        await p.close()


class SendSocket:
    """Starlette's WebSocket as TwilioLink sees it, over a server offering `archer.text_send` (or not)."""

    def __init__(self, *, writable: bool | None) -> None:
        self.direct: list[str] = []
        self.asgi: list[str] = []
        self._writable = writable
        self.scope: dict[str, Any] = {"type": "websocket", "extensions": {}}
        if writable is not None:
            self.scope["extensions"][TEXT_SEND] = self._send_now

    def _send_now(self, text: str) -> bool:
        if not self._writable:
            return False
        self.direct.append(text)
        return True

    async def send_text(self, text: str) -> None:
        self.asgi.append(text)


async def test_the_link_writes_straight_to_the_protocol_and_falls_back_to_asgi_when_it_cannot() -> None:
    from voice.twilio_link import TwilioLink

    for writable, direct, asgi in ((True, 2, 0), (False, 0, 2), (None, 0, 2)):
        ws = SendSocket(writable=writable)
        link = TwilioLink(ws, stream_sid="MZ1", call_sid="CA1", call_control=None, transfer_number=None)
        await link.send_media(SILENCE_FRAME)
        await link.send_mark("1.0.10")
        assert (len(ws.direct), len(ws.asgi)) == (direct, asgi), writable
        sent = json.loads((ws.direct or ws.asgi)[0])
        assert sent["event"] == "media" and base64.b64decode(sent["media"]["payload"]) == SILENCE_FRAME
