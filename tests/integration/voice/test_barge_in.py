"""Barge-in: a real interruption stops the agent (clear, cancel, late audio dropped, transcript cut to what was
heard); a backchannel or a cough only pauses it, and the agent finishes its turn."""
from __future__ import annotations

import asyncio

import pytest

from shared.agent.events import AgentSpeech, CallStarted, EngineEvent, EngineInput, Interrupted, TurnEnd, UserUtterance
from tests.fakes.cartesia_tts import TtsFakeConfig
from tests.integration.voice.harness import voice_stack, wait_until

GREETING = ["Hello, this is Archer, an automated assistant calling from Northwind Bank today.",
            "I would like to talk with you about your account and the options we can offer.",
            "Before we go on, may I confirm a few details with you?"]


def long_greeting(inp: EngineInput) -> list[EngineEvent]:
    if isinstance(inp, CallStarted):
        return [*(AgentSpeech(s) for s in GREETING), TurnEnd()]
    if isinstance(inp, UserUtterance):
        return [AgentSpeech("Of course, take your time."), TurnEnd()]
    return []


def _pipeline(stack):
    return next(iter(stack.services.calls.values()))


async def test_barge_in_clears_cancels_drops_late_audio_and_truncates_to_what_was_heard(conn, pool):
    # TTS streams at near real time here, so generation is still running when the caller cuts in
    tts_config = TtsFakeConfig(first_byte_ms=20, wpm=320, chunk_interval_ms=90)
    async with voice_stack(pool, script=long_greeting, tts=tts_config) as stack:
        _, caller = await stack.new_call(conn)
        await caller.wait_agent_speaking()
        pipeline = _pipeline(stack)
        await asyncio.sleep(1.5)
        await caller.say("wait a moment please", duration_ms=1200)
        await caller.wait_agent_done()
        engine = stack.engines[0]

        assert caller.log.clears, "no clear sent to Twilio"
        clear_at = caller.log.clears[0]
        tts = stack.cartesia.tts.stats
        assert len(tts.cancelled) == 1, "the greeting's TTS context was not cancelled"
        assert tts.late_chunks_sent >= 1                     # Cartesia kept sending after cancel ...
        speech_end = caller.log.speech_end_sent[-1]
        leaked = [t for t in caller.log.media_arrivals if clear_at < t <= speech_end]
        assert leaked == []                                  # ... and none of it reached the caller

        interrupted = [i for i in engine.inputs if isinstance(i, Interrupted)]
        assert len(interrupted) == 1
        heard = interrupted[0].heard_text
        full = " ".join(GREETING)
        assert heard and full.startswith(heard) and len(heard) < len(full) / 2
        assert pipeline.barge_in_ms and pipeline.barge_in_ms[0] < 500
        assert [i.text for i in engine.inputs if isinstance(i, UserUtterance)] == ["wait a moment please"]
        assert engine.inputs.index(interrupted[0]) < len(engine.inputs) - 1   # Interrupted before the utterance
        await caller.hangup()


@pytest.mark.parametrize("sound", ["uh-huh", "cough"])
async def test_backchannel_or_cough_does_not_stop_the_agent(conn, pool, sound):
    async with voice_stack(pool, script=long_greeting) as stack:
        _, caller = await stack.new_call(conn)
        await caller.wait_agent_speaking()
        await asyncio.sleep(1.0)
        if sound == "cough":
            await caller.noise(120)
        else:
            await caller.say("uh-huh", duration_ms=300)
        await caller.wait_agent_done(quiet_ms=600, timeout=30)
        engine = stack.engines[0]
        assert not [i for i in engine.inputs if isinstance(i, Interrupted | UserUtterance)]
        assert stack.cartesia.tts.stats.cancelled == []
        # the greeting played to its end: its end mark came back
        assert any(name.endswith(".end") for name in caller.log.marks_echoed)
        await wait_until(lambda: not _pipeline(stack)._agent_audible(), what="turn over")
        await caller.hangup()
