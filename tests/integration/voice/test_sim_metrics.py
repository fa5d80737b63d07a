"""/sim goes through the same observation room as phone calls: a simulated call's turns land in turn_metrics with
the engine's own timings (brain first token, first sentence, tool time), and its live events match a phone call's."""
from __future__ import annotations

import asyncio
import json
import uuid

from websockets.asyncio.client import connect

from shared.agent.events import AgentSpeech, CallStarted, EngineEvent, EngineInput, ToolEvent, TurnEnd, UserUtterance
from tests.integration.voice.harness import voice_stack, wait_until


async def _verify(token: str) -> object:
    return {"sub": "tester", "roles": ["supervisor"]}


def with_a_tool(inp: EngineInput) -> list[EngineEvent]:
    if isinstance(inp, CallStarted):
        return [AgentSpeech("Hello, this is Archer."), TurnEnd()]
    if isinstance(inp, UserUtterance):
        return [AgentSpeech("Let me check."), ToolEvent("lookup_balance", {"account": "***"}, {"balance": "10.00"}),
                AgentSpeech("Your balance is ten dollars."), TurnEnd()]
    return []


async def test_simulated_calls_record_the_engines_timings_in_turn_metrics(seeded, pool):
    async with voice_stack(pool, verify_token=_verify, script=with_a_tool, ttft_s=0.03) as stack:
        async with connect(f"{stack.base}/sim?tactic=stern&token=ok") as ws:
            assert [json.loads(await ws.recv()) for _ in range(2)][1] == {"type": "turn_end"}
            await ws.send(json.dumps({"type": "user", "text": "what do I owe"}))
            replies = [json.loads(await ws.recv()) for _ in range(4)]
            assert [r["type"] for r in replies] == ["agent", "tool", "agent", "turn_end"]
            await ws.send(json.dumps({"type": "hangup"}))
            end = json.loads(await ws.recv())
        call_id = uuid.UUID(end["call_id"])
        await wait_until(lambda: stack.services.get_writes().pending == 0, what="writes stored")
        await asyncio.sleep(0.1)
        rows = await (await seeded.execute(
            "SELECT turn, llm_ttft_ms, first_sentence_ms, tool_ms, voice_to_voice_ms FROM turn_metrics "
            "WHERE call_id = %s ORDER BY turn", (call_id,))).fetchall()
        assert [r[0] for r in rows] == [0, 1]
        for turn, ttft, first_sentence, _tool, v2v in rows:
            assert ttft is not None and float(ttft) >= 25, turn          # the scripted brain's 30 ms first token
            assert first_sentence is not None and float(first_sentence) >= float(ttft)
            assert v2v is None                                            # no phone, no voice-to-voice
        assert rows[0][3] is None and rows[1][3] is not None and float(rows[1][3]) >= 0
