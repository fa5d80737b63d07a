"""A scripted phone caller speaking Twilio Media Streams to the voice service, the way Twilio itself does.

It signs the websocket handshake, sends `connected`/`start` (with customParameters), 20 ms μ-law frames in real
time (silence between utterances), DTMF and `stop`; it "plays" the agent's audio at real-time speed, echoes each
mark once the audio before it has played, and on `clear` drops its buffer and echoes the pending marks at once.
"""
from __future__ import annotations

import asyncio
import base64
import collections
import contextlib
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from shared.speech.audio import FRAME_BYTES, SILENCE_FRAME, loud_fraction
from tests.fakes.speech_codec import noise_audio, utterance_audio

TICK_S = 0.02


@dataclass
class CallerLog:
    media_arrivals: list[float] = field(default_factory=list)     # monotonic time of each media frame received
    marks_received: list[tuple[float, str]] = field(default_factory=list)
    marks_echoed: list[str] = field(default_factory=list)
    clears: list[float] = field(default_factory=list)
    played_frames: int = 0
    speech_end_sent: list[float] = field(default_factory=list)   # last frame of each utterance sent
    speech_onset_sent: list[float] = field(default_factory=list)
    first_agent_frame_after: list[float] = field(default_factory=list)
    closed_by_server: bool = False


