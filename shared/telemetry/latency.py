"""Per-turn latency marks (caller speech end → first agent frame) and their export as OpenTelemetry histograms.

The engine notes the LLM's first token through `note_llm_first_token()`; the voice pipeline owns the rest.
"""
from __future__ import annotations

import contextvars
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.db.calls import TurnMetrics


@dataclass
class TurnClock:
    """monotonic() timestamps of one agent turn's milestones; None when not (yet) observed."""

    turn: int
    speech_end: float | None = None        # caller's last voiced frame arrived
    stt_end: float | None = None           # STT turn.end received
    engine_start: float | None = None      # input handed to the engine
    llm_first_token: float | None = None
    first_sentence: float | None = None    # first AgentSpeech chunk out of the engine
    tts_first_push: float | None = None
    tts_first_byte: float | None = None
    first_frame: float | None = None       # first audio frame sent to the phone
    interrupted: bool = False

    def mark(self, name: str) -> None:
        if getattr(self, name) is None:
            setattr(self, name, time.monotonic())

    def figures(self) -> dict[str, float | None]:
        """Durations in ms; overhead = voice-to-voice minus the vendors' STT, LLM first token and TTS first byte."""
        def ms(a: float | None, b: float | None) -> float | None:
            return round((b - a) * 1000, 2) if a is not None and b is not None else None

        v2v = ms(self.speech_end, self.first_frame)
        stt = ms(self.speech_end, self.stt_end)
        ttft = ms(self.engine_start, self.llm_first_token)
        ttfb = ms(self.tts_first_push, self.tts_first_byte)
        overhead = None
        if v2v is not None and stt is not None and ttfb is not None:
            overhead = round(v2v - stt - (ttft or 0.0) - ttfb, 2)
        return {"stt_ms": stt, "llm_ttft_ms": ttft, "first_sentence_ms": ms(self.stt_end or self.engine_start,
                                                                             self.first_sentence),
                "tts_ttfb_ms": ttfb, "first_frame_ms": ms(self.tts_first_byte, self.first_frame),
                "voice_to_voice_ms": v2v, "overhead_ms": overhead}

    def to_metrics(self, call_id: uuid.UUID) -> TurnMetrics:
        f = self.figures()
        speech_end_at = None
        if self.speech_end is not None:
            speech_end_at = datetime.now(UTC) - timedelta(seconds=time.monotonic() - self.speech_end)
        return TurnMetrics(call_id=call_id, turn=self.turn, speech_end_at=speech_end_at, stt_ms=f["stt_ms"],
                           llm_ttft_ms=f["llm_ttft_ms"], first_sentence_ms=f["first_sentence_ms"],
                           tts_ttfb_ms=f["tts_ttfb_ms"], first_frame_ms=f["first_frame_ms"],
                           voice_to_voice_ms=f["voice_to_voice_ms"], overhead_ms=f["overhead_ms"],
                           interrupted=self.interrupted)


current_turn: contextvars.ContextVar[TurnClock | None] = contextvars.ContextVar("archer_turn_clock", default=None)


def note_llm_first_token() -> None:
    """Called by the LLM brain when the first token of a reply arrives (no-op outside a voice turn)."""
    clock = current_turn.get()
    if clock is not None:
        clock.mark("llm_first_token")


_histograms: dict[str, Any] = {}


def record_histograms(figures: dict[str, float | None]) -> None:
    """Export one turn's figures (opentelemetry-api only: a no-op until an exporter is configured)."""
    if not _histograms:
        from opentelemetry import metrics

        meter = metrics.get_meter("archer.voice")
        for name in ("stt_ms", "llm_ttft_ms", "first_sentence_ms", "tts_ttfb_ms", "first_frame_ms",
                     "voice_to_voice_ms", "overhead_ms"):
            _histograms[name] = meter.create_histogram(f"archer.voice.{name.removesuffix('_ms')}", unit="ms")
    for name, value in figures.items():
        if value is not None and name in _histograms:
            _histograms[name].record(value)
