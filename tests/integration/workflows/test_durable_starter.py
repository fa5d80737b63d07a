"""DurableWorkflowStarter through the real DurableOrchestrationClient against a fake Durable RPC endpoint."""
from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from functions.workflows.durable_starter import DurableWorkflowStarter, client_binding_from_env
from shared.db import callbacks, calls, campaigns, customers
from shared.workflows import policy
from tests.fakes.durable_rpc_fake import DurableRpcFake, FakeInstance

WHEN = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


@pytest.fixture
async def rpc(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[DurableRpcFake]:
    fake = await DurableRpcFake().start()
    monkeypatch.setenv("DURABLE_RPC_BASE_URL", fake.base_url)
    monkeypatch.setenv("DURABLE_TASK_HUB", "archertest")
    yield fake
    await fake.stop()


def _starter(pool: AsyncConnectionPool) -> DurableWorkflowStarter:
    @asynccontextmanager
    async def connect() -> AsyncIterator[AsyncConnection]:
        async with pool.connection() as conn:
            yield conn
    return DurableWorkflowStarter(connect)


def test_binding_json_is_built_from_the_environment(rpc: DurableRpcFake) -> None:
    binding = json.loads(client_binding_from_env())
    assert binding["taskHubName"] == "archertest" and binding["rpcBaseUrl"] == rpc.base_url


async def test_callback_start_is_deduplicated_while_running_and_cancel_raises_the_event(
        rpc: DurableRpcFake, pool: AsyncConnectionPool) -> None:
    starter = _starter(pool)
    cid = "0b6c1f9e-7d2a-4a51-9f57-3c1f0d2e8a11"
    first = await starter.start_callback(uuid.UUID(cid), WHEN)
    again = await starter.start_callback(uuid.UUID(cid), WHEN)
    assert first == again == f"callback-{cid}" and rpc.starts == [first]
    assert rpc.instances[first].input == {"callback_id": cid, "scheduled_for": WHEN.isoformat()}
    await starter.cancel_callback(uuid.UUID(cid), "admin_cancelled")
    assert rpc.instances[first].events == [("cancel", {"reason": "admin_cancelled"})]
    rpc.instances[first].status = "Completed"  # a finished instance is started afresh
    await starter.start_callback(uuid.UUID(cid), WHEN)
    assert rpc.starts == [first, first]


async def test_campaign_signals_and_unknown_signal(rpc: DurableRpcFake, pool: AsyncConnectionPool) -> None:
    starter = _starter(pool)
    campaign_id = uuid.UUID("6a3e2d1c-0b9f-4e8d-a7c6-5b4a39281706")
    instance = await starter.start_campaign(campaign_id)
    await starter.signal_campaign(campaign_id, "pause")
    await starter.signal_campaign(campaign_id, "resume")
    assert rpc.instances[instance].events == [("control", "pause"), ("control", "resume")]
    with pytest.raises(ValueError):
        await starter.signal_campaign(campaign_id, "explode")


async def test_call_outcome_reaches_the_waiting_target_instance(
        rpc: DurableRpcFake, pool: AsyncConnectionPool, conn: AsyncConnection) -> None:
    person = await customers.create_customer(conn, customers.NewCustomer(
        first_name="Ann", last_name="Lee", phone="+12125550160", account_last_4="1234", postal_code="10001",
        balance=Decimal("50.00"), days_overdue=10, timezone="America/New_York", consent_source="application"))
    campaign = await campaigns.create_campaign(conn, name="C", tactic_id=None, customer_filter={})
    await campaigns.add_targets(conn, campaign.id, [person.id])
    target = (await campaigns.page_targets(conn, campaign.id))[0]
    await conn.execute("UPDATE campaign_targets SET attempts = 2, status = 'in_progress', next_attempt_at = %s "
                       "WHERE id = %s", (WHEN, target.id))
    call = await calls.create_call(conn, calls.NewCall(direction="outbound", call_type="campaign",
                                                       customer_id=person.id, campaign_id=campaign.id))
    waiting = policy.target_instance_id(campaign.id, target.id, 2, WHEN)
    rpc.instances[waiting] = FakeInstance("campaign_target_orchestrator", None)  # running, waiting for the outcome
    starter = _starter(pool)
    await starter.notify_call_outcome(call.id, "no-answer", None)
    assert rpc.instances[waiting].events == [("call_outcome", {"call_id": str(call.id), "status": "no-answer",
                                                               "outcome": None})]
    cb = await callbacks.create_callback(conn, customer_id=person.id, scheduled_for=WHEN, reason="asked")
    cb_call = await calls.create_call(conn, calls.NewCall(direction="outbound", call_type="callback",
                                                          customer_id=person.id, callback_id=cb.id))
    await starter.notify_call_outcome(cb_call.id, "completed", "promise_to_pay")  # not running: no event, no error
    assert f"callback-{cb.id}" not in rpc.instances
