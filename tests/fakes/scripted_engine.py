"""A small scripted ConversationEngine (our own protocol, shared/agent/events.py) for voice-path tests and bench.

Each input maps to a list of outputs; it records every input it was given (e.g. Interrupted.heard_text) and notes
the "LLM first token" after a configurable delay, as the real LLM brain does.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from shared.agent.events import (
    AgentSpeech,
    CallStarted,
    EndCall,
    EngineEvent,
    EngineInput,
    SilenceTimeout,
    TurnEnd,
    UserUtterance,
)
from shared.telemetry.latency import note_llm_first_token

Script = Callable[[EngineInput], list[EngineEvent]]


def default_script(inp: EngineInput) -> list[EngineEvent]:
    if isinstance(inp, CallStarted):
        return [AgentSpeech("Hello, this is Archer.", fixed=True), TurnEnd()]
    if isinstance(inp, UserUtterance):
        if "bye" in inp.text.lower():
            return [AgentSpeech("Goodbye."), EndCall("completed")]
        return [AgentSpeech(f"You said {inp.text}."), TurnEnd()]
    if isinstance(inp, SilenceTimeout):
        return [AgentSpeech("Are you still there?"), TurnEnd()]
    return []


@dataclass
class ScriptedEngine:
    script: Script = default_script
    ttft_s: float = 0.0
    inputs: list[EngineInput] = field(default_factory=list)
    input_times: list[float] = field(default_factory=list)
    closed: bool = False

    async def handle(self, event: EngineInput) -> AsyncIterator[EngineEvent]:
        self.inputs.append(event)
        self.input_times.append(time.monotonic())
        outputs = self.script(event)
        if outputs and self.ttft_s:
            await asyncio.sleep(self.ttft_s)
        note_llm_first_token()
        for out in outputs:
            yield out

    async def close(self) -> None:
        self.closed = True
