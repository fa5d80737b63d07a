"""Turn-taking: who speaks when. One actor task owns the call's conversational state and reads a typed inbox
(voice/call/messages.py); the STT receiver, the engine driver and the per-frame audio path only post to it, so
turn-taking decisions never race.

It decides barge-in (tentative on the VAD's onset, final on sustained speech or real words, withdrawn for a
backchannel or a noise), speculative engine starts on `turn.eager_end`, and the silence, hang-up-grace and
maximum-length timers; it feeds the engine one input at a time and hands what the engine says to the speaker and
the observation room.
"""
from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from shared.agent.events import (
    AgentSpeech,
    CallStarted,
    ConversationEngine,
    DtmfDigit,
    EndCall,
    EngineInput,
    HangUp,
    Interrupted,
    SilenceTimeout,
    TransferCall,
    UserUtterance,
)
from shared.db.calls import TurnMetrics
from shared.events.bus import EventBus
from shared.speech.stt import SttEvent, SttStream
from shared.speech.tts import TtsStream
from shared.speech.vad import Vad, make_vad
from shared.telemetry.latency import TurnClock
from voice.call import messages as m
from voice.call.config import VoiceConfig
from voice.call.observation import Observation
from voice.call.phone import CallerAudio, KeyPress, LineHangUp, MarkPlayed, PhoneEvent, PhoneLink
from voice.call.speaker import Speaker, TtsLike, Utterance

log = logging.getLogger(__name__)

BACKCHANNELS = frozenset({"", "uh-huh", "uh huh", "mm-hmm", "mhm", "mm", "hmm", "okay", "ok", "yeah", "yes", "yep",
                          "right", "sure", "i see", "got it", "alright", "all right", "uh", "um"})


def is_backchannel(text: str) -> bool:
    return re.sub(r"[^a-z\- ]", "", text.lower()).strip() in BACKCHANNELS


class Ear(Protocol):
    """Where the caller's audio goes for recognition (shared/speech/stt.py's SttStream)."""

    async def start(self) -> None: ...
    async def close(self) -> None: ...
    def send_audio(self, frame: bytes, *, urgent: bool = True, voiced: bool | None = None) -> None: ...


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


