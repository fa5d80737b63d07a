"""The pipeline's three rooms, each in isolation: observation fed engine events, the speaker fed TTS chunks,
turn-taking fed typed messages (with a fake line, a fake ear and a fake TTS; the engine is the scripted one)."""
from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from shared.agent.events import (
    AgentSpeech,
    CallStarted,
    ComplianceNotice,
    EngineEvent,
    EngineInput,
    HangUp,
    Interrupted,
    ToolEvent,
    TurnEnd,
    UserUtterance,
)
from shared.speech.audio import FRAME_BYTES, SILENCE_BYTE
from shared.telemetry.latency import note_llm_first_token
from tests.fakes.scripted_engine import ScriptedEngine
from voice.call import messages as m
from voice.call.config import VoiceConfig
from voice.call.observation import Observation
from voice.call.speaker import Speaker
from voice.call.turn_taking import TurnTaking


class FakeBus:
    def __init__(self) -> None:
        self.events: list[Any] = []

    def publish(self, event: Any) -> None:
        self.events.append(event)


class FakeLink:
    def __init__(self) -> None:
        self.media: list[bytes] = []
        self.marks: list[str] = []
        self.clears = 0
        self.hung_up = False

    async def send_media(self, audio: bytes) -> None:
        self.media.append(audio)

    async def send_mark(self, name: str) -> None:
        self.marks.append(name)

    async def send_clear(self) -> None:
        self.clears += 1

    async def hangup(self) -> None:
        self.hung_up = True

    async def transfer(self, to_number: str | None, reason: str) -> None:
        self.hung_up = True


class FakeTtsTurn:
    """Each pushed sentence comes back as `bytes_per_sentence` of audio in 500-byte chunks, then done."""

    def __init__(self, tts: FakeTts, on_audio: Any, on_done: Any) -> None:
        self.tts, self.on_audio, self.on_done = tts, on_audio, on_done
        self.first_push_at: float | None = None
        self.first_byte_at: float | None = None
        self.pending = 0
        self.idle = asyncio.Event()
        self.idle.set()
        self.cancelled = False

    async def push(self, text: str) -> int:
        index = len(self.tts.texts)
        self.tts.texts.append(text)
        self.first_push_at = self.first_push_at or time.monotonic()
        if self.tts.auto:
            self.pending += 1
            self.idle.clear()
            asyncio.get_running_loop().call_soon(self._deliver, index)
        return index

    def _deliver(self, index: int) -> None:
        if self.cancelled:
            return
        self.first_byte_at = self.first_byte_at or time.monotonic()
        audio = bytes([0x10]) * self.tts.bytes_per_sentence
        for i in range(0, len(audio), 500):
            self.on_audio(index, audio[i:i + 500])
        self.on_done(index)
        self.pending -= 1
        if not self.pending:
            self.idle.set()

    async def finish(self) -> None:
        pass

    async def wait(self) -> None:
        await self.idle.wait()

    async def cancel(self) -> None:
        self.cancelled = True
        self.tts.cancelled += 1
        self.idle.set()

    async def aclose(self) -> None:
        self.idle.set()


class FakeTts:
    def __init__(self, *, auto: bool = True, bytes_per_sentence: int = 1200) -> None:
        self.auto = auto
        self.bytes_per_sentence = bytes_per_sentence
        self.texts: list[str] = []
        self.cancelled = 0
        self.turns: list[FakeTtsTurn] = []

    def turn(self, on_audio: Any, on_sentence_done: Any) -> FakeTtsTurn:
        t = FakeTtsTurn(self, on_audio, on_sentence_done)
        self.turns.append(t)
        return t


class FakeEar:
    def __init__(self) -> None:
        self.frames = 0
        self.closed = False

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        self.closed = True

    def send_audio(self, frame: bytes, *, urgent: bool = True, voiced: bool | None = None) -> None:
        self.frames += 1


async def until(predicate: Any, what: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.005)


