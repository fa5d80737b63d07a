"""One call's Cartesia TTS stream: a websocket per call, a context per agent turn, one flushed push per sentence.

Guards the vendor: a context that stalls (no progress, no `done`) or a dropped socket is cancelled and the
unfinished sentences are re-pushed on a fresh context, skipping the audio already delivered.

The SDK opens the socket and sends the requests; the responses are read raw (`recv_bytes`, the SDK's own way to skip
its parsing) by one reader per socket and parsed with orjson, then routed to the turn by context id. An agent's
audio arrives as ~10 chunk messages a second per call: the SDK's per-message model construction and per-context
queue cost more than the rest of that path together.
"""
from __future__ import annotations

import asyncio
import binascii
import contextlib
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from shared.speech.audio import SAMPLE_RATE

if TYPE_CHECKING:
    from cartesia import AsyncCartesia

log = logging.getLogger(__name__)

OUTPUT_FORMAT = {"container": "raw", "encoding": "pcm_mulaw", "sample_rate": SAMPLE_RATE}
DEFAULT_VOICE_ID = "a0e99841-438c-4a64-b679-ae501e7d6091"

AudioSink = Callable[[int, bytes], None]          # (sentence index, μ-law bytes)
SentenceDone = Callable[[int], None]


class TtsStream:
    """The call's TTS websocket; `turn()` opens a context for one agent turn."""

    def __init__(self, client: AsyncCartesia, *, model_id: str, voice_id: str | None,
                 stall_timeout_s: float = 1.0, max_retries: int = 2, label: str = "",
                 output_format: dict[str, Any] | None = None) -> None:
        self._client = client
        self.output_format = output_format or OUTPUT_FORMAT   # phone calls: μ-law 8 kHz (the guide: PCM 24 kHz)
        self.model_id = model_id
        self.voice_id = voice_id or DEFAULT_VOICE_ID
        self.stall_timeout_s = stall_timeout_s
        self.max_retries = max_retries
        self.label = label
        self._conn: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._routes: dict[str, Callable[[dict[str, Any]], None]] = {}    # context id → its turn's handler
        self.reconnects = 0

    async def start(self) -> None:
        await self._open()

    async def reconnect(self) -> None:
        await self._close_conn()
        await self._open()
        self.reconnects += 1

    async def _open(self) -> None:
        self._conn = await self._client.tts.websocket_connect().enter()
        self.ensure_reader()

    def ensure_reader(self) -> None:
        """A reader on the socket (after each send, as the SDK's own listener: its `send` reopens a dropped socket
        by itself, and that new socket needs reading too)."""
        if (self._reader is None or self._reader.done()) and self._conn is not None:
            self._reader = asyncio.create_task(self._read(self._conn), name=f"tts-recv{self.label}")

    async def _read(self, conn: Any) -> None:
        """Every response on this socket to its context's turn; ends when the socket closes (a turn waiting on
        it then stalls, and its watchdog restarts it on a fresh socket)."""
        from websockets.exceptions import ConnectionClosed

        routes = self._routes
        loads = orjson.loads
        while True:
            try:
                raw = await conn.recv_bytes()
            except ConnectionClosed:
                return
            try:
                message = loads(raw)
                handle = routes.get(message["context_id"])
            except (orjson.JSONDecodeError, KeyError, TypeError):
                log.warning("tts response not understood", extra={"size": len(raw)})
                continue
            if handle is not None:               # None: a context cancelled or replaced (its late chunks)
                handle(message)

    def context(self, on_message: Callable[[dict[str, Any]], None]) -> TtsContext:
        """A new context whose responses go to `on_message` until it is `released`."""
        ctx = TtsContext(self, uuid.uuid4().hex)
        self._routes[ctx.context_id] = on_message
        return ctx

    def release(self, ctx: TtsContext) -> None:
        self._routes.pop(ctx.context_id, None)

    def turn(self, on_audio: AudioSink, on_sentence_done: SentenceDone) -> TtsTurn:
        return TtsTurn(self, on_audio, on_sentence_done)

    async def _close_conn(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._conn.close(), timeout=1.0)
            self._conn = None
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
            self._reader = None

    async def close(self) -> None:
        await self._close_conn()
        self._routes.clear()


