"""Latency as heard at the phone bridge, from a dual-channel call recording: caller speech end → agent audio start.

Speech on each channel is found with WebRTC's VAD (webrtcvad-wheels, 10 ms frames) gated by an energy floor, pauses
shorter than `min_silence_ms` are bridged, and each segment's edges are refined to the first/last sample above the
floor. A reply is the first agent segment that starts after a caller segment ends, before the caller speaks again;
the n-th reply is turn n (turn 0 is the agent's greeting, which answers no caller speech).
"""
from __future__ import annotations

import asyncio
import io
import logging
import sys
import uuid
import wave
from array import array
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from psycopg import AsyncConnection

log = logging.getLogger(__name__)

VAD_RATES = (8000, 16000, 32000, 48000)


class RecordingFormatError(ValueError):
    """The recording is not a 16-bit PCM WAV with the expected channels at a rate the VAD supports."""


@dataclass(frozen=True)
class AnalysisConfig:
    caller_channel: int = 0          # Twilio dual-channel: the called/calling party on the first channel,
    agent_channel: int = 1           # the audio Archer streams on the second
    vad_mode: int = 2                # 0 (least aggressive) … 3
    frame_ms: int = 10
    energy_floor: int = 300          # |sample| on the 16-bit scale, about −40 dBFS
    min_silence_ms: int = 300        # shorter pauses are inside one utterance
    min_speech_ms: int = 60          # shorter blips are clicks, not speech


@dataclass(frozen=True)
class Segment:
    start_ms: float
    end_ms: float


@dataclass(frozen=True)
class TurnGap:
    turn: int
    caller_speech_end_ms: float
    agent_audio_start_ms: float

    @property
    def gap_ms(self) -> float:
        return round(self.agent_audio_start_ms - self.caller_speech_end_ms, 2)


@dataclass(frozen=True)
class RecordingAnalysis:
    duration_ms: float
    caller: list[Segment]
    agent: list[Segment]
    gaps: list[TurnGap]


def decode_wav(data: bytes, channels: int = 2) -> tuple[list[array[int]], int]:
    """Per-channel 16-bit samples and the sample rate of a PCM WAV."""
    try:
        with wave.open(io.BytesIO(data), "rb") as wav:
            n_channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
            frames = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as exc:
        raise RecordingFormatError(f"not a readable WAV file: {exc}") from None
    if width != 2:
        raise RecordingFormatError(f"expected 16-bit PCM, got {8 * width}-bit samples")
    if n_channels != channels:
        raise RecordingFormatError(f"expected {channels} channels, got {n_channels}")
    if rate not in VAD_RATES:
        raise RecordingFormatError(f"sample rate {rate} Hz is not one the VAD supports {VAD_RATES}")
    samples = array("h")
    samples.frombytes(frames[:len(frames) - len(frames) % 2])
    if sys.byteorder == "big":
        samples.byteswap()
    return [samples[c::n_channels] for c in range(n_channels)], rate


def _loud(samples: array[int], floor: int) -> bool:
    return bool(samples) and max(max(samples), -min(samples)) >= floor


def speech_segments(samples: array[int], rate: int, config: AnalysisConfig = AnalysisConfig()) -> list[Segment]:
    """Where this channel has speech, in ms from the start of the recording."""
    import webrtcvad

    vad = webrtcvad.Vad(config.vad_mode)
    step = rate * config.frame_ms // 1000
    voiced: list[bool] = []
    for i in range(0, len(samples) - step + 1, step):
        frame = samples[i:i + step]
        voiced.append(_loud(frame, config.energy_floor) and vad.is_speech(frame.tobytes(), rate))
    runs: list[list[int]] = []          # [first frame, last frame] of voiced runs, pauses bridged
    bridge = config.min_silence_ms // config.frame_ms
    for idx, v in enumerate(voiced):
        if not v:
            continue
        if runs and idx - runs[-1][1] - 1 < bridge:
            runs[-1][1] = idx
        else:
            runs.append([idx, idx])
    segments = []
    for first, last in runs:
        # The VAD decides what is speech; the edges are where the sound is, to the sample.
        while first > 0 and _loud(samples[(first - 1) * step:first * step], config.energy_floor):
            first -= 1
        while (last + 2) * step <= len(samples) and _loud(samples[(last + 1) * step:(last + 2) * step],
                                                          config.energy_floor):
            last += 1
        start = next(i for i in range(first * step, (first + 1) * step) if abs(samples[i]) >= config.energy_floor)
        end = next(i for i in range((last + 1) * step - 1, last * step - 1, -1)
                   if abs(samples[i]) >= config.energy_floor) + 1
        if (end - start) * 1000 / rate >= config.min_speech_ms:
            segments.append(Segment(round(start * 1000 / rate, 2), round(end * 1000 / rate, 2)))
    return segments


