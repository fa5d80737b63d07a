"""A callback promised on a call reaches exactly one Durable orchestration through the voice service as production
assembles it (voice/services.py): the Function app endpoint with its key, retried, idempotent by callback id."""
from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from shared.agent.events import CallStarted
from shared.agent.tools.registry import TOOLS
from shared.db import calls, customers
from shared.settings import load_settings
from shared.workflows import policy
from shared.workflows.remote_starter import FunctionAppWorkflowStarter, WorkflowEndpointError
from tests.fakes.durable_rpc_fake import DurableRpcFake
from tests.integration.deploy.function_app_standin import FailMode, FunctionAppStandIn
from voice.services import build_voice_app

KEY = "test-function-key-not-real"
MARIA = "+12125550101"


@pytest.fixture
async def rpc() -> AsyncIterator[DurableRpcFake]:
    fake = await DurableRpcFake().start()
    yield fake
    await fake.stop()


async def _standin(rpc: DurableRpcFake, mode: FailMode, fail_first: int) -> FunctionAppStandIn:
    return await FunctionAppStandIn(rpc, KEY, fail_first=fail_first, mode=mode).start()


def _voice_app(base_url: str, database_url: str, pool: AsyncConnectionPool) -> Any:
    settings = load_settings(archer_env="test", database_url=database_url, public_base_url=base_url,
                             workflow_function_key=KEY, agent_brain="rules", auth_mode="dev")
    return build_voice_app(settings, pool=pool)


async def _engine_on_a_call(app: Any, conn: AsyncConnection) -> Any:
    customer = await customers.find_by_phone(conn, MARIA)
    assert customer is not None
    call = await calls.create_call(conn, calls.NewCall(direction="outbound", call_type="manual",
                                                       customer_id=customer.id, status="in-progress"))
    await conn.commit()
    services = app.state.services
    return await services.engine_factory(CallStarted(call.id, customer.id, "balanced_progression"), services)


@pytest.mark.parametrize(("mode", "fail_first"), [("refuse", 1), ("lose_answer", 1), ("refuse", 3)])
async def test_a_promised_callback_starts_one_orchestration_even_when_the_first_requests_fail(
        seeded: AsyncConnection, pool: AsyncConnectionPool, database_url: str, rpc: DurableRpcFake,
        mode: FailMode, fail_first: int) -> None:
    standin = await _standin(rpc, mode, fail_first)
    app = _voice_app(standin.base_url, database_url, pool)
    starter = app.state.services.workflows
    assert isinstance(starter, FunctionAppWorkflowStarter)          # production wiring, not a test double
    starter._initial_wait_s = starter._max_wait_s = 0.01
    engine = await _engine_on_a_call(app, seeded)
    try:
        result = await TOOLS["schedule_callback"].fn(engine.ctx, when="tomorrow at 10 am", reason="payday")
    finally:
        await engine.close()
        await starter.aclose()
        await standin.stop()
    callback_id = uuid.UUID(result["callback_id"])
    instance = policy.callback_instance_id(callback_id)
    assert result["workflow_instance"] == instance
    assert rpc.starts == [instance]                                  # exactly one orchestration
    assert rpc.instances[instance].input["callback_id"] == str(callback_id)
    assert len(standin.requests) == fail_first + 1                   # it was retried until it got through
    assert {r["idempotency_key"] for r in standin.requests} == {str(callback_id)}
    row = await (await seeded.execute("SELECT status FROM callbacks WHERE id = %s", (callback_id,))).fetchone()
    assert row is not None and row[0] == "scheduled"


async def test_repeating_the_start_for_one_callback_never_starts_a_second_orchestration(
        rpc: DurableRpcFake) -> None:
    from datetime import UTC, datetime

    standin = await _standin(rpc, "none", 0)
    starter = FunctionAppWorkflowStarter(standin.base_url, KEY)
    cid = uuid.uuid4()
    try:
        first = await starter.start_callback(cid, datetime(2026, 12, 1, 15, tzinfo=UTC))
        again = await starter.start_callback(cid, datetime(2026, 12, 1, 15, tzinfo=UTC))
        await starter.cancel_callback(cid, "customer paid")
    finally:
        await starter.aclose()
        await standin.stop()
    assert first == again == policy.callback_instance_id(cid)
    assert rpc.starts == [first]
    assert rpc.instances[first].events == [("cancel", {"reason": "customer paid"})]


async def test_a_refused_key_is_read_again_once_then_fails_loudly(rpc: DurableRpcFake) -> None:
    from datetime import UTC, datetime

    standin = await _standin(rpc, "none", 0)
    reads: list[bool] = []

    def stale_key(refresh: bool) -> str:
        reads.append(refresh)
        return "wrong-key"

    starter = FunctionAppWorkflowStarter(standin.base_url, stale_key)
    try:
        with pytest.raises(WorkflowEndpointError):
            await starter.start_callback(uuid.uuid4(), datetime(2026, 12, 1, 15, tzinfo=UTC))
    finally:
        await starter.aclose()
        await standin.stop()
    assert reads == [False, True] and len(standin.requests) == 2 and rpc.starts == []


async def test_a_rotated_key_is_picked_up_without_a_restart(rpc: DurableRpcFake) -> None:
    from datetime import UTC, datetime

    standin = await _standin(rpc, "none", 0)
    vault = {"key": "old-key"}
    starter = FunctionAppWorkflowStarter(standin.base_url, lambda refresh: vault["key"])
    vault["key"] = KEY
    try:
        await starter.start_callback(uuid.uuid4(), datetime(2026, 12, 1, 15, tzinfo=UTC))
        standin.key = "rotated-key"
        vault["key"] = "rotated-key"
        await starter.start_callback(uuid.uuid4(), datetime(2026, 12, 1, 15, tzinfo=UTC))
    finally:
        await starter.aclose()
        await standin.stop()
    assert len(rpc.starts) == 2 and len(standin.requests) == 3          # one 401, one re-read, then accepted