class TtsContext:
    """One Cartesia context on the stream's socket: generation requests sent through the SDK's connection."""

    def __init__(self, stream: TtsStream, context_id: str) -> None:
        self._stream = stream
        self._conn = stream._conn
        self.context_id = context_id

    def _request(self, transcript: str, *, continue_: bool, flush: bool | None = None) -> Any:
        """The SDK's own request model: it serialises itself (pydantic's core) where a plain dict would be walked
        by the SDK's type transform first (~150 µs a request, one per sentence)."""
        from cartesia.types.generation_request import GenerationRequest

        stream = self._stream
        request: dict[str, Any] = {"context_id": self.context_id, "model_id": stream.model_id,
                                   "transcript": transcript, "voice": {"mode": "id", "id": stream.voice_id},
                                   "output_format": stream.output_format, "continue": continue_, "language": "en"}
        if flush is not None:
            request["flush"] = flush
        return GenerationRequest.model_validate(request)

    async def push(self, text: str) -> None:
        """One sentence, flushed (its audio carries the next flush id)."""
        await self._conn.send(self._request(text, continue_=True, flush=True))
        self._stream.ensure_reader()

    async def no_more_inputs(self) -> None:
        await self._conn.send(self._request("", continue_=False))
        self._stream.ensure_reader()

    async def cancel(self) -> None:
        from cartesia.types.websocket_client_event import CancelContextRequest

        self._stream.release(self)
        await self._conn.send(CancelContextRequest(cancel=True, context_id=self.context_id))


@dataclass
class _Sentence:
    text: str
    received: int = 0          # bytes delivered to the sink
    skip: int = 0              # bytes to discard on a retried context (already delivered)
    done: bool = False
    first_byte_at: float | None = None


