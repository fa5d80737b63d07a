"""Turn-taking rules on the phone path: silence prompts then a polite end, the maximum call length, DTMF."""
from __future__ import annotations

import asyncio
from dataclasses import replace

from shared.agent.events import DtmfDigit, HangUp, SilenceTimeout, UserUtterance
from tests.integration.voice.harness import FAST, voice_stack, wait_until


async def test_silent_caller_is_prompted_then_the_call_ends(conn, pool):
    config = replace(FAST, silence_prompt_s=0.6, silence_max_prompts=1)
    async with voice_stack(pool, config=config) as stack:
        _, caller = await stack.new_call(conn)
        await asyncio.wait_for(caller.closed.wait(), timeout=15)      # the caller never says a word
        engine = stack.engines[0]
        assert [i for i in engine.inputs if isinstance(i, SilenceTimeout)] == [SilenceTimeout(0.6)] * 2
        assert stack.cartesia.tts.stats.transcripts.count("Are you still there?") == 2
        await wait_until(lambda: not stack.services.calls, what="call closed")


async def test_maximum_call_length_hangs_up(conn, pool):
    config = replace(FAST, max_call_s=1.5)
    async with voice_stack(pool, config=config) as stack:
        _, caller = await stack.new_call(conn)
        await asyncio.wait_for(caller.closed.wait(), timeout=10)
        await wait_until(lambda: not stack.services.calls, what="call closed")
        assert isinstance(stack.engines[0].inputs[-1], HangUp)


async def test_keypad_digits_reach_the_engine(conn, pool):
    async with voice_stack(pool) as stack:
        _, caller = await stack.new_call(conn)
        await caller.wait_agent_done()
        for digit in "42":
            await caller.press(digit)
        await wait_until(lambda: [i for i in stack.engines[0].inputs if isinstance(i, DtmfDigit)] ==
                         [DtmfDigit("4"), DtmfDigit("2")], what="digits")
        await caller.hangup()


async def test_eager_end_starts_the_engine_early_and_speaks_once_turn_end_agrees(conn, pool):
    from tests.fakes.cartesia_stt import SttFakeConfig

    stt = SttFakeConfig(start_latency_ms=20, end_latency_ms=300, eager_end=True)
    async with voice_stack(pool, stt=stt, config=replace(FAST, eager_start=True), ttft_s=0.1) as stack:
        _, caller = await stack.new_call(conn)
        await caller.wait_agent_done()
        await caller.say("hello there")
        await caller.wait_agent_done()
        engine = stack.engines[0]
        utterances = [i for i in engine.inputs if isinstance(i, UserUtterance)]
        assert [u.text for u in utterances] == ["hello there"]
        started = engine.input_times[engine.inputs.index(utterances[0])]
        assert started < stack.cartesia.stt.stats.turn_end_sent_at[-1]      # the head start
        assert stack.cartesia.tts.stats.transcripts[-1] == "You said hello there."
        await caller.hangup()


async def test_turn_resume_cancels_the_speculative_reply(conn, pool):
    from tests.fakes.cartesia_stt import SttFakeConfig

    stt = SttFakeConfig(start_latency_ms=20, end_latency_ms=300, eager_then_resume=1)
    async with voice_stack(pool, stt=stt, config=replace(FAST, eager_start=True), ttft_s=0.05) as stack:
        _, caller = await stack.new_call(conn)
        await caller.wait_agent_done()
        await caller.say("I can pay next week")
        await caller.wait_agent_done()
        spoken = stack.cartesia.tts.stats.transcripts
        assert spoken[-1] == "You said I can pay next week."
        assert "You said I can." not in spoken                            # the speculation never spoke
        await caller.hangup()
