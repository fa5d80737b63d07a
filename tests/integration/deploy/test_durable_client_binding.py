"""The HTTP routes' Durable client is the invocation's own `durableClient` binding (passed through a context
variable by functions/workflows/durable_client.py), not a hand-built RPC URL."""
from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import azure.functions as func
import pytest
from fastapi import FastAPI

from functions.workflows.durable_client import current_client, durable_asgi_app
from functions.workflows.durable_starter import DurableWorkflowStarter
from tests.fakes.durable_rpc_fake import DurableRpcFake


@asynccontextmanager
async def _no_db() -> AsyncIterator[None]:
    yield None


async def test_a_route_starts_an_orchestration_with_the_invocations_binding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DURABLE_RPC_BASE_URL", raising=False)
    rpc = await DurableRpcFake().start()
    api = FastAPI()
    starter = DurableWorkflowStarter(_no_db)  # type: ignore[arg-type]

    @api.post("/api/start/{cid}")
    async def start(cid: uuid.UUID) -> dict[str, str]:
        return {"instance": await starter.start_callback(cid, datetime(2026, 12, 1, 15, tzinfo=UTC))}

    app = durable_asgi_app(api)
    [http] = [f for f in app.get_functions() if f.get_function_name() == "http_app_func"]
    cid = uuid.uuid4()
    binding = json.dumps({"taskHubName": "archertest", "creationUrls": {}, "managementUrls": {},
                          "rpcBaseUrl": rpc.base_url})
    try:
        response = await http.get_user_function()(
            req=func.HttpRequest("POST", f"https://func.test/api/start/{cid}", body=b""), context=None, client=binding)
    finally:
        await rpc.stop()
    assert response.status_code == 200, response.get_body()
    assert rpc.starts == [f"callback-{cid}"]
    assert current_client.get() is None                     # the binding does not outlive the invocation


async def test_outside_an_invocation_there_is_no_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DURABLE_RPC_BASE_URL", raising=False)
    starter = DurableWorkflowStarter(_no_db)  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="no Durable client"):
        await starter.start_callback(uuid.uuid4(), datetime(2026, 12, 1, 15, tzinfo=UTC))