class TurnTaking:
    def __init__(self, *, started: CallStarted, engine: ConversationEngine, link: PhoneLink, speaker: Speaker,
                 ear: Ear, observation: Observation, config: VoiceConfig | None = None,
                 vad: Vad | None = None) -> None:
        self.call_id: uuid.UUID = started.call_id
        self.started = started
        self.engine = engine
        self.link = link
        self.speaker = speaker
        self.stt = ear
        self.observation = observation
        self.cfg = config or VoiceConfig()
        self.vad: Vad = vad or make_vad(self.cfg.vad, **({"onset_frames": self.cfg.vad_onset_frames}
                                                           if self.cfg.vad == "energy" else {}))
        self._strict_vad = hasattr(self.vad, "strict")      # a VAD that is stricter while the agent talks
        self._inbox: asyncio.Queue[m.Message] = asyncio.Queue()
        self._engine_inputs: asyncio.Queue[EngineInput] = asyncio.Queue()
        self._gates: dict[int, _Speculation] = {}          # id(input) → its speculation gate
        self._spec: _Speculation | None = None
        self._stopping = False
        self._responder: asyncio.Task[None] | None = None
        self._barge: _Barge | None = None
        self._pending_action: EndCall | TransferCall | None = None
        self._action_at: float | None = None
        self._listening_since: float | None = None
        self._silences = 0
        self._next_clock: TurnClock | None = None
        self._started_at = time.monotonic()
        self.ended: str | None = None
        self.caller_hung_up = False
        self.barge_in_ms: list[float] = []
        self.interrupted_heard: list[str] = []

    @property
    def playout(self) -> Any:
        return self.speaker.playout

    def post(self, message: m.Message) -> None:
        self._inbox.put_nowait(message)

    # ---- inputs from the line (the reader's task) -------------------------------------------------------------
    def feed(self, event: PhoneEvent) -> None:
        now = time.monotonic()
        if type(event) is CallerAudio:
            self.hear(event.audio, now)
        elif isinstance(event, MarkPlayed):
            self.post(m.MarkEchoed(now, event.name))
        elif isinstance(event, KeyPress):
            self.post(m.KeyPressed(now, event.digit))
        elif isinstance(event, LineHangUp):
            self.post(m.LineClosed(now))

    def hear(self, audio: bytes, now: float) -> None:
        """The per-frame hot path: audio to STT and the VAD; only VAD changes reach the actor."""
        vad = self.vad
        if self._strict_vad:
            vad.strict = self.speaker.audible  # type: ignore[attr-defined]
        change = vad.feed(audio, now)
        last = vad.last_loud_at
        self.stt.send_audio(audio, urgent=vad.speaking or (last is not None and now - last < 0.5),
                            voiced=last == now)       # the VADs note each voiced frame's arrival as last_loud_at
        if change is not None:
            self.post(m.VoiceStarted(now, vad.onset_at or now) if change == "start" else m.VoiceStopped(now))
            return
        barge = self._barge
        if barge is not None and not barge.confirmed and not barge.confirm_requested and vad.speaking and \
                (now - barge.onset) * 1000 >= self.cfg.barge_confirm_ms:
            barge.confirm_requested = True
            self.post(m.VoiceSustained(now))

    def on_stt(self, event: SttEvent) -> None:
        now = time.monotonic()
        kind = event.kind
        if kind == "turn.start":
            self.post(m.TurnStarted(now))
        elif kind == "turn.end":
            self.post(m.TurnEnded(now, event.transcript.strip()))
        elif kind == "turn.eager_end":
            self.post(m.TurnEagerEnd(now, event.transcript.strip()))
        elif kind == "turn.resume":
            self.post(m.TurnResumed(now))
        elif kind == "error":
            self.post(m.SttLost(now))

    # ---- lifecycle ------------------------------------------------------------------------------------------
    async def run(self) -> str:
        """Run the call to its end; returns the end reason. Everything the call started is gone on return."""
        try:
            await self.stt.start()
            await self._start_tts()
            self.observation.call_started(direction=self.started.direction, tactic=self.started.tactic_name,
                                          simulated=self.started.simulated)
            self._submit(self.started)
            while self.ended is None:
                timeout = self._next_deadline() - time.monotonic()
                if self._inbox.empty():
                    try:
                        async with asyncio.timeout(max(timeout, 0)):
                            item = await self._inbox.get()
                    except TimeoutError:
                        await self._on_timer()
                        continue
                else:
                    item = self._inbox.get_nowait()
                await self._handle(item)
        finally:
            await self._shutdown()
        return self.ended or "error"

    async def _start_tts(self) -> None:
        start = getattr(self.speaker.tts, "start", None)
        if start is not None:
            await start()

    async def _shutdown(self) -> None:
        self._stopping = True
        if self._responder is not None:
            self._responder.cancel()
            await asyncio.gather(self._responder, return_exceptions=True)
        close_tts = getattr(self.speaker.tts, "close", None)
        await asyncio.gather(self.speaker.close(), self.stt.close(),
                             *([close_tts()] if close_tts is not None else []), return_exceptions=True)
        if self.caller_hung_up:
            await self._drain_engine(HangUp("caller_hangup"))
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.engine.close(), timeout=self.cfg.engine_close_timeout_s)
        self.observation.call_ended(self.ended)

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
    async def _handle(self, msg: m.Message) -> None:
        match msg:
            case m.VoiceStarted(onset=onset):
                await self._caller_onset(onset)
            case m.VoiceStopped(at=at):
                if self._barge is not None:
                    self._barge.quiet_since = at
            case m.VoiceSustained():
                if self._barge is not None:
                    await self._confirm_barge()
            case m.TurnStarted(at=at):
                # STT heard a turn begin. A barge-in only when our VAD agrees it is the caller's voice (a noise the
                # recogniser took for a turn must not cut the agent off); a VAD that is strict while the agent
                # talks has already said so itself, so then the words at turn end decide.
                vad = self.vad
                if not self._strict_vad and (vad.speaking or (vad.last_loud_at is not None
                                                              and at - vad.last_loud_at < 0.3)):
                    onset = vad.onset_at if vad.onset_at is not None and at - vad.onset_at < 1.0 else at
                    await self._caller_onset(onset)
            case m.TurnEnded(at=at, text=text):
                await self._on_turn_end(text, at)
            case m.TurnEagerEnd(at=at, text=text):
                self._on_eager_end(text, at)
            case m.TurnResumed():
                self._drop_speculation()
            case m.SttLost():
                log.error("speech recognition lost", extra={"call_id": str(self.call_id)})
            case m.MarkEchoed(name=name):
                if self._barge is None and self.speaker.mark_played(name):
                    await self._speech_played()
            case m.KeyPressed(at=at, digit=digit):
                if self._agent_audible():
                    await self._caller_onset(at)
                    await self._confirm_barge()
                self._listening_since = None
                self._submit(DtmfDigit(digit))
            case m.LineClosed():
                self.caller_hung_up = self._pending_action is None
                self._end("caller_hangup" if self.caller_hung_up else self._action_reason())
            case m.ResponseDone(utterance=utt):
                if utt is None and self.speaker.current is None:
                    await self._speech_played()

    # ---- turn-taking and barge-in --------------------------------------------------------------------------
    def _agent_audible(self) -> bool:
        return self.speaker.audible

    async def _caller_onset(self, onset: float) -> None:
        if self._barge is not None or not self._agent_audible():
            return
        self._barge = _Barge(onset=onset, heard_pos=self.speaker.heard_pos)
        await self.speaker.hold()
        latency = (time.monotonic() - onset) * 1000
        self.barge_in_ms.append(latency)
        self.observation.barge_in(latency)

    async def _confirm_barge(self) -> None:
        barge, utt = self._barge, self.speaker.current
        if barge is None or barge.confirmed:
            return
        barge.confirmed = True
        if utt is not None:
            if self._responder is not None:
                self._responder.cancel()
            heard = await self.speaker.interrupt(utt, barge.heard_pos)
            self.interrupted_heard.append(heard)
            self._finish_turn(utt)
            self._submit(Interrupted(heard))

    def _resume(self) -> None:
        barge, self._barge = self._barge, None
        if barge is not None:
            self.speaker.carry_on(barge.heard_pos)

    def _on_eager_end(self, text: str, now: float) -> None:
        idle = self._responder is None or self._responder.done()
        if not self.cfg.eager_start or not text or self._spec is not None or self._agent_audible() or not idle:
            return
        spec = _Speculation(text)
        self._spec = spec
        self._next_clock = TurnClock(turn=-1, speech_end=self.vad.last_loud_at, stt_end=now)
        utterance = UserUtterance(text)
        self._gates[id(utterance)] = spec
        self._submit(utterance)

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
                self.observation.caller_said(text)
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
        self.observation.caller_said(text)
        self._submit(UserUtterance(text))

    async def _speech_played(self) -> None:
        utt = self.speaker.played_out()
        if utt is not None:
            self._finish_turn(utt)
        if self._pending_action is not None:
            await self._perform_action()
            return
        if self._responder is None or self._responder.done():
            self._listening_since = time.monotonic()

    # ---- timers ---------------------------------------------------------------------------------------------
    def _next_deadline(self) -> float:
        deadline = self._started_at + self.cfg.max_call_s
        barge = self._barge
        if barge is not None and not barge.confirmed and barge.quiet_since is not None:
            deadline = min(deadline, barge.quiet_since + self.cfg.barge_resume_ms / 1000)
        if self._listening_since is not None:
            deadline = min(deadline, self._listening_since + self.cfg.silence_prompt_s)
        if self._action_at is not None:
            deadline = min(deadline, self._action_at + self.cfg.hangup_grace_s)
        return deadline

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
            self._submit(SilenceTimeout(self.cfg.silence_prompt_s))

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
    def _submit(self, inp: EngineInput) -> None:
        """Queue an input for the engine, which takes one at a time (its contract); a barge-in cancels only the
        current response. An idle engine starts on it at once (no driver task to wake in between)."""
        self._engine_inputs.put_nowait(inp)
        self._next_input()

    def _next_input(self, _done: asyncio.Task[None] | None = None) -> None:
        if self._stopping or self._engine_inputs.empty():
            return
        if self._responder is not None and not self._responder.done():
            return                                        # its done-callback starts the next input
        inp = self._engine_inputs.get_nowait()
        self._responder = asyncio.create_task(self._respond(inp), name=f"responder:{str(self.call_id)[:8]}")
        self._responder.add_done_callback(self._next_input)

    async def _respond(self, inp: EngineInput) -> None:
        spec = self._gates.pop(id(inp), None)
        if spec is not None and spec.cancelled:
            self.post(m.ResponseDone(None))
            return
        clock = None
        if isinstance(inp, UserUtterance) and self._next_clock is not None:
            clock, self._next_clock = self._next_clock, None
        watch = self.observation.begin_turn(clock)
        utt: Utterance | None = None
        try:
            with self.observation.timing(watch):
                async for event in self.engine.handle(inp):
                    self.observation.engine_event(watch, event)
                    if isinstance(event, AgentSpeech):
                        if spec is not None and not spec.release.is_set():
                            await spec.release.wait()     # speculative: speak only once turn.end confirms
                        if utt is None:
                            utt = self.speaker.begin(watch)
                            self._listening_since = None
                        await self.speaker.say(utt, event.text)
                    elif isinstance(event, EndCall | TransferCall):
                        self._pending_action = event
            if utt is not None:
                await self.speaker.finish(utt)
            if self._pending_action is not None:
                self._action_at = time.monotonic() + self.speaker.playout.unplayed_s
        except Exception:
            log.exception("engine response failed", extra={"call_id": str(self.call_id)})
        finally:
            self.post(m.ResponseDone(utt))

    # ---- telemetry --------------------------------------------------------------------------------------------
    def _finish_turn(self, utt: Utterance) -> None:
        self.speaker.fill_clock(utt)
        self.observation.finish_turn(utt.watch, max_frame_gap_ms=self.speaker.playout.max_gap_ms)


