"""A lean load generator: many Twilio Media Streams callers multiplexed on one event loop, for bench/voice_load.py.

No task per call direction: each call is an asyncio Protocol driving websockets' sans-I/O client (frames parsed in
`data_received`, no reader task), and ONE ticker sends every call's 20 ms inbound frame and "plays" its outbound
audio. Inbound frames are pre-encoded JSON (a template per stream with the base64 payloads computed once per
utterance), so the generator builds no JSON per frame; outbound media frames are recognised by their prefix and
timed without decoding. A per-call script coroutine wakes only at the few moments the conversation changes.
"""
from __future__ import annotations

import asyncio
import binascii
import collections
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import orjson
from websockets.client import ClientProtocol
from websockets.frames import Opcode
from websockets.protocol import State
from websockets.uri import parse_uri

from shared.speech.audio import FRAME_BYTES, SILENCE_FRAME, loud_fraction
from tests.fakes.speech_codec import utterance_audio

TICK_S = 0.02
PHASES = 10                          # each call's 20 ms frames go out in one of 10 phases 2 ms apart (see Swarm)
_B64_SILENCE = binascii.b2a_base64(SILENCE_FRAME, newline=False).decode()
_utterance_cache: dict[tuple[str, int], list[str]] = {}


def encoded_utterance(text: str, duration_ms: int) -> list[str]:
    """The base64 payloads of an utterance's 20 ms frames (computed once per text and length)."""
    key = (text, duration_ms)
    if key not in _utterance_cache:
        audio = utterance_audio(text, duration_ms)
        _utterance_cache[key] = [binascii.b2a_base64(audio[i:i + FRAME_BYTES], newline=False).decode()
                                 for i in range(0, len(audio), FRAME_BYTES)]
    return _utterance_cache[key]


@dataclass
class CallLog:
    media_arrivals: list[float] = field(default_factory=list)
    played_at: list[float] = field(default_factory=list)          # each 20 ms frame's playback time
    clears: list[float] = field(default_factory=list)
    speech_end_sent: list[float] = field(default_factory=list)
    first_agent_frame_after: list[float] = field(default_factory=list)
    played_frames: int = 0


