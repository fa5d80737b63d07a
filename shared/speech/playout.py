"""Real-time playout of one agent turn's frames to the phone, with marks so we know what the caller has heard.

Frames are sent at most `lead_ms` ahead of what Twilio is playing, so `clear` stays effective; mark names carry an
epoch that changes on every clear, so the echoes Twilio returns for dropped audio are recognisably stale.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from shared.speech.audio import FRAME_MS

MARK_EVERY = 10                      # a progress mark every 200 ms of audio


class Playout:
    def __init__(self, send_media: Callable[[bytes], Awaitable[None]], send_mark: Callable[[str], Awaitable[None]],
                 *, lead_ms: int = 100, label: str = "") -> None:
        self._send_media = send_media
        self._send_mark = send_mark
        self._lead = lead_ms / 1000
        self._frame_s = FRAME_MS / 1000
        self.frames: list[bytes] = []
        self._end_marks: set[int] = set()
        self.turn = 0
        self.epoch = 0
        self.cursor = 0
        self.paused = False
        self._play_end = 0.0
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name=f"playout{label}")
        self.first_frame_at: float | None = None
        self.last_frame_at: float | None = None
        self.max_gap_ms = 0.0        # largest interval between consecutive frames of one run of audio

    def new_turn(self) -> None:
        self.turn += 1
        self.frames = []
        self._end_marks = set()
        self.cursor = 0
        self.paused = False
        self.first_frame_at = None
        self.last_frame_at = None

    def append(self, frame: bytes) -> None:
        self.frames.append(frame)
        self._wake.set()

    def mark_end(self) -> None:
        """Queue the end-of-turn mark after the last frame so far."""
        self._end_marks.add(len(self.frames))
        self._wake.set()

    def pause(self) -> None:
        self.paused = True
        self.epoch += 1
        self.last_frame_at = None

    def resume(self, position: int) -> None:
        self.cursor = max(0, min(position, len(self.frames)))
        self.paused = False
        self._wake.set()

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

    def _marks_at(self, pos: int) -> list[str]:
        names = []
        if pos in self._end_marks:
            names.append(f"{self.turn}.{self.epoch}.{pos}.end")
        elif pos and pos % MARK_EVERY == 0:
            names.append(f"{self.turn}.{self.epoch}.{pos}")
        return names

    async def _run(self) -> None:
        sent_marks: set[tuple[int, int, int]] = set()
        while True:
            pos = self.cursor
            if self.paused or (pos >= len(self.frames) and pos not in self._end_marks):
                self._wake.clear()
                await self._wake.wait()
                continue
            for name in self._marks_at(pos):
                key = (self.turn, self.epoch, pos)
                if key not in sent_marks:
                    sent_marks.add(key)
                    await self._send_mark(name)
            if pos >= len(self.frames):
                self._wake.clear()
                await self._wake.wait()
                continue
            now = time.monotonic()
            if self._play_end < now:
                self._play_end = now                 # the far end's buffer ran dry: playback restarts now
            wait = self._play_end - self._lead - now
            if wait > 0:
                await asyncio.sleep(wait)
                if self.paused or self.cursor != pos:
                    continue
            frame = self.frames[pos]
            self.cursor = pos + 1
            await self._send_media(frame)
            sent = time.monotonic()
            if self.first_frame_at is None:
                self.first_frame_at = sent
            elif self.last_frame_at is not None:
                self.max_gap_ms = max(self.max_gap_ms, (sent - self.last_frame_at) * 1000)
            self.last_frame_at = sent
            self._play_end += self._frame_s

    async def close(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        self.frames = []