# ---- observation ----------------------------------------------------------------------------------------------------
async def test_observation_maps_engine_events_to_live_events_and_turn_metrics_with_the_engines_timings():
    bus, rows = FakeBus(), []
    call_id = uuid.uuid4()
    obs = Observation(call_id, bus, rows.append)  # type: ignore[arg-type]
    obs.call_started(direction="outbound", tactic="stern", simulated=True)
    watch = obs.begin_turn()
    assert watch.clock.turn == 0 and watch.clock.engine_start is not None
    with obs.timing(watch):
        await asyncio.sleep(0.01)
        note_llm_first_token()                              # what the LLM brain calls on its first token
        obs.engine_event(watch, AgentSpeech("Let me look that up."))
        await asyncio.sleep(0.02)                           # the engine runs a tool
        obs.engine_event(watch, ToolEvent("lookup_balance", {"account": "***"}, {"balance": "12.00"}))
        obs.engine_event(watch, ComplianceNotice("mini_miranda"))
    obs.finish_turn(watch)
    obs.call_ended("completed")

    kinds = [e.type for e in bus.events]
    assert kinds == ["call_started", "transcript", "tool_executed", "compliance_event", "latency", "call_ended"]
    assert all(e.call_id == call_id for e in bus.events)
    assert bus.events[1].data == {"speaker": "agent", "text": "Let me look that up.", "fixed": False}
    [row] = rows
    assert row.call_id == call_id and row.turn == 0
    assert row.llm_ttft_ms is not None and row.llm_ttft_ms > 0
    assert row.first_sentence_ms is not None and row.first_sentence_ms >= row.llm_ttft_ms
    assert row.tool_ms is not None and row.tool_ms > 0
    assert row.voice_to_voice_ms is None                   # no phone: no voice-to-voice figure
    assert obs.begin_turn().clock.turn == 1                 # turns are numbered like the engine numbers them


# ---- the speaker ----------------------------------------------------------------------------------------------------
async def test_speaker_reframes_tts_chunks_paces_them_out_and_knows_what_was_heard():
    link, tts = FakeLink(), FakeTts(auto=False)
    speaker = Speaker(tts, link, lead_ms=60)               # type: ignore[arg-type]
    obs = Observation(uuid.uuid4(), None, None)
    try:
        utt = speaker.begin(obs.begin_turn())
        await speaker.say(utt, "One two three four.")
        await speaker.say(utt, "Five six.")
        turn = tts.turns[0]
        for i in range(0, 3300, 700):                       # sentence 0: 3300 bytes in uneven chunks
            turn.on_audio(0, b"\x10" * min(700, 3300 - i))
        turn.on_done(0)
        turn.on_audio(1, b"\x20" * 900)
        turn.on_done(1)
        assert speaker.audible
        await speaker.finish(utt)
        await until(lambda: any(n.endswith(".end") for n in link.marks), "the end mark")
        # 3300 bytes → 20 full frames + 1 padded; 900 → 5 full + 1 padded: whole 160-byte frames only, sent in
        # messages of a few frames (40 ms in steady state)
        audio = b"".join(link.media)
        assert len(audio) == 27 * FRAME_BYTES and all(len(x) % FRAME_BYTES == 0 for x in link.media)
        assert max(len(x) for x in link.media) <= 5 * FRAME_BYTES and len(link.media) >= 27 // 5
        frames = [audio[i:i + FRAME_BYTES] for i in range(0, len(audio), FRAME_BYTES)]
        pad = bytes([SILENCE_BYTE]) * 60
        assert frames[20][100:] == pad and frames[26][100:] == pad
        assert link.marks[0].endswith(".10") and link.marks[-1].endswith(".27.end")   # progress marks, then the end
        # paced: the frames went out over real time (lead 60 ms), not all at once
        assert speaker.playout.last_frame_at - speaker.playout.first_frame_at >= 0.3
        # the line echoes the marks at frames 10 and 20: the caller heard about 3/4 of the first sentence
        assert speaker.mark_played(link.marks[0]) is False
        assert speaker.heard_text(utt, speaker.heard_pos) == "One"
        assert speaker.mark_played(link.marks[1]) is False
        assert speaker.heard_text(utt, speaker.heard_pos) == "One two three"
        assert speaker.mark_played(link.marks[-1]) is True  # the end mark: everything played
        assert speaker.heard_text(utt, speaker.heard_pos) == "One two three four. Five six."
    finally:
        await speaker.close()


async def test_speaker_interrupted_drops_late_audio():
    link, tts = FakeLink(), FakeTts(auto=False)
    speaker = Speaker(tts, link, lead_ms=60)               # type: ignore[arg-type]
    try:
        utt = speaker.begin(Observation(uuid.uuid4(), None, None).begin_turn())
        await speaker.say(utt, "A long sentence that will not be finished.")
        tts.turns[0].on_audio(0, b"\x10" * 1600)
        await speaker.hold()
        heard = await speaker.interrupt(utt, 0)
        tts.turns[0].on_audio(0, b"\x10" * 1600)           # Cartesia's late chunk after cancel
        assert heard == "" and link.clears == 1 and tts.cancelled == 1
        assert len(speaker.playout.frames) == 10 and not speaker.audible
        assert sum(len(x) for x in link.media) <= 10 * FRAME_BYTES
    finally:
        await speaker.close()


# ---- turn-taking ----------------------------------------------------------------------------------------------------
def _script(inp: EngineInput) -> list[EngineEvent]:
    if isinstance(inp, CallStarted):
        return [AgentSpeech("Hello, this is Archer with a rather long greeting for you today."), TurnEnd()]
    if isinstance(inp, UserUtterance):
        return [AgentSpeech(f"You said {inp.text}."), TurnEnd()]
    return []


