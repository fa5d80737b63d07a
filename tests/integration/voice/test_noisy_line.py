"""Barge-in on a noisy line (tests/fakes/noisy_line: espeak-ng + sox, 10 dB SNR, with the caller's coughs): the
background and the coughs never stop the agent; the caller's voice over the same noise does (a `clear` is sent)."""
from __future__ import annotations

import asyncio

import numpy as np
import pytest

from shared.agent.events import AgentSpeech, CallStarted, EngineEvent, EngineInput, Interrupted, TurnEnd, UserUtterance
from shared.speech.vad import ULAW_TO_PCM16
from tests.fakes import noisy_line as nl
from tests.fakes.cartesia_tts import TtsFakeConfig
from tests.fakes.speech_codec import HEADER_FIXED, utterance_audio
from tests.integration.voice.harness import voice_stack, wait_until

GREETING = ["Hello, this is Archer, an automated assistant calling from Northwind Bank today.",
            "I would like to talk with you about your account and the options we can offer you.",
            "Before we go on, may I confirm a few details with you, starting with your date of birth?"]


def long_greeting(inp: EngineInput) -> list[EngineEvent]:
    if isinstance(inp, CallStarted):
        return [*(AgentSpeech(s) for s in GREETING), TurnEnd()]
    if isinstance(inp, UserUtterance):
        return [AgentSpeech("Of course."), TurnEnd()]
    return []


def speech_over(noise: np.ndarray, text: str, duration_ms: int) -> bytes:
    """The caller's words (the STT fake's header kept intact) mixed over the line's noise."""
    words = utterance_audio(text, duration_ms)
    header = len(words) - len(words[HEADER_FIXED:]) + 2 * len(text.encode())
    voice = ULAW_TO_PCM16[np.frombuffer(words[header:], dtype=np.uint8)]
    mixed = nl.mix(noise[: len(voice)], voice, 0)
    return words[:header] + nl.to_ulaw(mixed)


@pytest.mark.parametrize("kind", ["babble", "street"])
async def test_noise_and_coughs_do_not_stop_the_agent_but_speech_over_them_does(conn, pool, kind):
    noise = nl.noisy_line(kind, 12.0, 10.0, coughs_every_s=2.0, seed=7)      # ~5 coughs in 12 s
    tts = TtsFakeConfig(first_byte_ms=20, wpm=200, chunk_interval_ms=60)
    async with voice_stack(pool, script=long_greeting, tts=tts) as stack:
        _, caller = await stack.new_call(conn)
        caller.background = nl.to_ulaw(noise)                # the line is noisy from the start
        await caller.wait_agent_speaking()
        await asyncio.sleep(5.0)                             # 5 s of noise and coughs while the agent talks
        assert caller.log.clears == [], "the noise cut the agent off"
        engine = stack.engines[0]
        assert not [i for i in engine.inputs if isinstance(i, Interrupted)]
        played = caller.log.played_frames
        await caller.play(speech_over(noise[5 * nl.RATE:], "wait a second please", 1200))
        await wait_until(lambda: bool(caller.log.clears), timeout=5, what="the clear")
        assert played > 200                                  # the agent had been speaking all along (≥ 4 s)
        await wait_until(lambda: any(isinstance(i, UserUtterance) for i in engine.inputs), timeout=5,
                         what="the caller's turn")
        assert [type(i).__name__ for i in engine.inputs][:3] == ["CallStarted", "Interrupted", "UserUtterance"]
        await caller.hangup()
