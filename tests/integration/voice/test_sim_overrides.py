"""The Test-call page's what-if figures: `/sim?balance=&days_overdue=` reach the engine as sandbox overrides;
a bad value ends the simulation with a message naming it."""
from __future__ import annotations

import json
from decimal import Decimal

from websockets.asyncio.client import connect

from tests.integration.voice.harness import voice_stack


async def _verify(token: str) -> object:
    if token != "good-token":
        raise PermissionError("bad token")
    return {"sub": "tester", "roles": ["supervisor"]}       # /sim needs the supervisor role


async def test_sim_passes_balance_and_days_overdue_overrides_to_the_engine(seeded, pool):
    async with voice_stack(pool, verify_token=_verify) as stack:
        async with connect(f"{stack.base}/sim?tactic=stern&balance=99.5&days_overdue=12&token=good-token") as ws:
            assert json.loads(await ws.recv())["type"] == "agent"
            await ws.send(json.dumps({"type": "hangup"}))
        started = stack.engines[0].inputs[0]
        assert started.account_overrides == {"balance": Decimal("99.50"), "days_overdue": 12}


async def test_sim_refuses_a_bad_override_with_its_name(seeded, pool):
    async with voice_stack(pool, verify_token=_verify) as stack:
        async with connect(f"{stack.base}/sim?balance=lots&token=good-token") as ws:
            end = json.loads(await ws.recv())
        assert end["type"] == "end" and end["reason"] == "error" and end["detail"].startswith("balance")
        assert stack.engines == []
