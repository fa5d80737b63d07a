"""What a brain is: given the conversation so far and this turn's tool results, produce the next step — text to
say and/or tool calls. The engine runs tools, guards text and persists everything; brains only decide."""
from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from shared.agent.state import CallState
from shared.db.customers import Customer
from shared.db.policies import CollectionPolicy
from shared.db.tactics import Tactic


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class ToolCallRequest:
    call_id: str
    name: str
    arguments: dict[str, Any] | None        # None: the model sent arguments that are not valid JSON
    raw_arguments: str = ""


StepOutput = TextDelta | ToolCallRequest


@dataclass(frozen=True)
class ToolOutcome:
    name: str
    arguments: dict[str, Any]
    result: dict[str, Any]
    success: bool


@dataclass
class Conversation:
    """The chat history in OpenAI message form (both brains read it; only the LLM needs it)."""

    messages: list[dict[str, Any]] = field(default_factory=list)

    def user(self, text: str) -> None:
        self.messages.append({"role": "user", "content": text})

    def assistant(self, text: str, tool_calls: list[dict[str, Any]] | None = None) -> None:
        msg: dict[str, Any] = {"role": "assistant", "content": text or None}
        if tool_calls:
            msg["tool_calls"] = tool_calls
        self.messages.append(msg)

    def tool(self, call_id: str, content: str) -> None:
        self.messages.append({"role": "tool", "tool_call_id": call_id, "content": content})


@dataclass
class TurnInput:
    user_text: str | None                   # None on the agent's own continuation (no new caller words)
    tool_results: list[ToolOutcome]         # results of tools run earlier in this turn
    state: CallState
    customer: Customer | None
    policy: CollectionPolicy | None
    tactic: Tactic | None
    conversation: Conversation
    agent_name: str
    bank_name: str
    callback_number: str
    now_iso: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    on_metric: Callable[[str, float], None] | None = None   # the telemetry hook ('llm_ttft_ms', ms) for this turn

    def report(self, name: str, value: float) -> None:
        """A brain reports a timing of its own (e.g. its first-token time) for this turn's metrics."""
        if self.on_metric is not None:
            self.on_metric(name, value)


class BrainUnavailable(Exception):
    """The brain failed (timeout, connection, server error) — the engine falls back to the rules brain."""


class Brain(Protocol):
    name: str

    def step(self, turn: TurnInput) -> AsyncIterator[StepOutput]: ...

    async def aclose(self) -> None: ...