class SwarmCall(asyncio.Protocol):
    """One caller: the websocket (sans-I/O) and the line's state; the swarm's ticker drives its audio."""

    def __init__(self, swarm: Swarm, url: str, headers: dict[str, str], custom_parameters: dict[str, str]) -> None:
        self.swarm = swarm
        self.url = url
        self.headers = headers
        self.custom_parameters = custom_parameters
        self.stream_sid = "MZ" + uuid.uuid4().hex
        self.call_sid = "CA" + uuid.uuid4().hex
        self.log = CallLog()
        self.proto = ClientProtocol(parse_uri(url), max_size=2**20)
        self.transport: asyncio.Transport | None = None
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed = asyncio.Event()
        self._media_prefix = ('{"event":"media","sequenceNumber":"%s","streamSid":"' + self.stream_sid +
                              '","media":{"track":"inbound","chunk":"%s","timestamp":"%s","payload":"')
        self._seq = 0
        self._chunk = 0
        self._out: collections.deque[str] = collections.deque()        # payloads still to speak
        self._playback: collections.deque[bool | str] = collections.deque()   # True = a frame; str = a mark
        self._last_played_at = 0.0
        self._awaiting_reply = False
        self._spoken: asyncio.Future[None] | None = None
        self.phase = 0                                                 # its offset in the 20 ms period

    # ---- asyncio.Protocol ---------------------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        request = self.proto.connect()
        for k, v in self.headers.items():
            request.headers[k] = v
        self.proto.send_request(request)
        self._flush()

    def data_received(self, data: bytes) -> None:
        self.proto.receive_data(data)
        now = time.monotonic()
        for event in self.proto.events_received():
            opcode = getattr(event, "opcode", None)
            if opcode is None:                                # the handshake response
                if self.proto.state is State.OPEN and not self.opened.done():
                    self.opened.set_result(None)
                elif not self.opened.done():
                    status = getattr(event, "status_code", "?")
                    self.opened.set_exception(ConnectionError(f"handshake refused: {status}"))
            elif opcode is Opcode.TEXT:
                self._on_text(event.data, now)
        self._flush()
        if self.proto.close_expected() and self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(ConnectionError("connection lost during handshake"))
        self.closed.set()
        self.swarm.calls.discard(self)
        if self._spoken is not None and not self._spoken.done():
            self._spoken.set_result(None)

    def _flush(self) -> None:
        data = self.proto.data_to_send()
        if data and self.transport is not None and not self.transport.is_closing():
            self.transport.write(b"".join(data))

    def _send_text(self, text: str) -> None:
        if self.proto.state is State.OPEN:
            self.proto.send_text(text.encode())
            self._flush()

    # ---- the line -----------------------------------------------------------------------------------------------
    def _on_text(self, data: bytes, now: float) -> None:
        if data.startswith(b'{"event":"media"'):
            self.log.media_arrivals.append(now)
            at = data.find(b'"payload":"') + 11
            size = (len(data) - 3 - at) * 3 // 4                  # bytes of audio, without decoding them
            if self._awaiting_reply:
                if loud_fraction(binascii.a2b_base64(data[at:len(data) - 3])) > 0:
                    self._awaiting_reply = False
                    self.log.first_agent_frame_after.append(now)
            self._playback.extend([True] * max(1, -(-size // FRAME_BYTES)))
            return
        msg = orjson.loads(data)
        event = msg.get("event")
        if event == "mark":
            self._playback.append(str(msg["mark"]["name"]))
        elif event == "clear":
            self.log.clears.append(now)
            pending = [x for x in self._playback if isinstance(x, str)]
            self._playback.clear()
            for name in pending:
                self._echo(name)

    def _echo(self, name: str) -> None:
        self._seq += 1
        self._send_text('{"event":"mark","sequenceNumber":"%d","streamSid":"%s","mark":{"name":%s}}'  # noqa: UP031
                        % (self._seq, self.stream_sid, json.dumps(name)))

    def tick(self, now: float) -> None:
        """One 20 ms period: send one inbound frame, play one outbound frame, echo marks that became due."""
        payload = _B64_SILENCE
        if self._out:
            payload = self._out.popleft()
            if not self._out:
                self.log.speech_end_sent.append(now)
                self._awaiting_reply = True
                if self._spoken is not None and not self._spoken.done():
                    self._spoken.set_result(None)
        self._seq += 1
        self._chunk += 1
        self._send_text(self._media_prefix % (self._seq, self._chunk, self._chunk * 20) + payload + '"}}')
        playback = self._playback
        while playback and playback[0] is not True:
            self._echo(playback.popleft())  # type: ignore[arg-type]
        if playback:
            playback.popleft()
            self.log.played_frames += 1
            self.log.played_at.append(now)
            self._last_played_at = now
            while playback and playback[0] is not True:
                self._echo(playback.popleft())  # type: ignore[arg-type]

    # ---- script API -----------------------------------------------------------------------------------------------
    async def start(self) -> None:
        await self.opened
        self._seq += 1
        self._send_text(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        self._seq += 1
        self._send_text(json.dumps({"event": "start", "sequenceNumber": str(self._seq), "streamSid": self.stream_sid,
                                    "start": {"accountSid": "AC" + "0" * 32, "streamSid": self.stream_sid,
                                              "callSid": self.call_sid, "tracks": ["inbound"],
                                              "customParameters": self.custom_parameters,
                                              "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000,
                                                              "channels": 1}}}))
        self.swarm.calls.add(self)
        self.swarm._by_phase[self.phase][self] = None

    async def say(self, text: str, duration_ms: int) -> None:
        if self.closed.is_set():
            raise ConnectionError("the call is over")
        self._spoken = asyncio.get_running_loop().create_future()
        self._out.extend(encoded_utterance(text, duration_ms))
        await self._spoken

    async def _until(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if self.closed.is_set():
                return
            if time.monotonic() > deadline:
                raise TimeoutError(what)
            await asyncio.sleep(0.05)

    async def wait_agent_done(self, *, quiet_ms: int = 400, timeout: float = 30.0) -> None:
        start = self.log.played_frames
        await self._until(lambda: self.log.played_frames > start and not self._playback
                          and time.monotonic() - self._last_played_at >= quiet_ms / 1000, timeout,
                          "the agent did not finish speaking")

    async def wait_agent_speaking(self, timeout: float = 30.0) -> None:
        start = self.log.played_frames
        await self._until(lambda: self.log.played_frames > start, timeout, "the agent did not start speaking")
        if self.closed.is_set():
            raise TimeoutError("the call ended before the agent spoke")

    def hangup(self) -> None:
        self._seq += 1
        self._send_text(json.dumps({"event": "stop", "sequenceNumber": str(self._seq), "streamSid": self.stream_sid,
                                    "stop": {"accountSid": "AC" + "0" * 32, "callSid": self.call_sid}}))
        self.close()

    def close(self) -> None:
        self.swarm.calls.discard(self)
        if self.transport is not None and not self.transport.is_closing():
            if self.proto.state is State.OPEN:
                self.proto.send_close(1000)
                self._flush()
            self.transport.close()


class Swarm:
    """The callers of one load level and their single ticker.

    Real phone streams are not in phase: each call's 20 ms frames leave the carrier at its own offset within the
    20 ms period. A ticker that sent every call's frame at the same instant would land N messages on the service in
    one burst every 20 ms (and every reply behind that burst), which no carrier does. So each call is given one of
    `PHASES` offsets (round-robin as it dials, i.e. deterministic) and the ticker wakes every 20/PHASES ms for the
    calls of that phase: the same frames per second, spread over the period as independent streams would be.
    `phases=1` restores the old lock-step ticker (for a before/after comparison).
    """

    def __init__(self, phases: int = PHASES) -> None:
        self.calls: set[SwarmCall] = set()
        self.phases = max(1, phases)
        self._by_phase: list[dict[SwarmCall, None]] = [{} for _ in range(self.phases)]
        self._dialed = 0
        self._ticker: asyncio.Task[None] | None = None
        self.late_ticks = 0                       # ticks that started > 10 ms late: the generator is saturated
        self.ticks = 0

    async def dial(self, url: str, *, headers: dict[str, str], custom_parameters: dict[str, str]) -> SwarmCall:
        parts = urlsplit(url)
        loop = asyncio.get_running_loop()
        _, call = await loop.create_connection(lambda: SwarmCall(self, url, headers, custom_parameters),
                                               parts.hostname, parts.port)
        call.phase = self._dialed % self.phases
        self._dialed += 1
        await call.start()
        if self._ticker is None or self._ticker.done():
            self._ticker = asyncio.create_task(self._tick_loop(), name="swarm-ticker")
        return call

    async def _tick_loop(self) -> None:
        step = TICK_S / self.phases
        next_tick = time.monotonic()
        phase = 0
        while True:
            now = time.monotonic()
            if phase == 0:
                self.ticks += 1
                if now - next_tick > 0.01:
                    self.late_ticks += 1
            calls = self._by_phase[phase]
            for call in list(calls):
                if call in self.calls:
                    call.tick(now)
                else:
                    del calls[call]
            phase = (phase + 1) % self.phases
            next_tick += step
            if next_tick < now:
                next_tick = now
            await asyncio.sleep(max(0.0, next_tick - time.monotonic()))

    async def close(self) -> None:
        for call in list(self.calls):
            call.close()
        if self._ticker is not None:
            self._ticker.cancel()
            await asyncio.gather(self._ticker, return_exceptions=True)