class TtsTurn:
    """One context: `push` sentences, `finish`, then `wait()`; `cancel()` on barge-in drops everything late."""

    def __init__(self, stream: TtsStream, on_audio: AudioSink, on_sentence_done: SentenceDone) -> None:
        self._stream = stream
        self._on_audio = on_audio
        self._on_sentence_done = on_sentence_done
        self._sentences: list[_Sentence] = []
        self._flush_map: list[int] = []           # flush_id - 1 on the current context → sentence index
        self._ctx: TtsContext | None = None
        self._finished = False
        self._cancelled = False
        self._progress_at = time.monotonic()
        self._all_done = asyncio.Event()
        self._all_done.set()
        self._watchdog: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self.first_push_at: float | None = None
        self.first_byte_at: float | None = None
        self.retries = 0

    @property
    def context_id(self) -> str | None:
        return self._ctx.context_id if self._ctx is not None else None

    async def push(self, text: str) -> int:
        """Send one sentence (continue + flush); returns its index within the turn."""
        index = len(self._sentences)
        self._sentences.append(_Sentence(text))
        self._all_done.clear()
        if self.first_push_at is None:
            self.first_push_at = time.monotonic()
        async with self._lock:
            if self._ctx is None:
                self._ctx = self._new_context()
                self._flush_map = []
            self._flush_map.append(index)
            await self._send(text)
            self._progress_at = time.monotonic()
            self._ensure_tasks()
        return index

    async def _send(self, text: str) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            await self._ctx.push(text)  # type: ignore[union-attr]
        except ConnectionClosed:
            await self._restart_locked("socket closed on send")

    def _ensure_tasks(self) -> None:
        if self._watchdog is None or self._watchdog.done():
            self._watchdog = asyncio.create_task(self._watch(), name=f"tts-watch{self._stream.label}")

    async def finish(self) -> None:
        """No more sentences this turn."""
        self._finished = True
        async with self._lock:
            if self._ctx is not None and not self._cancelled:
                with contextlib.suppress(Exception):
                    await self._ctx.no_more_inputs()

    async def wait(self) -> None:
        await self._all_done.wait()

    def _new_context(self) -> TtsContext:
        ctx: TtsContext

        def on_message(message: dict[str, Any]) -> None:
            self._on_message(ctx, message)

        ctx = self._stream.context(on_message)
        return ctx

    def _on_message(self, ctx: TtsContext, message: dict[str, Any]) -> None:
        """One response of one of this turn's contexts (the reader's task)."""
        if self._cancelled or ctx is not self._ctx:
            self._stream.release(ctx)            # a late chunk of a cancelled/replaced context: dropped
            return
        self._progress_at = time.monotonic()
        kind = message.get("type")
        if kind == "chunk":
            data = message.get("data")
            if data:
                self._deliver(message.get("flush_id"), binascii.a2b_base64(data))
        elif kind == "flush_done":
            self._sentence_done(message.get("flush_id"))
        elif kind == "error":
            log.warning("tts error event", extra={"title": str(message.get("title", ""))[:100]})
            self._stream.release(ctx)
            self._progress_at = 0.0              # the watchdog restarts the context on its next tick
        elif kind == "done":
            self._stream.release(ctx)
            for i in range(len(self._sentences)):
                self._sentence_done_index(i)

    def _index(self, flush_id: int | None) -> int | None:
        if flush_id is None or not 1 <= flush_id <= len(self._flush_map):
            return self._flush_map[-1] if self._flush_map else None
        return self._flush_map[flush_id - 1]

    def _deliver(self, flush_id: int | None, audio: bytes) -> None:
        index = self._index(flush_id)
        if index is None:
            return
        s = self._sentences[index]
        if s.done:
            return
        if s.skip:
            cut = min(s.skip, len(audio))
            s.skip -= cut
            audio = audio[cut:]
        if not audio:
            return
        now = time.monotonic()
        if s.first_byte_at is None:
            s.first_byte_at = now
        if self.first_byte_at is None:
            self.first_byte_at = now
        s.received += len(audio)
        self._on_audio(index, audio)

    def _sentence_done(self, flush_id: int | None) -> None:
        index = self._index(flush_id)
        if index is not None:
            self._sentence_done_index(index)

    def _sentence_done_index(self, index: int) -> None:
        s = self._sentences[index]
        if s.done:
            return
        s.done = True
        self._on_sentence_done(index)
        if all(x.done for x in self._sentences):
            self._all_done.set()

    async def _watch(self) -> None:
        timeout = self._stream.stall_timeout_s
        while not self._cancelled and not self._all_done.is_set():
            await asyncio.sleep(timeout / 4)
            if time.monotonic() - self._progress_at > timeout and not self._all_done.is_set():
                await self._restart("stalled")

    async def _restart(self, why: str) -> None:
        async with self._lock:
            await self._restart_locked(why)

    async def _restart_locked(self, why: str) -> None:
        """Replace the context (and the socket if it is gone) and re-push the unfinished sentences."""
        from websockets.exceptions import ConnectionClosed

        if self._cancelled:
            return
        self.retries += 1
        pending = [i for i, s in enumerate(self._sentences) if not s.done]
        log.warning("tts context restart", extra={"why": why, "retry": self.retries, "pending": len(pending)})
        old = self._ctx
        if old is not None:
            self._stream.release(old)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(old.cancel(), timeout=0.5)
        if self.retries > self._stream.max_retries:
            self._ctx = None
            for i in pending:                     # give up on these sentences; the call goes on
                self._sentence_done_index(i)
            return
        for attempt in range(2):
            ctx = self._ctx = self._new_context()
            self._flush_map = []
            try:
                for i in pending:
                    s = self._sentences[i]
                    s.skip = s.received
                    self._flush_map.append(i)
                    await ctx.push(s.text)
                if self._finished:
                    await ctx.no_more_inputs()
                break
            except (ConnectionClosed, OSError):
                self._stream.release(ctx)
                if attempt:
                    raise
                await self._stream.reconnect()
        self._progress_at = time.monotonic()

    async def cancel(self) -> None:
        """Barge-in: tell Cartesia to stop, and drop whatever of this context still arrives."""
        self._cancelled = True
        ctx, self._ctx = self._ctx, None
        if ctx is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ctx.cancel(), timeout=0.5)
        await self.aclose()

    async def aclose(self) -> None:
        self._all_done.set()
        if self._ctx is not None:
            self._stream.release(self._ctx)
        tasks = [t for t in (self._watchdog,) if t is not None and t is not asyncio.current_task()]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