class TwilioCaller:
    def __init__(self, url: str, *, custom_parameters: dict[str, str], signature: str | None = None,
                 call_sid: str | None = None) -> None:
        self.url = url
        self.custom_parameters = custom_parameters
        self.signature = signature
        self.call_sid = call_sid or "CA" + uuid.uuid4().hex
        self.stream_sid = "MZ" + uuid.uuid4().hex
        self.log = CallerLog()
        self._ws: ClientConnection | None = None
        self._out = bytearray()
        self._playback: collections.deque[bytes | str] = collections.deque()
        self._tasks: list[asyncio.Task[None]] = []
        self._seq = 0
        self._last_played_at = 0.0
        self._awaiting_reply = False
        self._utterance_done = asyncio.Event()
        self.closed = asyncio.Event()
        self.background: bytes = b""          # a noisy line: looped instead of silence between utterances
        self._bg_pos = 0

    # ---- script API -------------------------------------------------------------------------------------------
    async def connect(self) -> None:
        headers = {"X-Twilio-Signature": self.signature} if self.signature else {}
        self._ws = await connect(self.url, additional_headers=headers, compression=None, max_size=2**20)
        await self._send({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        await self._send({"event": "start", "streamSid": self.stream_sid, "start": {
            "accountSid": "AC" + "0" * 32, "streamSid": self.stream_sid, "callSid": self.call_sid,
            "tracks": ["inbound"], "customParameters": self.custom_parameters,
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}}})
        self._tasks = [asyncio.create_task(self._tick_loop()), asyncio.create_task(self._recv_loop())]

    async def say(self, text: str, duration_ms: int | None = None) -> None:
        """Speak an utterance (returns when its last frame has been sent)."""
        await self._speak(utterance_audio(text, duration_ms))

    async def noise(self, duration_ms: int) -> None:
        await self._speak(noise_audio(duration_ms))

    async def play(self, audio: bytes) -> None:
        """Send any μ-law audio as the caller's side of the line (e.g. a noisy-line clip); returns once sent."""
        await self._speak(audio[: len(audio) - len(audio) % FRAME_BYTES])

    async def _speak(self, audio: bytes) -> None:
        if self.closed.is_set():
            raise ConnectionError("the call is over")
        self._utterance_done.clear()
        self._out += audio
        done = asyncio.ensure_future(self._utterance_done.wait())
        gone = asyncio.ensure_future(self.closed.wait())
        try:
            await asyncio.wait({done, gone}, return_when=asyncio.FIRST_COMPLETED)
        finally:  # also when the caller's speech is cancelled mid-utterance: leave no waiter behind
            done.cancel()
            gone.cancel()

    async def press(self, digit: str) -> None:
        await self._send({"event": "dtmf", "streamSid": self.stream_sid, "dtmf": {"track": "inbound_track",
                                                                                  "digit": digit}})

    async def hangup(self) -> None:
        with contextlib.suppress(Exception):
            await self._send({"event": "stop", "streamSid": self.stream_sid,
                              "stop": {"accountSid": "AC" + "0" * 32, "callSid": self.call_sid}})
        await self.close()

    async def wait_agent_done(self, *, quiet_ms: int = 400, timeout: float = 20.0) -> None:
        """Wait until the agent has spoken and then stayed quiet (nothing left to play) for `quiet_ms`."""
        start_frames = self.log.played_frames
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            idle = not self._playback and time.monotonic() - self._last_played_at >= quiet_ms / 1000
            if (self.log.played_frames > start_frames and idle) or self.closed.is_set():
                return
            await asyncio.sleep(0.02)
        raise TimeoutError("the agent did not finish speaking")

    async def wait_agent_speaking(self, timeout: float = 10.0) -> None:
        start = self.log.played_frames
        deadline = time.monotonic() + timeout
        while self.log.played_frames == start:
            if time.monotonic() > deadline or self.closed.is_set():
                raise TimeoutError("the agent did not start speaking")
            await asyncio.sleep(0.01)

    async def close(self) -> None:
        for task in self._tasks:
            if task is not asyncio.current_task():
                task.cancel()
        await asyncio.gather(*(t for t in self._tasks if t is not asyncio.current_task()), return_exceptions=True)
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        self.closed.set()

    # ---- the wire ---------------------------------------------------------------------------------------------
    async def _send(self, body: dict[str, Any]) -> None:
        self._seq += 1
        assert self._ws is not None
        await self._ws.send(json.dumps({**body, "sequenceNumber": str(self._seq)}))

    async def _tick_loop(self) -> None:
        """Every 20 ms: send one inbound frame, play one outbound frame, echo marks that have become due."""
        with contextlib.suppress(Exception):
            await self._ticks()

    async def _ticks(self) -> None:
        next_tick = time.monotonic()
        chunk = 0
        while True:
            now = time.monotonic()
            frame = SILENCE_FRAME
            if self._out:
                frame = bytes(self._out[:FRAME_BYTES])
                del self._out[:FRAME_BYTES]
                if chunk == 0 or not self.log.speech_onset_sent or self._was_silent:
                    self.log.speech_onset_sent.append(now)
                self._was_silent = False
                if not self._out:
                    self.log.speech_end_sent.append(now)
                    self._awaiting_reply = True
                    self._utterance_done.set()
            else:
                self._was_silent = True
                if self.background:
                    if self._bg_pos + FRAME_BYTES > len(self.background):
                        self._bg_pos = 0
                    frame = self.background[self._bg_pos:self._bg_pos + FRAME_BYTES]
                    self._bg_pos += FRAME_BYTES
            chunk += 1
            await self._send({"event": "media", "streamSid": self.stream_sid, "media": {
                "track": "inbound", "chunk": str(chunk), "timestamp": str(chunk * 20),
                "payload": base64.b64encode(frame).decode()}})
            await self._play_one(now)
            next_tick += TICK_S
            await asyncio.sleep(max(0.0, next_tick - time.monotonic()))

    _was_silent = True

    async def _play_one(self, now: float) -> None:
        await self._echo_due_marks()
        if self._playback and isinstance(self._playback[0], bytes):
            self._playback.popleft()
            self.log.played_frames += 1
            self._last_played_at = now
            await self._echo_due_marks()

    async def _echo_due_marks(self) -> None:
        while self._playback and isinstance(self._playback[0], str):
            name = self._playback.popleft()
            assert isinstance(name, str)
            self.log.marks_echoed.append(name)
            await self._send({"event": "mark", "streamSid": self.stream_sid, "mark": {"name": name}})

    async def _recv_loop(self) -> None:
        assert self._ws is not None
        try:
            async for raw in self._ws:
                msg = json.loads(raw)
                event = msg.get("event")
                now = time.monotonic()
                if msg.get("streamSid") != self.stream_sid:
                    continue
                if event == "media":
                    audio = base64.b64decode(msg["media"]["payload"])
                    self.log.media_arrivals.append(now)
                    if self._awaiting_reply and loud_fraction(audio) > 0:
                        self._awaiting_reply = False
                        self.log.first_agent_frame_after.append(now)
                    for i in range(0, len(audio), FRAME_BYTES):      # Twilio plays any payload size
                        self._playback.append(audio[i:i + FRAME_BYTES])
                elif event == "mark":
                    self.log.marks_received.append((now, msg["mark"]["name"]))
                    self._playback.append(str(msg["mark"]["name"]))
                elif event == "clear":
                    self.log.clears.append(now)
                    pending = [x for x in self._playback if isinstance(x, str)]
                    self._playback.clear()
                    for name in pending:
                        self.log.marks_echoed.append(name)
                        await self._send({"event": "mark", "streamSid": self.stream_sid, "mark": {"name": name}})
        except Exception:
            pass
        finally:
            self.log.closed_by_server = True
            self.closed.set()
            for task in self._tasks:
                if task is not asyncio.current_task():
                    task.cancel()
