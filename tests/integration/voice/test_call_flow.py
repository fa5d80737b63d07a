"""A phone call through the real voice service: greeting, a caller turn, goodbye; hang-up after the last mark."""
from __future__ import annotations

import asyncio

from shared.agent.events import CallStarted, UserUtterance
from shared.db.calls import get_call
from tests.integration.voice.harness import voice_stack, wait_until


async def test_caller_hears_greeting_reply_and_goodbye_then_call_is_finalised(conn, pool):
    async with voice_stack(pool) as stack:
        call_id, caller = await stack.new_call(conn)
        await caller.wait_agent_done()
        await caller.say("hello there")
        await caller.wait_agent_done()
        await caller.say("bye now")
        await asyncio.wait_for(caller.closed.wait(), timeout=10)
        engine = stack.engines[0]
        assert isinstance(engine.inputs[0], CallStarted)
        assert [i.text for i in engine.inputs if isinstance(i, UserUtterance)] == ["hello there", "bye now"]
        assert stack.cartesia.tts.stats.transcripts[:2] == ["Hello, this is Archer.", "You said hello there."]
        # hung up only after the goodbye's end mark came back from the caller
        assert any(name.endswith(".end") for name in caller.log.marks_echoed[-2:])
        assert caller.log.played_frames > 20
        await wait_until(lambda: not stack.services.calls, what="call closed")
        await wait_until(lambda: stack.services.get_writes().pending == 0, what="writes stored")
        call = await get_call(conn, call_id)
        assert call.ended_at is not None and call.status == "completed"
        rows = await (await conn.execute(
            "SELECT turn, voice_to_voice_ms, stt_ms, tts_ttfb_ms, overhead_ms FROM turn_metrics WHERE call_id = %s "
            "ORDER BY turn", (call_id,))).fetchall()
        assert len(rows) == 3
        for _turn, v2v, stt, ttfb, overhead in rows[1:]:
            assert v2v is not None and stt is not None and ttfb is not None and overhead is not None
            assert v2v > stt
        assert engine.closed
        await wait_until(lambda: stack.cartesia.open_connections == 0, what="cartesia sockets closed")


async def test_media_stream_with_a_bad_signature_or_token_is_refused(conn, pool):
    import pytest
    from websockets.exceptions import InvalidStatus

    from tests.fakes.twilio_caller import TwilioCaller

    async with voice_stack(pool) as stack:
        _, good = await stack.new_call(conn)
        await good.hangup()
        forged = TwilioCaller(good.url, custom_parameters=good.custom_parameters, signature="Zm9yZ2Vk")
        with pytest.raises(InvalidStatus) as info:
            await forged.connect()
        assert info.value.response.status_code == 403
        params = {**good.custom_parameters, "token": good.custom_parameters["token"][:-4] + "AAAA"}
        tampered = TwilioCaller(good.url, custom_parameters=params, signature=good.signature)
        await tampered.connect()
        await asyncio.wait_for(tampered.closed.wait(), timeout=5)      # closed before any call starts
        assert stack.engines == [stack.engines[0]]
        await tampered.close()
