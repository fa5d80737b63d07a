"""Real-time playout of agent audio to the phone, with marks so we know what the caller has heard.

Frames are sent at most `lead_ms` ahead of what the far end is playing, so `clear` stays effective; mark names carry
an epoch that changes on every clear, so the echoes returned for dropped audio are recognisably stale.

One `PlayoutClock` per event loop paces every call's playout: each call is ticked every 80 ms and sends its due
audio as one 80 ms message (a quarter of the messages and syscalls of 20 ms frames; the lead keeps the far end's
buffer from running dry, and `clear` drops whatever is buffered, so barge-in is not slower for it). The calls are
spread over `PHASES` phases of the 80 ms period (the clock wakes every 20 ms for a quarter of them), so hundreds of
calls cost a few timer wake-ups per tick, and no single wake-up sends every call's audio at once (that burst would
hold up whatever else the loop has to do, e.g. a turn end, for its whole length).
A playout that has audio to start is ticked at once, in the caller's task (the first audio of a reply never waits
for a tick or a task switch).
`max_gap_ms` is what the caller hears: the longest interval between consecutive 20 ms frames' playback inside a
run of audio (20 ms when the far end's buffer never ran dry). Sends are stepped eagerly: a send that completes
without blocking (the normal case) costs no task; one that blocks (a slow peer) finishes in its own task while that
call's playout waits, so one stuck socket never holds up the others.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from shared.speech.audio import FRAME_MS

MARK_EVERY = 10                      # a progress mark every 200 ms of audio
FRAME_S = FRAME_MS / 1000
FRAMES_PER_SEND = 4                  # 80 ms of audio per media message (Twilio plays any payload size)
TICK_S = FRAME_S * FRAMES_PER_SEND   # a call's period: one message per call per tick in steady state
PHASES = 4                           # the clock wakes every TICK_S / PHASES for the calls of one phase


def step_eagerly(coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any] | None:
    """Run `coro` now, in the caller's task, up to its first real suspension; None when it finished without one,
    else the task that finishes it (what asyncio's eager task factory does in Python 3.12+)."""
    try:
        pending = coro.send(None)
    except StopIteration:
        return None
    except Exception:
        return None                  # a failed send: the link notes the broken socket itself

    async def finish(waiting: Any) -> None:
        while True:
            if waiting is not None:
                await asyncio.wait([waiting])
            try:
                waiting = coro.send(None)
            except StopIteration:
                return
            except Exception:
                return

    def abandon(task: asyncio.Task[Any]) -> None:
        if task.cancelled():
            coro.close()

    task = asyncio.get_running_loop().create_task(finish(pending))
    task.add_done_callback(abandon)
    return task


class PlayoutClock:
    """The process's (event loop's) playout tick."""

    def __init__(self) -> None:
        self._phases: list[dict[Playout, None]] = [{} for _ in range(PHASES)]
        self._assigned = 0
        self._task: asyncio.Task[None] | None = None

    def assign(self) -> int:
        """A phase for a new playout (round-robin, so the phases stay balanced)."""
        self._assigned += 1
        return self._assigned % PHASES

    def activate(self, playout: Playout) -> None:
        self._phases[playout.phase % PHASES][playout] = None
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="playout-clock")

    def deactivate(self, playout: Playout) -> None:
        self._phases[playout.phase % PHASES].pop(playout, None)

    async def _run(self) -> None:
        step = TICK_S / PHASES
        next_tick = time.monotonic()
        phase = 0
        while any(self._phases):
            now = time.monotonic()
            active = self._phases[phase]
            for playout in list(active):
                if not playout.tick(now):
                    active.pop(playout, None)
            phase = (phase + 1) % PHASES
            next_tick += step
            now = time.monotonic()
            if next_tick <= now:                     # the loop lagged: skip ahead rather than burst
                next_tick = now + step
            await asyncio.sleep(next_tick - now)


_clocks: dict[asyncio.AbstractEventLoop, PlayoutClock] = {}


def playout_clock() -> PlayoutClock:
    loop = asyncio.get_running_loop()
    clock = _clocks.get(loop)
    if clock is None:
        for old in [k for k in _clocks if k.is_closed()]:
            del _clocks[old]
        clock = _clocks[loop] = PlayoutClock()
    return clock


