"""Observation: engine events → live events and per-turn metrics, for phone calls and /sim alike.

The mapping from what the engine says (speech, tools, compliance notices) to what /live subscribers see, and from a
turn's clock to its `turn_metrics` row, exists only here. The engine's own timings are measured from the outside:
brain first token (noted by the brain itself through `note_llm_first_token`), first
sentence, and tool time (the gaps the engine spent before each tool result it reported).
"""
from __future__ import annotations

import contextlib
import dataclasses
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from shared.agent.events import AgentSpeech, ComplianceNotice, EngineEvent, ToolEvent
from shared.db.calls import TurnMetrics
from shared.events.bus import EventBus
from shared.events.live import LiveEvent
from shared.telemetry.latency import TurnClock, current_turn, record_histograms


@dataclass
class TurnWatch:
    """One engine turn as observed: its clock, plus what the clock does not hold (tool time)."""

    clock: TurnClock
    tool_ms: float = 0.0
    tools: int = 0
    last_event_at: float | None = None
    spoke: bool = False


class Observation:
    def __init__(self, call_id: uuid.UUID, bus: EventBus | None,
                 record_metrics: Callable[[TurnMetrics], None] | None) -> None:
        self.call_id = call_id
        self._bus = bus
        self._record_metrics = record_metrics
        self._turn_no = 0

    # ---- live events ------------------------------------------------------------------------------------------
    def publish(self, kind: str, data: dict[str, Any]) -> None:
        if self._bus is None:
            return
        with contextlib.suppress(Exception):
            self._bus.publish(LiveEvent(type=kind, call_id=self.call_id, data=data))  # type: ignore[arg-type]

    def call_started(self, *, direction: str, tactic: str, simulated: bool) -> None:
        self.publish("call_started", {"direction": direction, "tactic": tactic, "simulated": simulated})

    def call_ended(self, reason: str | None) -> None:
        self.publish("call_ended", {"reason": reason})

    def caller_said(self, text: str) -> None:
        self.publish("transcript", {"speaker": "caller", "text": text})

    def barge_in(self, latency_ms: float) -> None:
        self.publish("latency", {"barge_in_ms": round(latency_ms, 2)})

    # ---- engine turns -----------------------------------------------------------------------------------------
    def begin_turn(self, clock: TurnClock | None = None) -> TurnWatch:
        """Number a new engine turn (one per input handled, from 0, like the engine) and start its clock."""
        clock = clock or TurnClock(turn=-1)
        clock.turn = self._turn_no
        self._turn_no += 1
        clock.mark("engine_start")
        return TurnWatch(clock=clock, last_event_at=clock.engine_start)

    @contextlib.contextmanager
    def timing(self, watch: TurnWatch) -> Iterator[TurnWatch]:
        """Run the engine inside this block so the brain's `note_llm_first_token()` lands on this turn's clock."""
        token = current_turn.set(watch.clock)
        try:
            yield watch
        finally:
            current_turn.reset(token)

    def engine_event(self, watch: TurnWatch, event: EngineEvent) -> None:
        """One engine output: timings noted, the live event published."""
        now = time.monotonic()
        if isinstance(event, AgentSpeech):
            watch.clock.mark("first_sentence")
            watch.spoke = True
            self.publish("transcript", {"speaker": "agent", "text": event.text, "fixed": event.fixed})
        elif isinstance(event, ToolEvent):
            if watch.last_event_at is not None:
                watch.tool_ms += (now - watch.last_event_at) * 1000
            watch.tools += 1
            self.publish("tool_executed", {"name": event.name, "arguments": event.arguments,
                                           "result": event.result, "success": event.success})
        elif isinstance(event, ComplianceNotice):
            self.publish("compliance_event", {"event": event.event, "details": event.details})
        watch.last_event_at = now

    def finish_turn(self, watch: TurnWatch, *, max_frame_gap_ms: float | None = None) -> dict[str, float | None]:
        """The turn is over (played, interrupted, or — without a phone — answered): its metrics are recorded."""
        clock = watch.clock
        figures = clock.figures()
        metrics = clock.to_metrics(self.call_id)
        if watch.tools:
            metrics = dataclasses.replace(metrics, tool_ms=round(watch.tool_ms, 2))
        if self._record_metrics is not None:
            self._record_metrics(metrics)
        record_histograms(figures)
        data: dict[str, Any] = {"turn": clock.turn, **figures, "interrupted": clock.interrupted}
        if watch.tools:
            data["tool_ms"] = round(watch.tool_ms, 2)
        if max_frame_gap_ms is not None:
            data["max_frame_gap_ms"] = round(max_frame_gap_ms, 2)
        self.publish("latency", data)
        return figures

