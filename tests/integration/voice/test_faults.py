"""Faults the voice path survives: Cartesia STT/TTS socket drops, a TTS context that never finishes, the caller
hanging up mid-utterance (everything released, record finalised), and the database being unreachable."""
from __future__ import annotations

import asyncio
import contextlib

from shared.agent.events import AgentSpeech, CallStarted, EngineEvent, EngineInput, HangUp, TurnEnd, UserUtterance
from shared.db.calls import get_call
from tests.fakes.cartesia_stt import SttFakeConfig
from tests.fakes.cartesia_tts import TtsFakeConfig
from tests.integration.voice.harness import voice_stack, wait_until


def _call_tasks(label: str) -> list[asyncio.Task]:
    return [t for t in asyncio.all_tasks() if label in t.get_name()]


async def test_stt_socket_drop_mid_utterance_reconnects_and_the_turn_completes(conn, pool):
    stt = SttFakeConfig(start_latency_ms=20, end_latency_ms=60, drop_after_speech_bytes=4000)
    async with voice_stack(pool, stt=stt) as stack:
        _, caller = await stack.new_call(conn)
        await caller.wait_agent_done()
        await caller.say("my postal code is 90210", duration_ms=1500)
        await caller.wait_agent_done()
        engine = stack.engines[0]
        assert stack.cartesia.stt.stats.drops == 1
        assert stack.cartesia.stt.stats.connections == 2
        assert [i.text for i in engine.inputs if isinstance(i, UserUtterance)] == ["my postal code is 90210"]
        assert stack.cartesia.tts.stats.transcripts[-1] == "You said my postal code is 90210."
        await caller.hangup()


async def test_tts_socket_drop_reconnects_and_the_sentence_is_finished(conn, pool):
    tts = TtsFakeConfig(first_byte_ms=20, wpm=320, drop_after_chunks=3)
    async with voice_stack(pool, tts=tts) as stack:
        _, caller = await stack.new_call(conn)
        await caller.wait_agent_done(timeout=10)
        stats = stack.cartesia.tts.stats
        assert stats.drops == 1 and stats.connections == 2
        assert stats.transcripts.count("Hello, this is Archer.") == 2      # the sentence was retried
        assert any(name.endswith(".end") for name in caller.log.marks_echoed)
        await caller.say("hello again")
        await caller.wait_agent_done()
        assert stats.transcripts[-1] == "You said hello again."
        await caller.hangup()


async def test_tts_context_that_never_finishes_times_out_and_the_call_recovers(conn, pool):
    tts = TtsFakeConfig(first_byte_ms=20, wpm=320, stall_contexts=1)
    async with voice_stack(pool, tts=tts) as stack:
        _, caller = await stack.new_call(conn)
        await wait_until(lambda: any(n.endswith(".end") for n in caller.log.marks_echoed), timeout=10,
                         what="the greeting played to its end")
        stats = stack.cartesia.tts.stats
        assert stats.stalled == 1 and len(stats.contexts) == 2
        await caller.say("are you there")
        await caller.wait_agent_done()
        assert stats.transcripts[-1] == "You said are you there."
        await caller.hangup()


def _pool_scheduler_wait(task: asyncio.Task[object]) -> bool:
    """The shared test pool's own scheduler re-arms a timed wait on a psycopg_pool event whenever it schedules
    maintenance; that wait belongs to the pool, not to the call."""
    from psycopg_pool._acompat import AEvent

    frame = getattr(task.get_coro(), "cr_frame", None)
    return frame is not None and isinstance(frame.f_locals.get("self"), AEvent)


def _describe_tasks(leftover: list[asyncio.Task[object]]) -> str:
    """Each leftover task and every live task's innermost frames, to tell who is still waiting on what."""
    import traceback

    lines = [repr(t) for t in leftover]
    for t in asyncio.all_tasks():
        frames = t.get_stack(limit=4)
        if frames:
            where = " <- ".join(f"{f.f_code.co_filename.rsplit('/', 2)[-1]}:{f.f_lineno} {f.f_code.co_name}"
                                for f in frames)
            lines.append(f"{t.get_name()}: {where}")
    return "\n".join(lines) + "\n" + "".join(traceback.format_stack(limit=1))


def _chatty(inp: EngineInput) -> list[EngineEvent]:
    if isinstance(inp, CallStarted):
        return [AgentSpeech("Hello, this is Archer."), TurnEnd()]
    if isinstance(inp, UserUtterance):
        return [AgentSpeech("Thank you."), TurnEnd()]
    return []


