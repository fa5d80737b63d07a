"""A cheap energy voice-activity detector over 20 ms μ-law frames, used for fast barge-in and speech-end timing.

Onset needs a few consecutive loud frames (coughs and clicks are shorter); the end needs a hangover of quiet ones.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from shared.speech.audio import loud_fraction

VadEvent = Literal["start", "end"]


@dataclass
class EnergyVad:
    onset_frames: int = 3                 # 60 ms of speech before "start"
    hangover_frames: int = 10             # 200 ms of quiet before "end"
    loud_share: float = 0.2               # a frame is speech when this share of samples is loud
    speaking: bool = False
    onset_at: float | None = None         # arrival time of the first loud frame of the current run
    last_loud_at: float | None = None     # arrival time of the last loud frame (caller speech end)
    _loud_run: int = 0
    _quiet_run: int = 0

    def feed(self, frame: bytes, now: float) -> VadEvent | None:
        loud = loud_fraction(frame) >= self.loud_share
        if loud:
            if self._loud_run == 0 and not self.speaking:
                self.onset_at = now
            self._loud_run += 1
            self._quiet_run = 0
            self.last_loud_at = now
            if not self.speaking and self._loud_run >= self.onset_frames:
                self.speaking = True
                return "start"
            return None
        self._loud_run = 0
        self._quiet_run += 1
        if self.speaking and self._quiet_run >= self.hangover_frames:
            self.speaking = False
            return "end"
        return None
