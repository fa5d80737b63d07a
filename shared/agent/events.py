"""The engine's contract with its transports (voice pipeline, /sim websocket, tests): what goes in, what comes out.

Every input returns an async stream of EngineEvents for that step; the transport speaks AgentSpeech chunks in
order, forwards the rest, and stops listening to the stream when the caller barges in (then reports Interrupted).
"""
from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol


# ---- inputs -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CallStarted:
    call_id: uuid.UUID
    customer_id: uuid.UUID | None          # None: an inbound caller not matched by caller ID (must verify)
    tactic_name: str
    direction: Literal["outbound", "inbound"] = "outbound"
    simulated: bool = False
    recording_notice_played: bool = False   # the telephony edge's TwiML already played (and logged) the notice
    # Simulation sandbox only: what-if account figures ("balance", "days_overdue") used instead of the record's.
    account_overrides: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class UserUtterance:
    text: str                               # the final transcript of one caller turn


@dataclass(frozen=True)
class DtmfDigit:
    digit: str                              # '0'-'9', '*', '#'


@dataclass(frozen=True)
class Interrupted:
    heard_text: str                         # the part of the agent's last turn the caller actually heard


@dataclass(frozen=True)
class SilenceTimeout:
    seconds: float


@dataclass(frozen=True)
class HangUp:
    reason: str = "caller_hangup"


EngineInput = CallStarted | UserUtterance | DtmfDigit | Interrupted | SilenceTimeout | HangUp


# ---- outputs ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AgentSpeech:
    text: str                               # one sentence-sized chunk, already passed by the compliance guard
    fixed: bool = False                     # fixed disclosure text (not generated)
    language: str = "en"                    # ISO 639-1: the TTS voice/language to speak it in


@dataclass(frozen=True)
class ToolEvent:
    name: str
    arguments: dict[str, Any]               # PII-masked
    result: dict[str, Any]
    success: bool = True


@dataclass(frozen=True)
class ComplianceNotice:
    event: str                              # e.g. 'mini_miranda', 'guard_block', 'intent_stop_calling'
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TurnEnd:
    """The agent has finished its turn and now listens."""


@dataclass(frozen=True)
class TransferCall:
    reason: str
    to_number: str | None = None


@dataclass(frozen=True)
class EndCall:
    reason: str                             # hang up after the last speech chunk has played


EngineEvent = AgentSpeech | ToolEvent | ComplianceNotice | TurnEnd | TransferCall | EndCall


class ConversationEngine(Protocol):
    """One call's engine. `handle` may be called again only after the previous stream ended or was abandoned."""

    def handle(self, event: EngineInput) -> AsyncIterator[EngineEvent]: ...

    async def close(self) -> None:
        """Flush pending writes (transcript, tool executions) and release resources."""
