"""The quality report's shape: what the JSON file, the admin API and the HTML page all show (plain dataclasses)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from shared.quality.stats import Summary

Outcome = Literal["met", "not_met", "not_enough_data"]
Overall = Literal["GO", "NO-GO", "HOLD"]


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    summary: Summary


@dataclass(frozen=True)
class GroupFigure:
    group: str
    calls: int
    voice_to_voice: Summary


@dataclass(frozen=True)
class Breakdown:
    by: str
    rows: list[GroupFigure]


@dataclass(frozen=True)
class SideBySide:
    """Service-measured vs recording-measured voice-to-voice over the turns that have both."""
    turns: int
    enough: bool
    service_p50: float | None
    recording_p50: float | None
    service_p95: float | None
    recording_p95: float | None
    mean_difference_ms: float | None   # recording minus service: what the phone network and Twilio add


@dataclass(frozen=True)
class RatingFigure:
    group: str
    ratings: int
    reviewers: int
    naturalness: float | None
    latency_feel: float | None
    overall: float | None


@dataclass(frozen=True)
class Ratings:
    reviewers: int
    rated_calls: int
    enough: bool
    overall: RatingFigure
    by_tactic: list[RatingFigure]
    by_day: list[RatingFigure]


@dataclass(frozen=True)
class Transcription:
    reviewed_lines: int
    corrected_lines: int
    reference_words: int
    word_errors: int
    enough: bool
    wer_pct: float | None
    accuracy_pct: float | None


@dataclass(frozen=True)
class BaselineRow:
    kind: str
    baseline_ms: float
    ours_ms: float | None
    improvement_ms: float | None


@dataclass(frozen=True)
class Verdict:
    id: str
    group: Literal["go", "no_go", "monitor"]
    label: str
    metric: str
    figure: float | None
    threshold: str
    outcome: Outcome
    text: str               # "met", "NO-GO", "clear", "not enough data (n=3 of 20)", …


@dataclass(frozen=True)
class TimelineTurn:
    turn: int
    kind: str
    stt_ms: float
    llm_ttft_ms: float
    tts_ttfb_ms: float
    overhead_ms: float
    voice_to_voice_ms: float
    recorded_gap_ms: float | None


@dataclass(frozen=True)
class SampleCall:
    call_id: str
    tactic: str | None
    turns: list[TimelineTurn]


@dataclass(frozen=True)
class CallCounts:
    calls: int
    completed: int
    failed: int
    success_rate_pct: float | None
    recorded_calls: int
    by_type: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class QualityReport:
    generated_at: str
    period_from: str
    period_to: str
    call_filter: list[str]
    thresholds_version: str
    thresholds_approved_by: str
    thresholds_approved_on: str
    calls: CallCounts
    turns: int
    components: list[Figure]
    reply_kinds: list[Figure]
    reply_kind_rule: str
    recorded: Figure
    side_by_side: SideBySide
    breakdowns: list[Breakdown]
    ratings: Ratings
    transcription: Transcription
    baseline_name: str
    baseline: list[BaselineRow]
    criteria: list[Verdict]
    monitors: list[Verdict]
    overall: Overall
    reasons: list[str]
    samples: list[SampleCall]