class Playout:
    def __init__(self, send_media: Callable[[bytes], Awaitable[None]], send_mark: Callable[[str], Awaitable[None]],
                 *, lead_ms: int = 100, label: str = "", clock: PlayoutClock | None = None) -> None:
        self._send_media = send_media
        self._send_mark = send_mark
        self._lead = lead_ms / 1000
        self._clock = clock or playout_clock()
        self.phase = self._clock.assign()
        self.label = label
        self.frames: list[bytes] = []
        self._end_marks: set[int] = set()
        self._sent_marks: set[str] = set()
        self.turn = 0
        self.epoch = 0
        self.cursor = 0
        self.paused = False
        self.closed = False
        self._play_end = 0.0
        self._blocked: asyncio.Task[Any] | None = None
        self.first_frame_at: float | None = None
        self.last_frame_at: float | None = None
        self.max_gap_ms = 0.0        # largest interval between consecutive frames of one run of audio

    def new_turn(self) -> None:
        self.turn += 1
        self.frames = []
        self._end_marks = set()
        self._sent_marks = set()
        self.cursor = 0
        self.paused = False
        self.first_frame_at = None
        self.last_frame_at = None

    def _kick(self, now: bool) -> None:
        """Hand the playout to the clock; `now`: first tick it here and at once (audio to start, a resume)."""
        if self.closed or self.paused:
            return
        if now and not self.tick(time.monotonic()):
            return                                   # all sent (e.g. only an end mark): nothing for the clock
        self._clock.activate(self)

    def append(self, frame: bytes) -> None:
        self.extend([frame])

    def extend(self, frames: list[bytes]) -> None:
        if frames:
            idle = self.cursor >= len(self.frames)
            self.frames.extend(frames)
            if idle:                                 # it was idle: start now, not at the next tick
                self._kick(now=True)

    def mark_end(self) -> None:
        """Queue the end-of-turn mark after the last frame so far."""
        self._end_marks.add(len(self.frames))
        self._kick(now=self.cursor >= len(self.frames))

    def pause(self) -> None:
        """Stop sending (the caller sends `clear`, which empties the far end's buffer: nothing is queued there)."""
        self.paused = True
        self.epoch += 1
        self.last_frame_at = None
        self._play_end = 0.0

    def resume(self, position: int) -> None:
        self.cursor = max(0, min(position, len(self.frames)))
        self.paused = False
        self._kick(now=True)

    @property
    def unplayed_s(self) -> float:
        return max(0, len(self.frames) - self.cursor) * FRAME_S

    def parse_mark(self, name: str) -> tuple[int, int, bool] | None:
        """(position, turn, is_end) of a current-epoch mark echo; None for stale or foreign marks."""
        parts = name.split(".")
        try:
            turn, epoch, pos = int(parts[0]), int(parts[1]), int(parts[2])
        except (IndexError, ValueError):
            return None
        if turn != self.turn or epoch != self.epoch:
            return None
        return pos, turn, parts[-1] == "end"

    def _mark_at(self, pos: int) -> str | None:
        if pos in self._end_marks:
            return f"{self.turn}.{self.epoch}.{pos}.end"
        if pos and pos % MARK_EVERY == 0:
            return f"{self.turn}.{self.epoch}.{pos}"
        return None

    def _send(self, coro: Coroutine[Any, Any, Any]) -> bool:
        """Send now; False when the peer is slow (the rest of this tick's sends wait for it)."""
        self._blocked = step_eagerly(coro)
        return self._blocked is None

    def tick(self, now: float) -> bool:
        """Send whatever is due; False when there is nothing left to do until more audio (or a resume) comes."""
        if self.closed or self.paused:
            return False
        if self._blocked is not None:
            if not self._blocked.done():
                return True
            self._blocked = None
        frames = self.frames
        while True:
            pos = self.cursor
            available = len(frames) - pos
            # a progress mark goes with the audio after it; the end mark as soon as the turn is over
            name = self._mark_at(pos) if available > 0 or pos in self._end_marks else None
            if name is not None and name not in self._sent_marks:
                self._sent_marks.add(name)
                if not self._send(self._send_mark(name)):  # type: ignore[arg-type]
                    return True
            if available <= 0:
                return False
            if self._play_end < now:                 # the far end's buffer ran dry: playback restarts now
                if self.last_frame_at is not None:
                    gap = (now - self._play_end) * 1000 + FRAME_MS
                    if gap > self.max_gap_ms:
                        self.max_gap_ms = gap
                self._play_end = now
            due = int((now + self._lead - self._play_end) / FRAME_S + 1e-9)
            if due <= 0:
                return True                          # far enough ahead; the next tick continues
            # up to the next mark boundary, so a mark always follows exactly the audio before it
            boundary = (pos // MARK_EVERY + 1) * MARK_EVERY
            ends = [e for e in self._end_marks if e > pos]
            if ends:
                boundary = min(boundary, min(ends))
            n = min(due, available, boundary - pos)
            self.cursor = pos + n
            audio = frames[pos] if n == 1 else b"".join(frames[pos:pos + n])
            sent_ok = self._send(self._send_media(audio))  # type: ignore[arg-type]
            if self.first_frame_at is None:
                self.first_frame_at = now
                self.max_gap_ms = max(self.max_gap_ms, FRAME_MS)
            self.last_frame_at = now
            self._play_end += n * FRAME_S
            if not sent_ok:
                return True

    async def close(self) -> None:
        self.closed = True
        self._clock.deactivate(self)
        if self._blocked is not None:
            self._blocked.cancel()
            await asyncio.gather(self._blocked, return_exceptions=True)
        self.frames = []
