"""A local Cartesia STT server speaking the ink-2 turn-based websocket (`/stt/turns/websocket`) as the SDK does.

It "recognises" the scripted caller's words from the audio (tests/fakes/speech_codec), emits `turn.start` at
speech onset and `turn.end` a fixed latency after the last speech byte arrives; faults are switchable per test.
"""
from __future__ import annotations

import array
import asyncio
import contextlib
import json
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from shared.speech.audio import FRAME_BYTES, loud_fraction
from tests.fakes.speech_codec import MARKER, parse_header
from tests.fakes.ws_server import LoopbackWsServer

NOISE_QUIET_BYTES = 1600          # 200 ms of quiet ends a marker-less (noise) turn


@dataclass
class SttFakeConfig:
    start_latency_ms: float = 30
    end_latency_ms: float = 100               # last speech byte received → turn.end
    eager_end: bool = False                   # also send turn.eager_end (half the end latency) before turn.end
    eager_then_resume: int = 0                # the next N turns: eager_end on half the words, turn.resume, turn.end
    drop_after_speech_bytes: int | None = None   # close the socket (1011) once, mid-utterance
    require_auth: bool = True
    # PCM s16le 16 kHz sessions (the browser guide): a level-based recogniser. It hears a turn where the audio is
    # loud, ends it after `pcm_end_silence_ms` of quiet (or at once on the `close` command: push-to-talk released)
    # and "recognises" the next of `pcm_transcripts` (what the test's clip says), else an empty transcript.
    pcm_transcripts: list[str] = field(default_factory=list)
    pcm_end_silence_ms: float = 500


@dataclass
class SttFakeStats:
    connections: int = 0
    open_connections: int = 0
    audio_bytes: int = 0
    transcripts: list[str] = field(default_factory=list)
    turn_end_sent_at: list[float] = field(default_factory=list)
    drops: int = 0
    rejected: int = 0


