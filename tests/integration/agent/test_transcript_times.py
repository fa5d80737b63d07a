"""Transcript time stamps: each line carries when it was spoken, not when the engine committed it."""
from __future__ import annotations

import asyncio

from psycopg_pool import AsyncConnectionPool

from shared.agent.brains.rules import RulesBrain
from shared.agent.session import start_session
from shared.db import calls
from shared.settings import Settings
from tests.integration.agent.test_engine import NOW, new_call, say
from tests.scenarios.harness import RecordingCallControl, RecordingWorkflows


async def test_agent_line_is_stamped_when_spoken_not_at_the_callers_reply(fresh_db: AsyncConnectionPool,
                                                                         rules_settings: Settings) -> None:
    started, _ = await new_call(fresh_db)
    engine = await start_session(fresh_db, started, settings=rules_settings, call_control=RecordingCallControl(),
                                 workflows=RecordingWorkflows(), brain=RulesBrain(), clock=lambda: NOW)
    _ = [ev async for ev in engine.handle(started)]          # the greeting
    await asyncio.sleep(0.2)                                  # the caller takes a moment to answer
    await say(engine, "Yes, this is Maria.")
    await engine.close()
    async with fresh_db.connection() as conn:
        lines = await calls.list_transcript(conn, started.call_id)
    greeting, reply = lines[0], lines[1]
    assert (greeting.speaker, reply.speaker) == ("agent", "caller")
    assert (reply.spoken_at - greeting.spoken_at).total_seconds() >= 0.2