def reply_gaps(caller: list[Segment], agent: list[Segment]) -> list[TurnGap]:
    """Each caller utterance answered by the agent before the caller spoke again: one numbered turn."""
    gaps: list[TurnGap] = []
    for i, said in enumerate(caller):
        next_caller = caller[i + 1].start_ms if i + 1 < len(caller) else float("inf")
        reply = next((a for a in agent if a.start_ms >= said.end_ms), None)
        if reply is not None and reply.start_ms < next_caller:
            gaps.append(TurnGap(len(gaps) + 1, said.end_ms, reply.start_ms))
    return gaps


def analyze_wav(data: bytes, config: AnalysisConfig = AnalysisConfig()) -> RecordingAnalysis:
    """Speech segments of both channels and the reply gaps of a dual-channel WAV recording."""
    channels, rate = decode_wav(data, channels=2)
    caller = speech_segments(channels[config.caller_channel], rate, config)
    agent = speech_segments(channels[config.agent_channel], rate, config)
    return RecordingAnalysis(round(len(channels[0]) * 1000 / rate, 2), caller, agent, reply_gaps(caller, agent))


# ---- storage ---------------------------------------------------------------------------------------------------
async def store_analysis(conn: AsyncConnection, call_id: uuid.UUID, recording_sid: str,
                         analysis: RecordingAnalysis) -> None:
    """Replace the call's analysis and gaps (a re-run after a retried callback writes the same rows)."""
    async with conn.transaction():
        await conn.execute("DELETE FROM recording_analyses WHERE call_id = %s", (call_id,))
        await conn.execute("INSERT INTO recording_analyses (call_id, recording_sid, status, duration_ms) "
                           "VALUES (%s, %s, 'analyzed', %s)", (call_id, recording_sid, analysis.duration_ms))
        for g in analysis.gaps:
            await conn.execute(
                "INSERT INTO recording_turn_gaps (call_id, turn, caller_speech_end_ms, agent_audio_start_ms, gap_ms) "
                "VALUES (%s, %s, %s, %s, %s)", (call_id, g.turn, g.caller_speech_end_ms, g.agent_audio_start_ms,
                                                 g.gap_ms))


async def store_failure(conn: AsyncConnection, call_id: uuid.UUID, recording_sid: str, detail: str) -> None:
    async with conn.transaction():
        await conn.execute("DELETE FROM recording_analyses WHERE call_id = %s", (call_id,))
        await conn.execute("INSERT INTO recording_analyses (call_id, recording_sid, status, detail) "
                           "VALUES (%s, %s, 'failed', %s)", (call_id, recording_sid, detail[:500]))


@dataclass(frozen=True)
class AnalysisOutcome:
    call_id: uuid.UUID
    status: str            # analyzed | failed | skipped
    turns: int
    detail: str = ""


Fetch = Callable[[str], Awaitable[bytes]]


async def analyze_call_recording(conn: AsyncConnection, call_id: uuid.UUID, fetch: Fetch,
                                 config: AnalysisConfig = AnalysisConfig()) -> AnalysisOutcome:
    """Fetch the call's dual-channel recording, analyse it and store the gaps. A recording that cannot be read is
    stored as `failed` with the reason (and logged); a call without a dual-channel recording is skipped."""
    row = await (await conn.execute("SELECT recording_sid, recording_url, recording_channels FROM calls "
                                    "WHERE id = %s", (call_id,))).fetchone()
    if row is None or not row[1] or row[2] != 2:
        log.info("recording_analysis_skipped", extra={"call_id": str(call_id)})
        return AnalysisOutcome(call_id, "skipped", 0, "no dual-channel recording")
    recording_sid, url = row[0] or "", row[1]
    data = await fetch(url)
    try:
        analysis = await asyncio.to_thread(analyze_wav, data, config)   # CPU-bound: off the event loop
    except RecordingFormatError as exc:
        log.warning("recording_analysis_failed", extra={"call_id": str(call_id), "reason": str(exc)})
        await store_failure(conn, call_id, recording_sid, str(exc))
        return AnalysisOutcome(call_id, "failed", 0, str(exc))
    await store_analysis(conn, call_id, recording_sid, analysis)
    log.info("recording_analyzed", extra={"call_id": str(call_id), "turns": len(analysis.gaps)})
    return AnalysisOutcome(call_id, "analyzed", len(analysis.gaps))
