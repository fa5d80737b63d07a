"""Guessing an account's last four digits across calls is stopped: failed verifications are counted per customer
(simulated calls included), the account locks at MAX_FAILURES, the lock is a compliance event, and only a supervisor
can lift it through the admin API."""
from __future__ import annotations

import httpx
from psycopg import AsyncConnection
from websockets.asyncio.client import connect

from shared.agent.verification_lockout import MAX_FAILURES
from shared.db import customers
from tests.integration.api.conftest import bearer
from tests.integration.security.conftest import voice_service
from tests.integration.security.simclient import converse

MARIA = "+12125550101"


def _verifications(seen: list[dict]) -> list[dict]:
    return [m["result"] for m in seen if m["type"] == "tool" and m["name"] == "verify_account"]


async def test_brute_forcing_the_last_four_digits_is_locked_out(demo: AsyncConnection, pool,
                                                                client: httpx.AsyncClient,
                                                                tokens: dict[str, str]) -> None:
    maria = await customers.find_by_phone(demo, MARIA)
    assert maria is not None
    guesses = iter(f"{n:04d}" for n in range(10_000) if f"{n:04d}" != maria.account_last_4)
    answered: list[dict] = []
    async with voice_service(pool) as stack:
        for _ in range(6):                         # an attacker keeps calling, two guesses a call
            lines = ["Yes, this is Maria."] + [f"My account ends in {next(guesses)} and my zip code is 10001."
                                               for _ in range(2)]
            async with connect(f"{stack.base}/sim?customer_id={maria.id}&token=supervisor-token") as ws:
                answered += _verifications(await converse(ws, lines))
        failures = [r for r in answered if r.get("verified") is False]
        refused = [r for r in answered if r.get("ok") is False and "locked" in r.get("error", "")]
        assert len(failures) == MAX_FAILURES          # only five guesses were ever checked
        assert refused                                # later calls are refused outright

        # Even the right answer is refused while locked.
        right = ["Yes, this is Maria.", f"My account ends in {maria.account_last_4} and my zip code is 10001."]
        async with connect(f"{stack.base}/sim?customer_id={maria.id}&token=supervisor-token") as ws:
            seen = await converse(ws, right)
        assert not any(r.get("verified") for r in _verifications(seen))
        assert seen[-1]["type"] == "end"

        events = await (await demo.execute(
            "SELECT code, customer_id FROM compliance_events WHERE category = 'verification'")).fetchall()
        assert events == [("verification_locked", maria.id)]

        path = f"/api/v1/customers/{maria.id}/verification-lock"
        state = await client.get(path, headers=bearer(tokens["viewer"]))
        assert state.status_code == 200 and state.json()["locked"] is True
        assert state.json()["failures"] == MAX_FAILURES
        assert (await client.delete(path, headers=bearer(tokens["viewer"]))).status_code == 403
        cleared = await client.delete(path, headers=bearer(tokens["supervisor"]))
        assert cleared.status_code == 200 and cleared.json()["locked"] is False
        assert (await client.delete(path, headers=bearer(tokens["supervisor"]))).status_code == 409
        codes = await (await demo.execute(
            "SELECT code FROM compliance_events WHERE category = 'verification' ORDER BY id")).fetchall()
        assert codes == [("verification_locked",), ("verification_lock_cleared",)]

        async with connect(f"{stack.base}/sim?customer_id={maria.id}&token=supervisor-token") as ws:
            seen = await converse(ws, right)
        assert any(r.get("verified") for r in _verifications(seen))


async def _unknown_caller(pool, settings, number: str, lines: list[str]) -> list[dict]:
    """An inbound call from a number that matches no customer, driven through the real engine."""
    from datetime import UTC, datetime

    from shared.agent.brains.rules import RulesBrain
    from shared.agent.events import CallStarted, ToolEvent, UserUtterance
    from shared.agent.session import start_session
    from shared.db import calls
    from tests.scenarios.harness import RecordingCallControl, RecordingWorkflows

    async with pool.connection() as conn:
        call = await calls.create_call(conn, calls.NewCall(direction="inbound", call_type="inbound",
                                                           status="in-progress", from_number=number))
    started = CallStarted(call.id, None, "balanced_progression", direction="inbound")
    engine = await start_session(pool, started, settings=settings, call_control=RecordingCallControl(),
                                 workflows=RecordingWorkflows(), brain=RulesBrain(),
                                 clock=lambda: datetime.now(UTC))
    results: list[dict] = []
    for event in (started, *(UserUtterance(line) for line in lines)):
        if engine.state.ended:
            break
        results += [e.result async for e in engine.handle(event)
                    if isinstance(e, ToolEvent) and e.name == "verify_account"]
    await engine.close()
    return results


async def test_an_unknown_caller_cannot_sweep_accounts_by_calling_again(demo: AsyncConnection, pool) -> None:
    from shared.agent.verification_lockout import IDENTIFY_MAX_FAILURES
    from shared.settings import load_settings

    settings = load_settings(archer_env="test", agent_brain="rules")
    sweeper, honest = "+15555550123", "+15555550124"
    guesses = iter(f"{n:04d}" for n in range(10_000))
    answered: list[dict] = []
    for _ in range(5):
        answered += await _unknown_caller(pool, settings, sweeper, [f"{next(guesses)} and 10001" for _ in range(2)])
    checked = [r for r in answered if r.get("verified") is False]
    refused = [r for r in answered if r.get("ok") is False and "locked" in r.get("error", "")]
    assert len(checked) == IDENTIFY_MAX_FAILURES and refused
    # The right factors from the sweeping number are refused too; another number is identified.
    assert not any(r.get("verified") for r in await _unknown_caller(pool, settings, sweeper, ["4821 and 10001"]))
    assert any(r.get("verified") for r in await _unknown_caller(pool, settings, honest, ["4821 and 10001"]))
