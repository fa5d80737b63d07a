"""In the Function app the recording callback starts the Durable recording-analysis orchestration (through the
Durable client against the extension's RPC endpoint); the orchestrator runs the activity with retries."""
from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from psycopg import AsyncConnection

from functions.workflows import recording_activities
from functions.workflows.durable_starter import DurableWorkflowStarter, pool_connect
from shared.db.calls import NewCall, create_call
from tests.fakes.durable_rpc_fake import DurableRpcFake
from tests.integration.telephony.conftest import PUBLIC_BASE, Api


@pytest.fixture
async def rpc(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[DurableRpcFake]:
    fake = await DurableRpcFake().start()
    monkeypatch.setenv("DURABLE_RPC_BASE_URL", fake.base_url)
    yield fake
    await fake.stop()


async def test_the_recording_callback_starts_the_durable_analysis(api: Api, conn: AsyncConnection,
                                                                  rpc: DurableRpcFake) -> None:
    api.app.state.workflow_starter = DurableWorkflowStarter(pool_connect(api.app))
    call = await create_call(conn, NewCall(direction="outbound", call_type="test", call_sid="CA" + "cd" * 16))
    response = await api.deliver(api.fake.recording_callback(call.call_sid or "", f"{PUBLIC_BASE}/api/twilio/recording",
                                                             channels=2))
    assert response.status_code == 204
    instance = rpc.instances[f"recording-{call.id}"]
    assert (instance.name, instance.input) == ("recording_analysis_orchestrator", {"call_id": str(call.id)})
    # nothing ran in-process: the Durable host owns the work
    assert await (await conn.execute("SELECT count(*) FROM recording_analyses")).fetchone() == (0,)


async def test_a_mono_recording_starts_no_analysis(api: Api, conn: AsyncConnection, rpc: DurableRpcFake) -> None:
    api.app.state.workflow_starter = DurableWorkflowStarter(pool_connect(api.app))
    call = await create_call(conn, NewCall(direction="outbound", call_type="test", call_sid="CA" + "ef" * 16))
    await api.deliver(api.fake.recording_callback(call.call_sid or "", f"{PUBLIC_BASE}/api/twilio/recording",
                                                  channels=1))
    assert rpc.starts == []


class _Context:
    def __init__(self, data: dict[str, str]) -> None:
        self.data = data
        self.calls: list[tuple[str, object, object]] = []

    def get_input(self) -> dict[str, str]:
        return self.data

    def call_activity_with_retry(self, name: str, retry: object, input_: object) -> str:
        self.calls.append((name, retry, input_))
        return "task"


def test_the_orchestrator_runs_the_activity_with_retries() -> None:
    context = _Context({"call_id": str(uuid.uuid4())})
    gen = recording_activities.recording_analysis_orchestrator(context)
    assert next(gen) == "task"
    name, retry, payload = context.calls[0]
    assert name == recording_activities.ACT_RECORDING_ANALYZE and payload == context.data
    assert getattr(retry, "max_number_of_attempts", None) == recording_activities.RETRY_ATTEMPTS
    with pytest.raises(StopIteration) as done:
        gen.send({"status": "analyzed", "turns": 3})
    assert done.value.value == {"status": "analyzed", "turns": 3}
