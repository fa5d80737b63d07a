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


@dataclass(frozen=True)
class Filler:
    """A short line to speak while the brain is still waiting for its model (never part of the history)."""

    text: str


@dataclass
class BrainMetrics:
    """What one brain step cost: time to first token and token usage (reported by the brain, not read off it)."""

    ttft_ms: float | None = None
    requests: int = 0
    fillers: int = 0
    prompt_tokens: int = 0
    cached_tokens: int = 0
    completion_tokens: int = 0

    def add_usage(self, usage: Any) -> None:
        self.prompt_tokens += int(getattr(usage, "prompt_tokens", 0) or 0)
        self.completion_tokens += int(getattr(usage, "completion_tokens", 0) or 0)
        details = getattr(usage, "prompt_tokens_details", None)
        self.cached_tokens += int(getattr(details, "cached_tokens", 0) or 0) if details is not None else 0


StepOutput = TextDelta | ToolCallRequest | Filler | BrainMetrics


@dataclass(frozen=True)
class ToolOutcome:
    name: str
    arguments: dict[str, Any]
    result: dict[str, Any]
    success: bool


CANCELLED_RESULT = ('{"ok": false, "error": "cancelled: the caller interrupted before this finished; it may have '
                    'completed, check with the caller before repeating it"}')


@dataclass
class Conversation:
    """The chat history in OpenAI message form, kept in the shape the real API accepts: every tool call answered by
    a tool result, no empty assistant turns, an interrupted reply cut to what the caller heard."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    interrupted_after: str | None = None      # what the caller heard of the agent's last, interrupted reply
    _deferred: list[dict[str, Any]] = field(default_factory=list)   # said while tool results were outstanding

    def user(self, text: str) -> None:
        self.settle_tool_calls()
        self.messages.append({"role": "user", "content": text})

    def assistant(self, text: str, tool_calls: list[dict[str, Any]] | None = None) -> None:
        if not text and not tool_calls:
            return                                      # an empty assistant turn is rejected by the API
        msg: dict[str, Any] = {"role": "assistant", "content": text or None}
        if tool_calls:
            msg["tool_calls"] = tool_calls
        self.interrupted_after = None
        if not tool_calls and self._pending():
            self._deferred.append(msg)                  # a fixed line spoken between a call and its result
            return
        self.settle_tool_calls()
        self.messages.append(msg)

    def tool(self, call_id: str, content: str) -> None:
        if call_id in self._answered():
            return
        self.messages.append({"role": "tool", "tool_call_id": call_id, "content": content})
        if not self._pending():
            self._flush_deferred()

    def _answered(self) -> set[str]:
        return {m["tool_call_id"] for m in self.messages if m["role"] == "tool"}

    def _pending(self) -> list[str]:
        """Ids of the latest tool-call batch that have no result yet (the API wants results right after it)."""
        for msg in reversed(self.messages):
            if msg["role"] == "assistant" and msg.get("tool_calls"):
                answered = self._answered()
                return [c["id"] for c in msg["tool_calls"] if c["id"] not in answered]
            if msg["role"] != "tool":
                return []
        return []

    def _flush_deferred(self) -> None:
        self.messages.extend(self._deferred)
        self._deferred = []

    def settle_tool_calls(self) -> None:
        """A tool call left without a result (its turn was cancelled by a barge-in) gets an error result, placed
        with the other results of its assistant message."""
        answered = self._answered()
        i = 0
        while i < len(self.messages):
            msg = self.messages[i]
            i += 1
            if msg["role"] != "assistant" or not msg.get("tool_calls"):
                continue
            while i < len(self.messages) and self.messages[i]["role"] == "tool":
                i += 1
            for call in msg["tool_calls"]:
                if call["id"] not in answered:
                    self.messages.insert(i, {"role": "tool", "tool_call_id": call["id"], "content": CANCELLED_RESULT})
                    answered.add(call["id"])
                    i += 1
        self._flush_deferred()

    def interrupted(self, heard: str) -> None:
        """The agent's reply was cut off: its assistant turns since the caller last spoke keep only what was heard,
        in order; heard text the history does not hold yet (a stream cut mid-reply) is added as an assistant turn."""
        self.settle_tool_calls()
        start = max((i for i, m in enumerate(self.messages) if m["role"] == "user"), default=-1) + 1
        remaining = heard.strip()
        for msg in self.messages[start:]:
            if msg["role"] != "assistant" or not msg.get("content"):
                continue
            content = msg["content"]
            if remaining and len(remaining) >= len(content) and remaining.startswith(content[:20]):
                remaining = remaining[len(content):].lstrip()
                continue
            msg["content"] = remaining or None
            remaining = ""
        self.messages[start:] = [m for m in self.messages[start:]
                                 if not (m["role"] == "assistant" and not m.get("content") and not m.get("tool_calls"))]
        self.settle_tool_calls()
        if remaining:
            self.messages.append({"role": "assistant", "content": remaining})
        self.interrupted_after = heard.strip()

    def sendable(self) -> list[dict[str, Any]]:
        """The history as sent: tool calls settled first."""
        self.settle_tool_calls()
        return list(self.messages)


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