async def _turn_taking(tts: FakeTts) -> tuple[TurnTaking, FakeLink, ScriptedEngine, FakeEar]:
    link, engine, ear = FakeLink(), ScriptedEngine(script=_script), FakeEar()
    started = CallStarted(call_id=uuid.uuid4(), customer_id=None, tactic_name="stern")
    cfg = VoiceConfig(barge_resume_ms=100, silence_prompt_s=30)
    tt = TurnTaking(started=started, engine=engine, link=link, ear=ear,
                    speaker=Speaker(tts, link, lead_ms=60),  # type: ignore[arg-type]
                    observation=Observation(started.call_id, FakeBus(), lambda row: None),  # type: ignore[arg-type]
                    config=cfg)
    return tt, link, engine, ear


async def test_turn_taking_barge_in_from_typed_messages_interrupts_and_hands_the_caller_the_turn():
    tts = FakeTts(bytes_per_sentence=16000)                 # 2 s of greeting
    tt, link, engine, ear = await _turn_taking(tts)
    runner = asyncio.create_task(tt.run())
    try:
        await until(lambda: len(link.media) >= 3, "the greeting to play")
        assert tt._agent_audible()
        now = time.monotonic()
        tt.post(m.VoiceStarted(now, now - 0.08))            # the VAD heard the caller start 80 ms ago
        await until(lambda: link.clears == 1, "the clear")
        assert tt.barge_in_ms and tt.barge_in_ms[0] >= 80
        tt.post(m.TurnEnded(time.monotonic(), "wait a moment"))
        await until(lambda: any(isinstance(i, UserUtterance) for i in engine.inputs), "the caller's turn")
        kinds = [type(i).__name__ for i in engine.inputs]
        assert kinds == ["CallStarted", "Interrupted", "UserUtterance"]
        assert isinstance(engine.inputs[1], Interrupted) and tts.cancelled == 1
        await until(lambda: tts.texts[-1] == "You said wait a moment.", "the reply")
        tt.post(m.LineClosed(time.monotonic()))
        assert await asyncio.wait_for(runner, 5) == "caller_hangup"
        assert isinstance(engine.inputs[-1], HangUp) and engine.closed and ear.closed
    finally:
        runner.cancel()


async def test_turn_taking_backchannel_resumes_and_a_noise_only_turn_never_cuts_the_agent():
    tts = FakeTts(bytes_per_sentence=16000)
    tt, link, engine, _ = await _turn_taking(tts)
    runner = asyncio.create_task(tt.run())
    try:
        await until(lambda: len(link.media) >= 3, "the greeting to play")
        tt.post(m.TurnStarted(time.monotonic()))            # STT thinks a turn began, but the VAD heard no voice
        await asyncio.sleep(0.05)
        assert link.clears == 0
        now = time.monotonic()
        tt.post(m.VoiceStarted(now, now))                   # a real voice ...
        await until(lambda: link.clears == 1, "the tentative clear")
        tt.post(m.TurnEnded(time.monotonic(), "uh-huh"))    # ... saying "uh-huh": the agent carries on
        sent = len(link.media)
        await until(lambda: len(link.media) > sent + 3, "the greeting to resume")
        await until(lambda: any(n.endswith(".end") for n in link.marks), "the end of the greeting", timeout=10)
        assert [type(i).__name__ for i in engine.inputs] == ["CallStarted"] and tts.cancelled == 0
        tt.post(m.MarkEchoed(time.monotonic(), link.marks[-1]))     # the line played the greeting to its end
        await until(lambda: not tt._agent_audible(), "the turn to pass to the caller")
        tt.post(m.KeyPressed(time.monotonic(), "5"))
        await until(lambda: len(engine.inputs) == 2, "the key press")
        assert engine.inputs[1].digit == "5"                # type: ignore[union-attr]
    finally:
        tt.post(m.LineClosed(time.monotonic()))
        await asyncio.wait_for(runner, 5)


async def test_speaker_end_mark_on_a_progress_mark_boundary_is_still_sent():
    link, tts = FakeLink(), FakeTts(auto=False)
    speaker = Speaker(tts, link, lead_ms=200)              # type: ignore[arg-type]
    try:
        utt = speaker.begin(Observation(uuid.uuid4(), None, None).begin_turn())
        await speaker.say(utt, "Exactly ten frames.")
        tts.turns[0].on_audio(0, b"\x10" * 1600)           # 10 frames: the end falls on the 200 ms mark
        await until(lambda: link.marks == ["1.0.10"] or sum(map(len, link.media)) == 1600, "the audio out")
        await asyncio.sleep(0.05)
        tts.turns[0].on_done(0)
        await speaker.finish(utt)
        await until(lambda: "1.0.10.end" in link.marks, "the end mark")
    finally:
        await speaker.close()
