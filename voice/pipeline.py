"""One phone call's realtime loop: caller audio → STT turns → engine → TTS → paced frames back, with barge-in.

A single actor task owns the call's state; the STT receiver, the TTS consumer, the playout and the engine driver
only post to its inbox or append audio, so turn-taking decisions never race.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from shared.agent.events import (
    AgentSpeech,
    CallStarted,
    ComplianceNotice,
    ConversationEngine,
    DtmfDigit,
    EndCall,
    EngineInput,
    HangUp,
    Interrupted,
    SilenceTimeout,
    ToolEvent,
    TransferCall,
    UserUtterance,
)
from shared.db.calls import TurnMetrics
from shared.events.bus import EventBus
from shared.events.live import LiveEvent
from shared.speech.audio import Reframer
from shared.speech.playout import Playout
from shared.speech.stt import SttEvent, SttStream
from shared.speech.tts import TtsStream, TtsTurn
from shared.speech.vad import EnergyVad
from shared.telemetry.latency import TurnClock, current_turn, record_histograms
from voice import twilio_serializer as wire

log = logging.getLogger(__name__)

BACKCHANNELS = frozenset({"", "uh-huh", "uh huh", "mm-hmm", "mhm", "mm", "hmm", "okay", "ok", "yeah", "yes", "yep",
                          "right", "sure", "i see", "got it", "alright", "all right", "uh", "um"})


def is_backchannel(text: str) -> bool:
    return re.sub(r"[^a-z\- ]", "", text.lower()).strip() in BACKCHANNELS


@dataclass
class VoiceConfig:
    silence_prompt_s: float = 6.0          # caller silent this long after the agent's turn → SilenceTimeout
    silence_max_prompts: int = 2           # then the call ends politely
    max_call_s: float = 900.0
    barge_resume_ms: int = 450             # quiet this long after a tentative barge-in (no words) → agent resumes
    barge_confirm_ms: int = 600            # caller speech this long makes the barge-in final
    vad_onset_frames: int = 3
    lead_ms: int = 100
    tts_stall_timeout_s: float = 1.0
    hangup_grace_s: float = 5.0            # hang up even if the last mark is never echoed
    engine_close_timeout_s: float = 5.0
    eager_start: bool = False              # start the engine on turn.eager_end, speak only once turn.end agrees


class PhoneLink(Protocol):
    async def send_media(self, audio: bytes) -> None: ...
    async def send_mark(self, name: str) -> None: ...
    async def send_clear(self) -> None: ...
    async def hangup(self) -> None: ...
    async def transfer(self, to_number: str | None, reason: str) -> None: ...


@dataclass
class _Speech:
    """The audible part of one engine response."""

    clock: TurnClock
    tts: TtsTurn
    sentences: list[str] = field(default_factory=list)
    starts: dict[int, int] = field(default_factory=dict)     # sentence index → first frame position
    done: set[int] = field(default_factory=set)
    reframer: Reframer = field(default_factory=Reframer)
    played: bool = False
    interrupted: bool = False


@dataclass
class _Speculation:
    """An engine run started on `turn.eager_end`: it may think ahead but speaks only once released."""

    text: str
    release: asyncio.Event = field(default_factory=asyncio.Event)
    cancelled: bool = False


@dataclass
class _Barge:
    onset: float
    heard_pos: int
    quiet_since: float | None = None
    confirmed: bool = False
    confirm_requested: bool = False


class CallPipeline:
    def __init__(self, *, started: CallStarted, engine: ConversationEngine, cartesia: Any, link: PhoneLink,
                 bus: EventBus, record_metrics: Callable[[TurnMetrics], None], settings_models: tuple[str, str],
                 voice_id: str | None, config: VoiceConfig | None = None) -> None:
        self.call_id: uuid.UUID = started.call_id
        self.started = started
        self.engine = engine
        self.link = link
        self.bus = bus
        self.cfg = config or VoiceConfig()
        self._record_metrics = record_metrics
        label = f":{str(self.call_id)[:8]}"
        stt_model, tts_model = settings_models
        self.stt = SttStream(cartesia, self._on_stt, model=stt_model, label=label)
        self.tts = TtsStream(cartesia, model_id=tts_model, voice_id=voice_id,
                             stall_timeout_s=self.cfg.tts_stall_timeout_s, label=label)
        self.playout = Playout(link.send_media, link.send_mark, lead_ms=self.cfg.lead_ms, label=label)
        self.vad = EnergyVad(onset_frames=self.cfg.vad_onset_frames)
        self._inbox: asyncio.Queue[tuple[Any, ...]] = asyncio.Queue()
        self._engine_inputs: asyncio.Queue[EngineInput] = asyncio.Queue()
        self._gates: dict[int, _Speculation] = {}          # id(input) → its speculation gate
        self._spec: _Speculation | None = None
        self._driver: asyncio.Task[None] | None = None
        self._responder: asyncio.Task[None] | None = None
        self._speech: _Speech | None = None             # the response currently audible (or about to be)
        self._barge: _Barge | None = None
        self._heard_pos = 0
        self._pending_action: EndCall | TransferCall | None = None
        self._action_at: float | None = None
        self._listening_since: float | None = None
        self._silences = 0
        self._turn_no = 0
        self._next_clock: TurnClock | None = None
        self._started_at = time.monotonic()
        self.ended: str | None = None
        self.caller_hung_up = False
        self.barge_in_ms: list[float] = []
        self.interrupted_heard: list[str] = []

    # ---- inputs from the transport ------------------------------------------------------------------------
    def feed(self, event: wire.InboundEvent) -> None:
        now = time.monotonic()
        if isinstance(event, wire.Media):
            self._on_media(event.audio, now)
        else:
            self._inbox.put_nowait(("wire", event, now))

    def _on_media(self, audio: bytes, now: float) -> None:
        """The per-frame hot path, run in the reader task: audio to STT, VAD; only VAD changes reach the actor."""
        vad = self.vad.feed(audio, now)
        recent = self.vad.last_loud_at is not None and now - self.vad.last_loud_at < 2.0
        self.stt.send_audio(audio, urgent=recent or self.vad.speaking)
        if vad is not None:
            self._inbox.put_nowait(("vad", vad, now))
            return
        barge = self._barge
        if barge is not None and not barge.confirmed and not barge.confirm_requested and self.vad.speaking and \
                (now - barge.onset) * 1000 >= self.cfg.barge_confirm_ms:
            barge.confirm_requested = True
            self._inbox.put_nowait(("vad", "long", now))

    def _on_stt(self, event: SttEvent) -> None:
        self._inbox.put_nowait(("stt", event, time.monotonic()))

    # ---- lifecycle ------------------------------------------------------------------------------------------
    async def run(self) -> str:
        """Run the call to its end; returns the end reason. Everything the call started is gone on return."""
        try:
            await self.stt.start()
            await self.tts.start()
            self._driver = asyncio.create_task(self._drive(), name=f"engine-driver:{str(self.call_id)[:8]}")
            self._publish("call_started", {"direction": self.started.direction, "tactic": self.started.tactic_name,
                                           "simulated": self.started.simulated})
            self._engine_inputs.put_nowait(self.started)
            while self.ended is None:
                timeout = self._next_deadline() - time.monotonic()
                try:
                    async with asyncio.timeout(max(timeout, 0)):
                        item = await self._inbox.get()
                except TimeoutError:
                    await self._on_timer()
                    continue
                await self._handle(item)
        finally:
            await self._shutdown()
        return self.ended or "error"

    async def _shutdown(self) -> None:
        if self._responder is not None:
            self._responder.cancel()
        if self._driver is not None:
            self._driver.cancel()
        await asyncio.gather(*(t for t in (self._responder, self._driver) if t), return_exceptions=True)
        if self._speech is not None:
            await self._speech.tts.aclose()
        await asyncio.gather(self.playout.close(), self.stt.close(), self.tts.close(), return_exceptions=True)
        if self.caller_hung_up:
            await self._drain_engine(HangUp("caller_hangup"))
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.engine.close(), timeout=self.cfg.engine_close_timeout_s)
        self._publish("call_ended", {"reason": self.ended})

    async def _drain_engine(self, event: EngineInput) -> None:
        async def consume() -> None:
            async for _ in self.engine.handle(event):
                pass
        try:
            await asyncio.wait_for(consume(), timeout=self.cfg.engine_close_timeout_s)
        except Exception as exc:
            log.warning("engine hang-up handling failed", extra={"call_id": str(self.call_id),
                                                                 "error": type(exc).__name__})

    def _end(self, reason: str) -> None:
        if self.ended is None:
            self.ended = reason

    # ---- the actor --------------------------------------------------------------------------------------------
    async def _handle(self, item: tuple[Any, ...]) -> None:
        kind = item[0]
        if kind == "wire":
            await self._on_wire(item[1], item[2])
        elif kind == "vad":
            await self._on_vad(item[1], item[2])
        elif kind == "stt":
            await self._on_stt_event(item[1], item[2])
        elif kind == "response_done":
            await self._on_response_done(item[1])

    async def _on_vad(self, kind: str, now: float) -> None:
        if kind == "start":
            await self._caller_onset(self.vad.onset_at or now)
        elif kind == "end" and self._barge is not None:
            self._barge.quiet_since = now
        elif kind == "long" and self._barge is not None:
            await self._confirm_barge()

    async def _on_wire(self, event: wire.InboundEvent, now: float) -> None:
        if isinstance(event, wire.MarkEcho):
            parsed = self.playout.parse_mark(event.name)
            if parsed is not None and self._barge is None:
                self._heard_pos = max(self._heard_pos, parsed[0])
                if parsed[2]:
                    await self._speech_played()
        elif isinstance(event, wire.Dtmf):
            if self._agent_audible():
                await self._caller_onset(now)
                await self._confirm_barge()
            self._listening_since = None
            self._engine_inputs.put_nowait(DtmfDigit(event.digit))
        elif isinstance(event, wire.Stop):
            self.caller_hung_up = self._pending_action is None
            self._end("caller_hangup" if self.caller_hung_up else self._action_reason())

    async def _on_stt_event(self, event: SttEvent, now: float) -> None:
        if event.kind == "turn.start":
            # Barge-in latency counts from the speech onset our VAD saw, when it saw one for this speech.
            onset = self.vad.onset_at if self.vad.onset_at is not None and now - self.vad.onset_at < 1.0 else now
            await self._caller_onset(onset)
        elif event.kind == "turn.end":
            await self._on_turn_end(event.transcript.strip(), now)
        elif event.kind == "turn.eager_end":
            self._on_eager_end(event.transcript.strip(), now)
        elif event.kind == "turn.resume":
            self._drop_speculation()
        elif event.kind == "error":
            log.error("speech recognition lost", extra={"call_id": str(self.call_id)})

    async def _on_response_done(self, speech: _Speech | None) -> None:
        if speech is None and self._speech is None:
            await self._speech_played()

    # ---- turn-taking and barge-in --------------------------------------------------------------------------
    def _agent_audible(self) -> bool:
        return self._speech is not None and not self._speech.played and not self._speech.interrupted

    async def _caller_onset(self, onset: float) -> None:
        if self._barge is not None or not self._agent_audible():
            return
        self._barge = _Barge(onset=onset, heard_pos=self._heard_pos)
        self.playout.pause()
        await self.link.send_clear()
        latency = (time.monotonic() - onset) * 1000
        self.barge_in_ms.append(latency)
        self._publish("latency", {"barge_in_ms": round(latency, 2)})

    async def _confirm_barge(self) -> None:
        barge, speech = self._barge, self._speech
        if barge is None or barge.confirmed:
            return
        barge.confirmed = True
        if speech is not None:
            speech.interrupted = True
            speech.clock.interrupted = True
            heard = self._heard_text(speech, barge.heard_pos)
            self.interrupted_heard.append(heard)
            if self._responder is not None:
                self._responder.cancel()
            await speech.tts.cancel()
            self._finish_metrics(speech)
            self._speech = None
            self._engine_inputs.put_nowait(Interrupted(heard))

    def _resume(self) -> None:
        barge, self._barge = self._barge, None
        if barge is not None and self._speech is not None:
            self.playout.resume(barge.heard_pos)

    def _on_eager_end(self, text: str, now: float) -> None:
        idle = self._responder is None or self._responder.done()
        if not self.cfg.eager_start or not text or self._spec is not None or self._agent_audible() or not idle:
            return
        spec = _Speculation(text)
        self._spec = spec
        self._next_clock = TurnClock(turn=-1, speech_end=self.vad.last_loud_at, stt_end=now)
        utterance = UserUtterance(text)
        self._gates[id(utterance)] = spec
        self._engine_inputs.put_nowait(utterance)

    def _drop_speculation(self) -> None:
        spec, self._spec = self._spec, None
        if spec is None:
            return
        spec.cancelled = True
        if self._responder is not None and not self._responder.done():
            self._responder.cancel()
        self._next_clock = None

    async def _on_turn_end(self, text: str, now: float) -> None:
        spec = self._spec
        if spec is not None:
            if text == spec.text:
                self._spec = None
                self._listening_since = None
                self._silences = 0
                self._publish("transcript", {"speaker": "caller", "text": text})
                spec.release.set()                        # the engine's head start is kept
                return
            self._drop_speculation()
        if self._barge is not None and not self._barge.confirmed:
            if is_backchannel(text):
                self._resume()
                return
            await self._confirm_barge()
        elif self._agent_audible():
            if is_backchannel(text):
                return                                   # "uh-huh" while the agent talks: keep talking
            await self._caller_onset(now)
            await self._confirm_barge()
        self._barge = None
        if not text:
            return
        self._next_clock = TurnClock(turn=-1, speech_end=self.vad.last_loud_at, stt_end=now)
        self._listening_since = None
        self._silences = 0
        self._publish("transcript", {"speaker": "caller", "text": text})
        self._engine_inputs.put_nowait(UserUtterance(text))

    async def _speech_played(self) -> None:
        speech, self._speech = self._speech, None
        if speech is not None:
            speech.played = True
            self._finish_metrics(speech)
        if self._pending_action is not None:
            await self._perform_action()
            return
        if self._responder is None or self._responder.done():
            self._listening_since = time.monotonic()

    # ---- timers ---------------------------------------------------------------------------------------------
    def _next_deadline(self) -> float:
        deadlines = [self._started_at + self.cfg.max_call_s]
        if self._barge is not None and not self._barge.confirmed and self._barge.quiet_since is not None:
            deadlines.append(self._barge.quiet_since + self.cfg.barge_resume_ms / 1000)
        if self._listening_since is not None:
            deadlines.append(self._listening_since + self.cfg.silence_prompt_s)
        if self._action_at is not None:
            deadlines.append(self._action_at + self.cfg.hangup_grace_s)
        return min(deadlines)

    async def _on_timer(self) -> None:
        now = time.monotonic()
        if now >= self._started_at + self.cfg.max_call_s:
            log.info("maximum call length reached", extra={"call_id": str(self.call_id)})
            await self.link.hangup()
            self.caller_hung_up = True                    # the engine closes the call as ended
            self._end("max_duration")
            return
        barge = self._barge
        if barge is not None and not barge.confirmed and barge.quiet_since is not None and \
                now >= barge.quiet_since + self.cfg.barge_resume_ms / 1000 and not self.vad.speaking:
            self._resume()                                # a cough or noise: carry on talking
        if self._action_at is not None and now >= self._action_at + self.cfg.hangup_grace_s:
            await self._perform_action()
        if self._listening_since is not None and now >= self._listening_since + self.cfg.silence_prompt_s:
            self._listening_since = None
            self._silences += 1
            if self._silences > self.cfg.silence_max_prompts + 1:
                await self.link.hangup()
                self._end("silence")
                return
            self._engine_inputs.put_nowait(SilenceTimeout(self.cfg.silence_prompt_s))

    # ---- ending ---------------------------------------------------------------------------------------------
    def _action_reason(self) -> str:
        action = self._pending_action
        if isinstance(action, TransferCall):
            return "transferred"
        return action.reason if action is not None else "ended"

    async def _perform_action(self) -> None:
        action = self._pending_action
        if action is None:
            return
        reason = self._action_reason()
        self._pending_action = None
        self._action_at = None
        if isinstance(action, TransferCall):
            await self.link.transfer(action.to_number, action.reason)
        else:
            await self.link.hangup()
        self._end(reason)

    # ---- the engine side -------------------------------------------------------------------------------------
    async def _drive(self) -> None:
        """Feeds the engine one input at a time (its contract); a barge-in cancels only the current response."""
        while True:
            inp = await self._engine_inputs.get()
            self._responder = asyncio.create_task(self._respond(inp), name=f"responder:{str(self.call_id)[:8]}")
            await asyncio.wait({self._responder})

    def _clock_for(self, inp: EngineInput) -> TurnClock:
        """Turns are numbered like the engine numbers them: one per input handled, from 0."""
        clock = TurnClock(turn=-1)
        if isinstance(inp, UserUtterance) and self._next_clock is not None:
            clock, self._next_clock = self._next_clock, None
        clock.turn = self._turn_no
        self._turn_no += 1
        return clock

    async def _respond(self, inp: EngineInput) -> None:
        spec = self._gates.pop(id(inp), None)
        if spec is not None and spec.cancelled:
            self._inbox.put_nowait(("response_done", None))
            return
        clock = self._clock_for(inp)
        token = current_turn.set(clock)
        clock.mark("engine_start")
        speech: _Speech | None = None
        try:
            async for event in self.engine.handle(inp):
                if isinstance(event, AgentSpeech):
                    clock.mark("first_sentence")
                    self._adopt_engine_ttft(clock)
                    if spec is not None and not spec.release.is_set():
                        await spec.release.wait()         # speculative: speak only once turn.end confirms
                    if speech is None:
                        speech = self._begin_speech(clock)
                    speech.sentences.append(event.text)
                    self._publish("transcript", {"speaker": "agent", "text": event.text, "fixed": event.fixed})
                    clock.mark("tts_first_push")
                    await speech.tts.push(event.text)
                elif isinstance(event, ToolEvent):
                    self._publish("tool_executed", {"name": event.name, "arguments": event.arguments,
                                                    "result": event.result, "success": event.success})
                elif isinstance(event, ComplianceNotice):
                    self._publish("compliance_event", {"event": event.event, "details": event.details})
                elif isinstance(event, EndCall | TransferCall):
                    self._pending_action = event
            if speech is not None:
                await speech.tts.finish()
                await speech.tts.wait()
                for frame in speech.reframer.flush():
                    self.playout.append(frame)
                if not speech.interrupted:
                    self.playout.mark_end()
            if self._pending_action is not None:
                unplayed = max(0, len(self.playout.frames) - self.playout.cursor) * 0.02
                self._action_at = time.monotonic() + unplayed
        except Exception:
            log.exception("engine response failed", extra={"call_id": str(self.call_id)})
        finally:
            current_turn.reset(token)
            self._inbox.put_nowait(("response_done", speech))

    def _adopt_engine_ttft(self, clock: TurnClock) -> None:
        """An engine that reports its LLM time-to-first-token as `brain.last_ttft_ms` (shared/agent's LlmBrain)
        rather than through note_llm_first_token() still gets it counted as vendor time, not our overhead."""
        if clock.llm_first_token is not None or clock.engine_start is None:
            return
        ttft = getattr(getattr(self.engine, "brain", None), "last_ttft_ms", None)
        if getattr(getattr(self.engine, "brain", None), "name", None) == "llm" and isinstance(ttft, int | float):
            clock.llm_first_token = clock.engine_start + ttft / 1000

    def _begin_speech(self, clock: TurnClock) -> _Speech:
        self.playout.new_turn()
        self._heard_pos = 0
        self._listening_since = None
        speech = _Speech(clock=clock, tts=None)  # type: ignore[arg-type]
        speech.tts = self.tts.turn(lambda i, audio: self._on_audio(speech, i, audio),
                                   lambda i: self._on_sentence_done(speech, i))
        self._speech = speech
        return speech

    def _on_audio(self, speech: _Speech, index: int, audio: bytes) -> None:
        if speech.interrupted or speech is not self._speech:
            return                                         # late audio of an interrupted turn: dropped
        speech.clock.mark("tts_first_byte")
        speech.starts.setdefault(index, len(self.playout.frames))
        for frame in speech.reframer.push(audio):
            self.playout.append(frame)

    def _on_sentence_done(self, speech: _Speech, index: int) -> None:
        speech.done.add(index)
        if speech is self._speech and not speech.interrupted:
            for frame in speech.reframer.flush():
                self.playout.append(frame)

    def _heard_text(self, speech: _Speech, pos: int) -> str:
        """The words of this response the caller heard, by the last mark echoed before the clear."""
        parts: list[str] = []
        total = len(self.playout.frames)
        for k, text in enumerate(speech.sentences):
            start = speech.starts.get(k)
            if start is None or start >= pos:
                break
            end = speech.starts.get(k + 1, total)
            if pos >= end and k in speech.done:
                parts.append(text)
                continue
            words = text.split()
            n = int(len(words) * (pos - start) / max(1, end - start))
            if n:
                parts.append(" ".join(words[:n]))
            break
        return " ".join(parts)

    # ---- telemetry --------------------------------------------------------------------------------------------
    def _finish_metrics(self, speech: _Speech) -> None:
        clock = speech.clock
        if clock.first_frame is None and self.playout.first_frame_at is not None:
            clock.first_frame = self.playout.first_frame_at
        clock.tts_first_push = speech.tts.first_push_at or clock.tts_first_push
        clock.tts_first_byte = speech.tts.first_byte_at or clock.tts_first_byte
        figures = clock.figures()
        self._record_metrics(clock.to_metrics(self.call_id))
        record_histograms(figures)
        self._publish("latency", {"turn": clock.turn, **figures, "interrupted": clock.interrupted,
                                  "max_frame_gap_ms": round(self.playout.max_gap_ms, 2)})

    def _publish(self, kind: str, data: dict[str, Any]) -> None:
        with contextlib.suppress(Exception):
            self.bus.publish(LiveEvent(type=kind, call_id=self.call_id, data=data))  # type: ignore[arg-type]


Sender = Callable[[str], Awaitable[None]]
