"""The turn-taking room's inbox: one typed message per thing that happened, stamped with its arrival time.

The per-frame audio never comes through here (it is handled in the reader's task); only what changes a decision.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from voice.call.speaker import Utterance


@dataclass(frozen=True, slots=True)
class VoiceStarted:
    """The VAD heard the caller start speaking (at `onset`, the first speech frame)."""

    at: float
    onset: float


@dataclass(frozen=True, slots=True)
class VoiceStopped:
    """The VAD's quiet hangover after caller speech."""

    at: float


@dataclass(frozen=True, slots=True)
class VoiceSustained:
    """Caller speech has gone on long enough to make a tentative barge-in final."""

    at: float


@dataclass(frozen=True, slots=True)
class TurnStarted:
    """STT: the caller's turn began (words are coming)."""

    at: float


@dataclass(frozen=True, slots=True)
class TurnEnded:
    """STT: the caller's turn is over; `text` is the final transcript ('' for noise)."""

    at: float
    text: str


@dataclass(frozen=True, slots=True)
class TurnEagerEnd:
    """STT: the caller has probably finished (`text` so far); the engine may start early."""

    at: float
    text: str


@dataclass(frozen=True, slots=True)
class TurnResumed:
    """STT: the caller went on after an eager end."""

    at: float


@dataclass(frozen=True, slots=True)
class SttLost:
    at: float


@dataclass(frozen=True, slots=True)
class KeyPressed:
    at: float
    digit: str


@dataclass(frozen=True, slots=True)
class MarkEchoed:
    at: float
    name: str


@dataclass(frozen=True, slots=True)
class LineClosed:
    """The caller hung up or the stream ended (also after a protocol error)."""

    at: float


@dataclass(frozen=True, slots=True)
class ResponseDone:
    """The engine's response to one input is over (`utterance` None when it said nothing)."""

    utterance: Utterance | None


Message = (VoiceStarted | VoiceStopped | VoiceSustained | TurnStarted | TurnEnded | TurnEagerEnd | TurnResumed
           | SttLost | KeyPressed | MarkEchoed | LineClosed | ResponseDone)
