"""Nothing accepted is lost on a crash: a real `python -m voice` process runs a simulated payment call and is
killed with SIGKILL at each stage; the next process to start finalizes the call (status from what was recorded,
`ended_reason` 'process_died') and every tool result the caller was told is in the database with its inputs."""
from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from psycopg import AsyncConnection
from websockets.asyncio.client import connect

from shared.db import customers
from tests.integration.security.simclient import until_turn_end
from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[3]
MARIA = "+12125550101"
LINES = ["Yes, this is Maria.", "My account ends in 4821 and my zip code is 10001.",
         "I'd like to pay the full amount. Can you text me the link?", "No, that's all, thanks."]
TOKEN = jwt.encode({"sub": "crash-tester", "roles": ["supervisor"]}, "dev-mode-reads-only-the-claims-not-the-key",
                   algorithm="HS256")


class VoiceProcess:
    """`python -m voice` on its own port against this run's database (dev auth, rules brain, no Redis)."""

    def __init__(self, database_url: str) -> None:
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "TWILIO_ACCOUNT_SID", "KEY_VAULT_URL")}
        env.update(DATABASE_URL=database_url, PORT=str(self.port), HOST="127.0.0.1", AUTH_MODE="dev",
                   ARCHER_ENV="test", AGENT_BRAIN="rules", OPENAI_API_KEY="", PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen([sys.executable, "-m", "voice"], cwd=ROOT, env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    async def ready(self) -> None:
        async with httpx.AsyncClient() as client:
            for _ in range(600):
                try:
                    if (await client.get(f"http://127.0.0.1:{self.port}/healthz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                assert self.proc.poll() is None, "the voice process exited"
                await asyncio.sleep(0.05)
        raise AssertionError("the voice process did not start")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)


@pytest.fixture
def processes(database_url: str) -> Iterator[list[VoiceProcess]]:
    started: list[VoiceProcess] = []
    yield started
    for p in started:
        p.stop()


async def _run_until(port: int, customer_id: uuid.UUID, stage: int) -> list[dict[str, Any]]:
    """The greeting and the first `stage` lines of the call, then return with the socket still open."""
    seen: list[dict[str, Any]] = []
    ws = await connect(f"ws://127.0.0.1:{port}/sim?customer_id={customer_id}&token={TOKEN}")
    seen += await until_turn_end(ws, timeout=30)
    for line in LINES[:stage]:
        await ws.send(json.dumps({"type": "user", "text": line}))
        seen += await until_turn_end(ws, timeout=30)
    return seen


# Stages: after the greeting, after verification, after the payment (SMS link), at the goodbye.
@pytest.mark.parametrize("stages", [[0, 1, 2, 3]])
async def test_sigkill_at_each_stage_loses_no_accepted_row(stages: list[int], demo: AsyncConnection,
                                                           database_url: str, processes: list[VoiceProcess]) -> None:
    maria = await customers.find_by_phone(demo, MARIA)
    assert maria is not None
    current = VoiceProcess(database_url)
    processes.append(current)
    await current.ready()
    for stage in stages:
        seen = await _run_until(current.port, maria.id, stage)
        current.kill()                                            # SIGKILL: no drain, no flush, no goodbye
        current = VoiceProcess(database_url)                      # the next start recovers
        processes.append(current)
        await current.ready()

        cur = await demo.execute("SELECT id, status, ended_reason, outcome, ended_at FROM calls "
                                 "WHERE call_type = 'simulated' ORDER BY started_at DESC LIMIT 1")
        call = await cur.fetchone()
        assert call is not None
        call_id, status, ended_reason, outcome, ended_at = call
        assert status == "completed" and ended_reason == "process_died" and ended_at is not None, stage
        told = [m for m in seen if m["type"] == "tool"]
        stored = await (await demo.execute("SELECT name, result FROM tool_executions WHERE call_id = %s ORDER BY seq",
                                           (call_id,))).fetchall()
        assert [(t["name"], t["result"]) for t in told] == [(n, r) for n, r in stored], stage
        if any(t["name"] == "process_payment" for t in told):
            assert outcome == "payment_arranged"
            arr = await (await demo.execute("SELECT simulated FROM payment_arrangements WHERE call_id = %s",
                                            (call_id,))).fetchall()
            assert arr == [(True,)]
        # Every caller line that led to a tool result was stored before that result was spoken.
        said = [r[0] for r in await (await demo.execute(
            "SELECT text FROM call_transcript_entries WHERE call_id = %s AND speaker <> 'agent' ORDER BY seq",
            (call_id,))).fetchall()]
        assert said[:min(stage, 3) if told else 0] == LINES[:min(stage, 3) if told else 0], (stage, said)
    open_calls = await (await demo.execute("SELECT count(*) FROM calls WHERE status = 'in-progress'")).fetchone()
    assert open_calls == (0,)
