"""A local Cartesia TTS server speaking `/tts/websocket` as the SDK does: contexts, continue, flush, cancel, done.

Audio is real μ-law 8 kHz speech from espeak-ng + sox (a tone of speech-like length when they are missing),
cached per text; first-byte latency, late chunks after cancel, stalls and socket drops are configurable.
"""
from __future__ import annotations

import array
import asyncio
import base64
import contextlib
import json
import math
import shutil
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from tests.fakes.ws_server import LoopbackWsServer

CHUNK_BYTES = 800                      # 100 ms of audio per chunk message
_cache: dict[tuple[str, int, float], bytes] = {}


def _linear_to_mulaw(sample: int) -> int:
    sign = 0x80 if sample < 0 else 0
    sample = min(abs(sample), 32635) + 0x84
    exponent = max(0, sample.bit_length() - 8)
    mantissa = (sample >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


_encoded: dict[bytes, list[str]] = {}


def _encoded_chunks(audio: bytes) -> list[str]:
    key = audio
    if key not in _encoded:
        _encoded[key] = [base64.b64encode(audio[i:i + CHUNK_BYTES]).decode() for i in range(0, len(audio), CHUNK_BYTES)]
    return _encoded[key]


def tone(duration_ms: int) -> bytes:
    n = duration_ms * 8
    return bytes(_linear_to_mulaw(int(8000 * math.sin(2 * math.pi * 220 * i / 8000))) for i in range(n))


async def synthesize(text: str, wpm: int = 220, tempo: float = 1.0) -> bytes:
    """μ-law 8 kHz mono speech for `text` (cached); `tempo` > 1 speeds it up (sox tempo, pitch kept) for tests."""
    key = (text, wpm, tempo)
    if key in _cache:
        return _cache[key]
    audio = b""
    espeak, sox = shutil.which("espeak-ng"), shutil.which("sox")
    if espeak and sox:
        p1 = await asyncio.create_subprocess_exec(espeak, "-s", str(wpm), "--stdout", text,
                                                  stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
        wav, _ = await p1.communicate()
        effects = ["tempo", str(tempo)] if tempo != 1.0 else []
        p2 = await asyncio.create_subprocess_exec(sox, "-t", "wav", "-", "-t", "raw", "-r", "8000", "-e", "mu-law",
                                                  "-b", "8", "-c", "1", "-", *effects, stdin=asyncio.subprocess.PIPE,
                                                  stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
        audio, _ = await p2.communicate(wav)
    if not audio:
        audio = tone(max(300, int(len(text.split()) * 60_000 / wpm / tempo)))
    _cache[key] = audio
    return audio


PCM_FORMAT = {"container": "raw", "encoding": "pcm_s16le", "sample_rate": 24000}    # the browser guide's
PCM_CHUNK_BYTES = 4800                                                              # 100 ms of s16le 24 kHz
_pcm_cache: dict[tuple[str, int, float], bytes] = {}


def pcm_tone(duration_ms: int, rate: int = 24000) -> bytes:
    n = duration_ms * rate // 1000
    return array.array("h", (int(8000 * math.sin(2 * math.pi * 220 * i / rate)) for i in range(n))).tobytes()


async def synthesize_pcm(text: str, wpm: int = 220, tempo: float = 1.0) -> bytes:
    """PCM s16le 24 kHz mono speech for `text` (espeak-ng + sox; a tone of speech-like length without them)."""
    key = (text, wpm, tempo)
    if key in _pcm_cache:
        return _pcm_cache[key]
    audio = b""
    espeak, sox = shutil.which("espeak-ng"), shutil.which("sox")
    if espeak and sox:
        p1 = await asyncio.create_subprocess_exec(espeak, "-s", str(wpm), "--stdout", text,
                                                  stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
        wav, _ = await p1.communicate()
        effects = ["tempo", str(tempo)] if tempo != 1.0 else []
        p2 = await asyncio.create_subprocess_exec(sox, "-t", "wav", "-", "-t", "raw", "-r", "24000", "-e", "signed",
                                                  "-b", "16", "-c", "1", "-L", "-", *effects,
                                                  stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                                                  stderr=asyncio.subprocess.DEVNULL)
        audio, _ = await p2.communicate(wav)
    if not audio:
        audio = pcm_tone(max(300, int(len(text.split()) * 60_000 / wpm / tempo)))
    audio = audio[: len(audio) - len(audio) % 2]
    _pcm_cache[key] = audio
    return audio


def _encoded_pcm_chunks(audio: bytes) -> list[str]:
    key = b"pcm" + audio
    if key not in _encoded:
        _encoded[key] = [base64.b64encode(audio[i:i + PCM_CHUNK_BYTES]).decode()
                         for i in range(0, len(audio), PCM_CHUNK_BYTES)]
    return _encoded[key]


@dataclass
class TtsFakeConfig:
    first_byte_ms: float = 90
    chunk_interval_ms: float = 20          # 100 ms of audio every 20 ms: 5x faster than real time
    late_chunks_after_cancel: int = 2      # Cartesia finishes what is in flight: the client must drop these
    stall_contexts: int = 0                # the next N contexts send 1 chunk and then nothing, ever
    drop_after_chunks: int | None = None   # close the socket (1011) once after this many chunks
    wpm: int = 220
    tempo: float = 1.0                     # tests speed speech up (sox tempo) to keep calls short


@dataclass
class TtsFakeStats:
    connections: int = 0
    open_connections: int = 0
    contexts: set[str] = field(default_factory=set)
    transcripts: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    late_chunks_sent: int = 0
    chunks_sent: int = 0
    stalled: int = 0
    drops: int = 0
    bad_requests: list[str] = field(default_factory=list)


class _Context:
    def __init__(self, context_id: str) -> None:
        self.id = context_id
        self.queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self.flush_id = 0
        self.pcm = False                   # output_format PCM s16le 24 kHz (else μ-law 8 kHz)
        self.cancelled = False
        self.stalled = False
        self.task: asyncio.Task[None] | None = None


class CartesiaTtsFake(LoopbackWsServer):
    def __init__(self, config: TtsFakeConfig | None = None) -> None:
        super().__init__()
        self.config = config or TtsFakeConfig()
        self.stats = TtsFakeStats()

    def _check(self, ws: ServerConnection, request: Request) -> Response | None:
        if urlsplit(request.path).path != "/tts/websocket":
            return Response(404, "not found", Headers(), b"not found")
        if not request.headers.get("Authorization", "").startswith("Bearer "):
            return Response(401, "missing api key", Headers(), b"missing api key")
        return None

    async def _handle(self, ws: ServerConnection) -> None:
        self.stats.connections += 1
        self.stats.open_connections += 1
        contexts: dict[str, _Context] = {}
        try:
            async for message in ws:
                req = json.loads(message)
                cid = str(req.get("context_id", ""))
                if req.get("cancel"):
                    ctx = contexts.get(cid)
                    if ctx is not None:
                        ctx.cancelled = True
                        self.stats.cancelled.append(cid)
                    continue
                problem = self._validate(req)
                if problem:
                    self.stats.bad_requests.append(problem)
                    await ws.send(json.dumps({"type": "error", "context_id": cid, "done": True,
                                              "status_code": 400, "title": "Bad request", "message": problem}))
                    continue
                ctx = contexts.get(cid)
                if ctx is None:
                    ctx = contexts[cid] = _Context(cid)
                    ctx.pcm = req.get("output_format") == PCM_FORMAT
                    self.stats.contexts.add(cid)
                    if self.config.stall_contexts > 0:
                        self.config.stall_contexts -= 1
                        ctx.stalled = True
                    ctx.task = asyncio.create_task(self._generate(ws, ctx))
                await ctx.queue.put(req)
        except Exception:
            pass
        finally:
            self.stats.open_connections -= 1
            for ctx in contexts.values():
                if ctx.task is not None:
                    ctx.task.cancel()

    @staticmethod
    def _validate(req: dict[str, Any]) -> str | None:
        fmt = req.get("output_format") or {}
        if fmt not in ({"container": "raw", "encoding": "pcm_mulaw", "sample_rate": 8000}, PCM_FORMAT):
            return f"unexpected output_format {fmt}"
        if not req.get("model_id") or not req.get("voice"):
            return "model_id and voice are required"
        return None

    async def _send(self, ws: ServerConnection, body: dict[str, Any]) -> None:
        await ws.send(json.dumps(body))

    async def _generate(self, ws: ServerConnection, ctx: _Context) -> None:
        cfg = self.config
        first = True
        late_left = cfg.late_chunks_after_cancel
        with contextlib.suppress(Exception):
            while True:
                req = await ctx.queue.get()
                if req is None:
                    return
                text = str(req.get("transcript", ""))
                if req.get("flush"):
                    ctx.flush_id += 1
                if text:
                    self.stats.transcripts.append(text)
                    if ctx.pcm:
                        audio = await synthesize_pcm(text, cfg.wpm, cfg.tempo)
                        encoded, chunk_bytes = _encoded_pcm_chunks(audio), PCM_CHUNK_BYTES
                    else:
                        audio = await synthesize(text, cfg.wpm, cfg.tempo)
                        encoded, chunk_bytes = _encoded_chunks(audio), CHUNK_BYTES
                    if first:
                        await asyncio.sleep(cfg.first_byte_ms / 1000)
                        first = False
                    for i in range(0, len(audio), chunk_bytes):
                        if ctx.cancelled:
                            if late_left <= 0:
                                return
                            late_left -= 1
                            self.stats.late_chunks_sent += 1
                        if ctx.stalled and i > 0:
                            self.stats.stalled += 1
                            await asyncio.Event().wait()       # never finishes
                        # pre-encoded: the fake builds no JSON per chunk (it shares a core with 300 callers)
                        await ws.send('{"type":"chunk","context_id":%s,"data":"%s","done":false,'  # noqa: UP031
                                      '"status_code":206,"step_time":1.0,"flush_id":%s}'
                                      % (json.dumps(ctx.id), encoded[i // chunk_bytes],
                                         json.dumps(ctx.flush_id or None)))
                        self.stats.chunks_sent += 1
                        if cfg.drop_after_chunks is not None and self.stats.chunks_sent >= cfg.drop_after_chunks:
                            cfg.drop_after_chunks = None
                            self.stats.drops += 1
                            await ws.close(1011, "fake drop")
                            return
                        await asyncio.sleep(cfg.chunk_interval_ms / 1000)
                if ctx.cancelled:
                    return
                if req.get("flush"):
                    await self._send(ws, {"type": "flush_done", "context_id": ctx.id, "done": False,
                                          "flush_done": True, "flush_id": ctx.flush_id, "status_code": 206})
                if not req.get("continue", False):
                    await self._send(ws, {"type": "done", "context_id": ctx.id, "done": True, "status_code": 206})
                    return