_gc_tuned: list[bool] = []
GC_THRESHOLDS = (3_000, 10, 10)         # CPython's default is (700, 10, 10)


def _tune_gc_once() -> None:
    """At the first call, once the service's modules and clients are loaded: move everything alive into the
    permanent generation (gc.freeze) so a full collection scans only what calls allocate — a full collection over
    the imported world otherwise stalls every call's audio for ~150 ms at a time. And collect the youngest
    generation after 3,000 net allocations instead of 700: the audio path allocates hundreds of short-lived
    containers per second per call, and at the default each young collection promotes whatever happens to be in
    flight (futures, parsed frames), so the older generations fill with garbage and a 40-90 ms full collection
    (200 calls' live objects) ran every ~12 s. Measured at 200 calls (bench/voice_load.py, BENCH_DIAG, CPU time):
    default 240 young (max 6 ms) + 22 middle (max 14 ms) + 2 full (max 87 ms) collections per level, 460 ms in
    all; 3,000: 46 young (max 7 ms) + 4 middle (max 19 ms), no full one, 140 ms; 10,000 had fewer, longer pauses
    (a 50 ms middle collection)."""
    if not _gc_tuned:
        _gc_tuned.append(True)
        gc.collect()
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)


class CallPipeline(TurnTaking):
    """The three rooms assembled for one phone call over Cartesia STT/TTS."""

    def __init__(self, *, started: CallStarted, engine: ConversationEngine, cartesia: Any, link: PhoneLink,
                 bus: EventBus, record_metrics: Callable[[TurnMetrics], None], settings_models: tuple[str, str],
                 voice_id: str | None, config: VoiceConfig | None = None) -> None:
        _tune_gc_once()
        cfg = config or VoiceConfig()
        label = f":{str(started.call_id)[:8]}"
        stt_model, tts_model = settings_models
        stt = SttStream(cartesia, lambda event: self.on_stt(event), model=stt_model, label=label)
        tts: TtsLike = TtsStream(cartesia, model_id=tts_model, voice_id=voice_id,
                                 stall_timeout_s=cfg.tts_stall_timeout_s, label=label)
        super().__init__(started=started, engine=engine, link=link,
                         speaker=Speaker(tts, link, lead_ms=cfg.lead_ms, label=label), ear=stt,
                         observation=Observation(started.call_id, bus, record_metrics), config=cfg)
