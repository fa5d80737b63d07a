"""The speaker: the agent's voice on the line. One TTS turn per engine response → reframer → paced playout, and
what the caller actually heard (by the marks the line echoes back), for truncating the transcript on barge-in.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from shared.speech.audio import Reframer
from shared.speech.playout import Playout
from voice.call.observation import TurnWatch
from voice.call.phone import PhoneLink


class TtsTurnLike(Protocol):
    first_push_at: float | None
    first_byte_at: float | None

    async def push(self, text: str) -> int: ...
    async def finish(self) -> None: ...
    async def wait(self) -> None: ...
    async def cancel(self) -> None: ...
    async def aclose(self) -> None: ...


class TtsLike(Protocol):
    def turn(self, on_audio: Any, on_sentence_done: Any) -> TtsTurnLike: ...


@dataclass
class Utterance:
    """The audible part of one engine response."""

    watch: TurnWatch
    tts: TtsTurnLike
    sentences: list[str] = field(default_factory=list)
    starts: dict[int, int] = field(default_factory=dict)     # sentence index → first frame position
    done: set[int] = field(default_factory=set)
    reframer: Reframer = field(default_factory=Reframer)
    played: bool = False
    interrupted: bool = False

    @property
    def clock(self) -> Any:
        return self.watch.clock


class Speaker:
    def __init__(self, tts: TtsLike, link: PhoneLink, *, lead_ms: int = 100, label: str = "") -> None:
        self.tts = tts
        self.link = link
        self.playout = Playout(link.send_media, link.send_mark, lead_ms=lead_ms, label=label)
        self.current: Utterance | None = None        # the response audible now (or about to be)
        self.heard_pos = 0                           # frames of `current` the caller has heard (by marks)

    # ---- one response ------------------------------------------------------------------------------------------
    def begin(self, watch: TurnWatch) -> Utterance:
        self.playout.new_turn()
        self.heard_pos = 0
        utt = Utterance(watch=watch, tts=None)  # type: ignore[arg-type]
        utt.tts = self.tts.turn(lambda i, audio: self._on_audio(utt, i, audio),
                                lambda i: self._on_sentence_done(utt, i))
        self.current = utt
        return utt

    async def say(self, utt: Utterance, text: str) -> None:
        utt.sentences.append(text)
        utt.clock.mark("tts_first_push")
        await utt.tts.push(text)

    async def finish(self, utt: Utterance) -> None:
        """No more text: wait for the audio, flush the last partial frame, queue the end mark."""
        await utt.tts.finish()
        await utt.tts.wait()
        if utt is self.current and not utt.interrupted:
            self.playout.extend(utt.reframer.flush())
            self.playout.mark_end()

    def _on_audio(self, utt: Utterance, index: int, audio: bytes) -> None:
        if utt.interrupted or utt is not self.current:
            return                                    # late audio of an interrupted turn: dropped
        utt.clock.mark("tts_first_byte")
        utt.starts.setdefault(index, len(self.playout.frames))
        self.playout.extend(utt.reframer.push(audio))

    def _on_sentence_done(self, utt: Utterance, index: int) -> None:
        utt.done.add(index)
        if utt is self.current and not utt.interrupted:
            self.playout.extend(utt.reframer.flush())

    # ---- the line ------------------------------------------------------------------------------------------------
    @property
    def audible(self) -> bool:
        utt = self.current
        return utt is not None and not utt.played and not utt.interrupted

    def mark_played(self, name: str) -> bool:
        """A mark echoed by the line; True when it was the current response's end mark (it has all played)."""
        parsed = self.playout.parse_mark(name)
        if parsed is None:
            return False
        self.heard_pos = max(self.heard_pos, parsed[0])
        return parsed[2]

    async def hold(self) -> None:
        """Stop the audio at once (tentative barge-in): pause the playout and clear the line's buffer."""
        self.playout.pause()
        await self.link.send_clear()

    def carry_on(self, position: int) -> None:
        """A false alarm: continue from what the caller last heard."""
        if self.current is not None:
            self.playout.resume(position)

    async def interrupt(self, utt: Utterance, heard_pos: int) -> str:
        """The caller took the turn: drop the rest of this response; returns the words the caller heard."""
        utt.interrupted = True
        utt.clock.interrupted = True
        heard = self.heard_text(utt, heard_pos)
        await utt.tts.cancel()
        if self.current is utt:
            self.current = None
        return heard

    def played_out(self) -> Utterance | None:
        utt, self.current = self.current, None
        if utt is not None:
            utt.played = True
        return utt

    def heard_text(self, utt: Utterance, pos: int) -> str:
        """The words of this response the caller heard, by the last mark echoed before the clear."""
        parts: list[str] = []
        total = len(self.playout.frames)
        for k, text in enumerate(utt.sentences):
            start = utt.starts.get(k)
            if start is None or start >= pos:
                break
            end = utt.starts.get(k + 1, total)
            if pos >= end and k in utt.done:
                parts.append(text)
                continue
            words = text.split()
            n = int(len(words) * (pos - start) / max(1, end - start))
            if n:
                parts.append(" ".join(words[:n]))
            break
        return " ".join(parts)

    def fill_clock(self, utt: Utterance) -> None:
        """Copy the audio-side milestones into the turn's clock before its metrics are taken."""
        clock = utt.clock
        if clock.first_frame is None and self.playout.first_frame_at is not None:
            clock.first_frame = self.playout.first_frame_at
        clock.tts_first_push = utt.tts.first_push_at or clock.tts_first_push
        clock.tts_first_byte = utt.tts.first_byte_at or clock.tts_first_byte

    async def close(self) -> None:
        utt, self.current = self.current, None
        if utt is not None:
            await utt.tts.aclose()
        await self.playout.close()