class _Session:
    def __init__(self, fake: CartesiaSttFake, ws: ServerConnection) -> None:
        self.fake = fake
        self.ws = ws
        self.request_id = uuid.uuid4().hex
        self.buf = bytearray()
        self.pos = 0                 # absolute stream offset of buf[0]
        self.state = "idle"
        self.text = ""
        self.end_abs = 0
        self.quiet = 0
        self.speech_bytes = 0
        self.tasks: set[asyncio.Task[None]] = set()

    async def send(self, event: dict[str, Any], delay_ms: float = 0) -> None:
        if delay_ms:
            await asyncio.sleep(delay_ms / 1000)
        if event["type"] == "turn.end":
            self.fake.stats.turn_end_sent_at.append(time.monotonic())
        with contextlib.suppress(Exception):
            await self.ws.send(json.dumps({**event, "request_id": self.request_id}))

    def later(self, event: dict[str, Any], delay_ms: float) -> None:
        task = asyncio.create_task(self.send(event, delay_ms))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def feed(self, data: bytes) -> None:
        cfg = self.fake.config
        self.fake.stats.audio_bytes += len(data)
        self.buf += data
        while True:
            if self.state == "speech":
                self.speech_bytes += len(data)
                data = b""
                if cfg.drop_after_speech_bytes is not None and self.speech_bytes >= cfg.drop_after_speech_bytes:
                    cfg.drop_after_speech_bytes = None
                    self.fake.stats.drops += 1
                    await self.ws.close(1011, "fake drop")
                    return
                if self.pos + len(self.buf) >= self.end_abs:
                    cut = self.end_abs - self.pos
                    del self.buf[:cut]
                    self.pos += cut
                    self._end_turn(self.text)
                    continue
                return
            at = self.buf.find(MARKER)
            if at >= 0:
                header = parse_header(bytes(self.buf), at)
                if header is None:
                    return
                self.text, total, _ = header
                if self.state != "noise":
                    self.later({"type": "turn.start"}, cfg.start_latency_ms)
                self.state = "speech"
                self.speech_bytes = len(self.buf) - at - len(data)
                self.end_abs = self.pos + at + total
                continue
            self._scan_noise()
            return

    def _scan_noise(self) -> None:
        keep = len(MARKER) - 1
        usable = len(self.buf) - keep
        i = 0
        while usable - i >= FRAME_BYTES:
            loud = loud_fraction(bytes(self.buf[i:i + FRAME_BYTES])) > 0.5
            if loud:
                self.quiet = 0
                if self.state == "idle":
                    self.state = "noise"
                    self.later({"type": "turn.start"}, self.fake.config.start_latency_ms)
            elif self.state == "noise":
                self.quiet += FRAME_BYTES
                if self.quiet >= NOISE_QUIET_BYTES:
                    self._end_turn("")
            i += FRAME_BYTES
        del self.buf[:i]
        self.pos += i

    def _end_turn(self, text: str) -> None:
        cfg = self.fake.config
        self.state = "idle"
        self.quiet = 0
        self.fake.stats.transcripts.append(text)
        if cfg.eager_then_resume and text:
            cfg.eager_then_resume -= 1
            words = text.split()
            partial = " ".join(words[:max(1, len(words) // 2)])
            self.later({"type": "turn.eager_end", "transcript": partial}, cfg.end_latency_ms / 3)
            self.later({"type": "turn.resume"}, cfg.end_latency_ms * 2 / 3)
        elif cfg.eager_end and text:
            self.later({"type": "turn.eager_end", "transcript": text}, cfg.end_latency_ms / 2)
        self.later({"type": "turn.end", "transcript": text}, cfg.end_latency_ms)


PCM_RATE = 16_000
PCM_FRAME_BYTES = PCM_RATE * 2 // 50        # 20 ms of s16le
PCM_LOUD_MEAN_ABS = 400                     # mean |sample| above this is voice (silence and hiss are far below)


def pcm_loud(frame: bytes) -> bool:
    samples = array.array("h", frame[: len(frame) - len(frame) % 2])
    if sys.byteorder != "little":
        samples.byteswap()
    return bool(samples) and sum(abs(x) for x in samples) / len(samples) > PCM_LOUD_MEAN_ABS


class _PcmSession(_Session):
    """A pcm_s16le 16 kHz session: turn.start at the first loud frame, turn.end after quiet or on `close`."""

    def __init__(self, fake: CartesiaSttFake, ws: ServerConnection) -> None:
        super().__init__(fake, ws)
        self.quiet_ms = 0.0

    async def feed(self, data: bytes) -> None:
        self.fake.stats.audio_bytes += len(data)
        self.buf += data
        cut = len(self.buf) - len(self.buf) % PCM_FRAME_BYTES
        frames, self.buf = bytes(self.buf[:cut]), self.buf[cut:]
        for i in range(0, len(frames), PCM_FRAME_BYTES):
            loud = pcm_loud(frames[i:i + PCM_FRAME_BYTES])
            if self.state == "idle" and loud:
                self.state = "speech"
                self.quiet_ms = 0
                self.later({"type": "turn.start"}, self.fake.config.start_latency_ms)
            elif self.state == "speech":
                self.quiet_ms = 0 if loud else self.quiet_ms + 20
                if self.quiet_ms >= self.fake.config.pcm_end_silence_ms:
                    self.finish_turn()

    def finish_turn(self) -> None:
        if self.state != "speech":
            return
        script = self.fake.config.pcm_transcripts
        self._end_turn(script.pop(0) if script else "")

    async def close_command(self) -> None:
        """Cartesia's `close`: the buffered audio becomes its final events, then the socket closes."""
        self.finish_turn()
        if self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)


class CartesiaSttFake(LoopbackWsServer):
    def __init__(self, config: SttFakeConfig | None = None) -> None:
        super().__init__()
        self.config = config or SttFakeConfig()
        self.stats = SttFakeStats()

    def _check(self, ws: ServerConnection, request: Request) -> Response | None:
        parts = urlsplit(request.path)
        q = {k: v[0] for k, v in parse_qs(parts.query).items()}
        problem = None
        if parts.path != "/stt/turns/websocket":
            problem = (404, "not found")
        elif self.config.require_auth and not request.headers.get("Authorization", "").startswith("Bearer "):
            problem = (401, "missing api key")
        elif not request.headers.get("cartesia-version"):
            problem = (400, "missing cartesia-version")
        elif (q.get("encoding"), q.get("sample_rate")) not in (("pcm_mulaw", "8000"), ("pcm_s16le", "16000")) \
                or q.get("model") != "ink-2":
            problem = (400, f"unsupported audio: {q}")
        if problem is None:
            return None
        self.stats.rejected += 1
        return Response(problem[0], problem[1], Headers(), problem[1].encode())

    async def _handle(self, ws: ServerConnection) -> None:
        self.stats.connections += 1
        self.stats.open_connections += 1
        assert ws.request is not None
        pcm = parse_qs(urlsplit(ws.request.path).query).get("encoding") == ["pcm_s16le"]
        session = _PcmSession(self, ws) if pcm else _Session(self, ws)
        try:
            await session.send({"type": "connected"})
            async for message in ws:
                if isinstance(message, bytes):
                    await session.feed(message)
                elif json.loads(message).get("type") == "close":
                    if isinstance(session, _PcmSession):
                        await session.close_command()
                    break
        except Exception:
            pass
        finally:
            self.stats.open_connections -= 1
            for task in list(session.tasks):
                task.cancel()


def now_ms() -> float:
    return time.monotonic() * 1000