async def test_caller_hangs_up_mid_utterance_everything_is_released_and_the_call_finalised(conn, pool):
    async with voice_stack(pool, script=_chatty) as stack:
        before = {t for t in asyncio.all_tasks()}
        call_id, caller = await stack.new_call(conn)
        label = str(call_id)[:8]
        await caller.wait_agent_done()
        assert _call_tasks(label), "the call's tasks should be visible while it is live"
        speaking = asyncio.create_task(caller.say("I think I can pay some of it next week", duration_ms=2000))
        await asyncio.sleep(0.6)
        await caller.hangup()
        speaking.cancel()
        await wait_until(lambda: not stack.services.calls, what="call closed")
        engine = stack.engines[0]
        assert isinstance(engine.inputs[-1], HangUp) and engine.closed
        await wait_until(lambda: stack.cartesia.open_connections == 0, what="cartesia sockets closed")
        await wait_until(lambda: not _call_tasks(label), what="call tasks gone")
        # The call's final records are flushed by a waiter that lives until they are stored (slow under load):
        # let them land first, then nothing the call started may still be running.
        await wait_until(lambda: stack.services.get_writes().pending == 0, what="writes stored")
        with contextlib.suppress(asyncio.CancelledError):
            await speaking                                      # the cancelled caller speech has unwound
        leftover = [t for t in asyncio.all_tasks() - before if not t.done() and t is not asyncio.current_task()
                    and t.get_name() not in {"write-behind", "live-publisher"} and not _pool_scheduler_wait(t)]
        assert leftover == [], _describe_tasks(leftover)
        call = await get_call(conn, call_id)
        assert call.status == "completed" and call.ended_at is not None


async def test_database_outage_the_call_goes_on_and_its_records_are_written_afterwards(conn, database_url):
    from psycopg_pool import AsyncConnectionPool

    from tests.fakes.pg_proxy import PgProxy

    proxy = await PgProxy(database_url).start()
    pool = AsyncConnectionPool(proxy.url, min_size=1, max_size=4, timeout=1.0, open=False)
    await pool.open(wait=True)
    try:
        async with voice_stack(pool, script=_chatty) as stack:
            call_id, caller = await stack.new_call(conn)
            await caller.wait_agent_done()
            proxy.cut()                                           # the database goes away mid-call
            await caller.say("hello")
            await caller.wait_agent_done()
            assert stack.cartesia.tts.stats.transcripts[-1] == "Thank you."    # the call carried on
            await caller.hangup()
            await wait_until(lambda: not stack.services.calls, what="call closed")
            writes = stack.services.get_writes()
            await wait_until(lambda: writes.failures > 0, what="a failed write")
            assert writes.pending >= 1
            assert (await get_call(conn, call_id)).ended_at is None            # not yet written
            proxy.restore()
            await wait_until(lambda: writes.pending == 0, timeout=20, what="deferred writes stored")
            call = await get_call(conn, call_id)
            assert call.ended_at is not None and call.status == "completed"
            turns = await (await conn.execute("SELECT count(*) FROM turn_metrics WHERE call_id = %s",
                                              (call_id,))).fetchone()
            assert turns[0] == 2
    finally:
        await pool.close()
        await proxy.stop()


async def test_llm_timeout_mid_call_the_engine_falls_back_and_the_caller_hears_it(seeded, pool):
    from shared.agent.engine import BRIDGE_LINE
    from shared.db import compliance_records, customers
    from tests.e2e.test_voice_call import NoWorkflows
    from tests.fakes.openai_fake import OpenAIFake, Reply

    fake = OpenAIFake().start()
    fake.default = Reply(hang=True)                         # every completion hangs: the first-token timeout fires
    extra = {"agent_brain": "llm", "openai_api_key": "test-openai-key-not-real", "openai_base_url": fake.base_url,
             "llm_timeout_s": 0.3}
    try:
        async with voice_stack(pool, engine_factory=None, workflows=NoWorkflows(), settings_extra=extra) as stack:
            customer = await customers.find_by_phone(seeded, "+12125550101")
            call_id, caller = await stack.new_call(seeded, customer_id=customer.id)
            await caller.wait_agent_done(timeout=20)
            for line in ("Yes, this is Maria.", "My account ends in 4821 and my zip code is 10001.",
                         "I'd like to pay the full amount."):
                if BRIDGE_LINE in stack.cartesia.tts.stats.transcripts:
                    break
                await caller.say(line, duration_ms=600)
                await caller.wait_agent_done(timeout=20)
            spoken = stack.cartesia.tts.stats.transcripts
            assert BRIDGE_LINE in spoken                           # the engine fell back, out loud ...
            assert spoken[-1] != BRIDGE_LINE                       # ... and the rules brain went on talking
            assert len([r for r in fake.requests if r.get("stream")]) >= 2   # the hung request and its retry
            await caller.hangup()
            await wait_until(lambda: not stack.services.calls, what="call closed")
        events = await compliance_records.events_for_call(seeded, call_id)
        assert "llm_fallback" in {e.code for e in events}
    finally:
        fake.stop()
