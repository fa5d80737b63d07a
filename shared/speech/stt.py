"""One call's Cartesia STT stream (ink-2, turn-based websocket): audio in, turn events out, reconnecting on drops.

Audio of the current caller turn is kept until `turn.end`, so after a reconnect it is replayed and the turn completes.
"""
from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shared.speech.audio import SAMPLE_RATE
from shared.speech.playout import step_eagerly

if TYPE_CHECKING:
    from cartesia import AsyncCartesia

log = logging.getLogger(__name__)

IDLE_KEEP_FRAMES = 50          # 1 s of audio kept before a turn starts (its first words)
IDLE_BATCH_FRAMES = 25         # quiet audio outside a caller turn goes in 500 ms messages (nothing waits on it)
SPEECH_BATCH_FRAMES = 2        # speech goes in 40 ms messages; the frame after speech flushes at once
MAX_TURN_FRAMES = 3000         # 60 s: a runaway turn cannot grow memory without bound


@dataclass(frozen=True)
class SttEvent:
    kind: str                  # 'turn.start' | 'turn.update' | 'turn.eager_end' | 'turn.resume' | 'turn.end' | 'error'
    transcript: str = ""


class SttStream:
    """Owns the websocket, a sender task and a receiver task; `close()` ends all three."""

    def __init__(self, client: AsyncCartesia, on_event: Callable[[SttEvent], None], *, model: str = "ink-2",
                 turn_end_timeout_ms: int | None = None, max_reconnects: int = 5, reconnect_delay_s: float = 0.2,
                 label: str = "", encoding: str = "pcm_mulaw", sample_rate: int = SAMPLE_RATE) -> None:
        self._client = client
        self._encoding = encoding                 # phone calls: μ-law 8 kHz; the browser guide: pcm_s16le 16 kHz
        self._sample_rate = sample_rate
        self._on_event = on_event
        self._model = model
        self._turn_end_timeout_ms = turn_end_timeout_ms
        self._max_reconnects = max_reconnects
        self._reconnect_delay_s = reconnect_delay_s
        self._label = label
        self._conn: Any = None
        self._frames: collections.deque[bytes] = collections.deque()
        self._sent = 0                          # frames of `_frames` already on the current connection
        self._in_turn = False
        self._wake = asyncio.Event()
        self._connected = asyncio.Event()
        self._closed = False
        self._was_urgent = False
        self._turn_over = False                  # the recogniser ended the turn and no voice came since
        self._inflight: asyncio.Task[Any] | None = None      # an eager send that blocked (slow socket)
        self._tasks: list[asyncio.Task[None]] = []
        self.reconnects = 0

    async def start(self) -> None:
        self._conn = await self._connect()
        self._connected.set()
        self._tasks = [asyncio.create_task(self._send_loop(), name=f"stt-send{self._label}"),
                       asyncio.create_task(self._recv_loop(), name=f"stt-recv{self._label}")]

    async def _connect(self) -> Any:
        kwargs: dict[str, Any] = {"encoding": self._encoding, "sample_rate": self._sample_rate, "model": self._model}
        if self._turn_end_timeout_ms is not None:
            kwargs["turn_end_timeout_ms"] = self._turn_end_timeout_ms
        # Our own reconnect (not the SDK's on_reconnecting): the SDK's queue decodes binary audio as UTF-8.
        return await self._client.stt.auto_finalize.websocket(**kwargs).enter()

    def send_audio(self, frame: bytes, *, urgent: bool = True, voiced: bool | None = None) -> None:
        """Queue one inbound frame (never blocks the media handler). `urgent`: around the caller's speech (the VAD
        heard a voice lately); `voiced`: this frame is the voice itself (None: no VAD to say so). Speech goes out in
        40 ms messages; the frame where the voice begins or ends flushes at once (neither the turn's start nor its
        end is held back); quiet audio between turns goes in 500 ms messages (the stream stays continuous; nothing
        waits on it), and so does the quiet after the recogniser ended the turn (its end is known; a new voice
        flushes at once). Sends are stepped eagerly in the caller's task: no wake-up of another task per frame."""
        if self._closed:
            return
        if self._turn_over and voiced is not None:
            if voiced:
                self._turn_over = False
            else:
                urgent = False
        frames = self._frames
        frames.append(frame)
        if not self._in_turn and len(frames) > IDLE_KEEP_FRAMES and self._sent > 0:
            drop = min(self._sent, len(frames) - IDLE_KEEP_FRAMES)
            for _ in range(drop):
                frames.popleft()
            self._sent -= drop
        elif len(frames) > MAX_TURN_FRAMES and self._sent > 0:
            frames.popleft()
            self._sent -= 1
        unsent = len(frames) - self._sent
        edge = self._was_urgent != urgent          # the voice began (send the held audio now) or ended
        self._was_urgent = urgent
        if edge or unsent >= (SPEECH_BATCH_FRAMES if urgent or self._in_turn else IDLE_BATCH_FRAMES):
            self._flush()

    def _flush(self) -> None:
        inflight = self._inflight
        if not self._connected.is_set() or (inflight is not None and not inflight.done()):
            self._wake.set()                      # the sender task catches up once the socket is ready
            return
        n = len(self._frames) - self._sent
        if n <= 0:
            return
        chunk = b"".join(itertools.islice(self._frames, self._sent, self._sent + n))
        self._sent += n
        self._inflight = step_eagerly(self._conn.send_raw(chunk))

    async def _send_loop(self) -> None:
        from websockets.exceptions import ConnectionClosed

        while not self._closed:
            await self._wake.wait()
            self._wake.clear()
            await self._connected.wait()
            inflight = self._inflight
            if inflight is not None and not inflight.done():
                await asyncio.wait([inflight])
            while self._sent < len(self._frames) and self._connected.is_set():
                n = len(self._frames) - self._sent
                chunk = b"".join(itertools.islice(self._frames, self._sent, self._sent + n))
                try:
                    await self._conn.send_raw(chunk)
                except ConnectionClosed:
                    self._connected.clear()       # the receiver notices too and reconnects
                    break
                self._sent += n                   # trims meanwhile only drop frames counted as sent before

    async def _recv_loop(self) -> None:
        from websockets.exceptions import ConnectionClosed

        while not self._closed:
            try:
                raw = await self._conn.recv_bytes()
            except ConnectionClosed:
                if self._closed or not await self._reconnect():
                    if not self._closed:
                        self._on_event(SttEvent("error", "stt connection lost"))
                    return
                continue
            self._dispatch(self._conn.parse_event(raw))

    def _dispatch(self, event: Any) -> None:
        kind = getattr(event, "type", "")
        if kind == "turn.start":
            self._in_turn = True
        elif kind == "turn.end":
            self._in_turn = False
            self._turn_over = True
            for _ in range(min(self._sent, len(self._frames))):
                self._frames.popleft()
            self._sent = 0
        if kind in {"turn.start", "turn.update", "turn.eager_end", "turn.resume", "turn.end"}:
            self._on_event(SttEvent(kind, getattr(event, "transcript", "") or ""))
        elif kind == "error":
            log.warning("stt error event", extra={"detail": str(getattr(event, "message", ""))[:200]})

    async def _reconnect(self) -> bool:
        self._connected.clear()
        for attempt in range(1, self._max_reconnects + 1):
            await asyncio.sleep(self._reconnect_delay_s * attempt)
            if self._closed:
                return False
            try:
                self._conn = await self._connect()
            except Exception as exc:  # any connect failure (refused, timeout, handshake) is retried
                log.warning("stt reconnect failed", extra={"attempt": attempt, "error": type(exc).__name__})
                continue
            self.reconnects += 1
            self._sent = 0                        # replay the current turn's audio on the new connection
            self._in_turn = False
            self._connected.set()
            self._wake.set()
            log.info("stt reconnected", extra={"attempt": attempt})
            return True
        return False

    async def finalize(self) -> None:
        """End of speech now (push-to-talk released): send the audio still queued and Cartesia's `close` command,
        which turns the buffered audio into its final events (`turn.end`) before the socket closes."""
        await self._connected.wait()
        if self._closed or self._conn is None:
            return
        self._flush()
        inflight = self._inflight
        if inflight is not None and not inflight.done():
            await asyncio.wait([inflight])
        self._max_reconnects = 0                  # the socket closing after `close` is the end, not a drop
        await self._conn.send({"type": "close"})

    async def close(self) -> None:
        self._closed = True
        self._wake.set()
        self._connected.set()
        if self._inflight is not None:
            self._inflight.cancel()
            self._tasks.append(self._inflight)    # type: ignore[arg-type]
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        if self._conn is not None:
            with contextlib.suppress(Exception):      # a dead socket is already closed
                await asyncio.wait_for(self._conn.close(), timeout=1.0)
        self._frames.clear()
