"""What the phone line says to the pipeline, in neutral terms (no carrier's field names), and what it can do back.

A serializer (voice/twilio_serializer.py for Twilio Media Streams) turns the carrier's frames into these events.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class CallerAudio:
    """One frame of the caller's audio (μ-law 8 kHz)."""

    audio: bytes


@dataclass(frozen=True, slots=True)
class KeyPress:
    digit: str


@dataclass(frozen=True, slots=True)
class MarkPlayed:
    """The line played the audio queued before this mark (or dropped it on clear)."""

    name: str


@dataclass(frozen=True, slots=True)
class LineHangUp:
    """The caller hung up, or the stream ended."""


PhoneEvent = CallerAudio | KeyPress | MarkPlayed | LineHangUp


class PhoneLink(Protocol):
    async def send_media(self, audio: bytes) -> None: ...
    async def send_mark(self, name: str) -> None: ...
    async def send_clear(self) -> None: ...
    async def hangup(self) -> None: ...
    async def transfer(self, to_number: str | None, reason: str) -> None: ...
