"""WorkflowStarter over the Durable Functions client, for the FastAPI routes running inside the Function app.

The client is the invocation's own `durableClient` binding, passed in by functions/workflows/durable_client.py.
Outside the Functions host (tests against a fake RPC endpoint) DURABLE_RPC_BASE_URL names the endpoint instead.
"""
from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any

from azure.durable_functions import DurableOrchestrationClient, OrchestrationRuntimeStatus
from psycopg import AsyncConnection

from functions.workflows import names
from shared.workflows import policy, routing

ACTIVE = {OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Pending,
          OrchestrationRuntimeStatus.ContinuedAsNew, OrchestrationRuntimeStatus.Suspended}

Connect = Callable[[], AbstractAsyncContextManager[AsyncConnection]]


def client_binding_from_env() -> str:
    """A `durableClient` binding JSON for an explicit RPC endpoint (DURABLE_RPC_BASE_URL): tests and tools only."""
    base_url = os.environ.get("DURABLE_RPC_BASE_URL")
    if not base_url:
        raise RuntimeError("no Durable client: not inside a Functions invocation and DURABLE_RPC_BASE_URL is unset")
    return json.dumps({"taskHubName": os.environ.get("DURABLE_TASK_HUB", "archer"),
                       "creationUrls": {}, "managementUrls": {}, "rpcBaseUrl": base_url})


class DurableWorkflowStarter:
    """Starts orchestrations with deterministic ids (deduplicated while active) and raises their events."""

    def __init__(self, connect: Connect, client: DurableOrchestrationClient | None = None) -> None:
        self._connect = connect
        self._explicit = client

    @property
    def _client(self) -> DurableOrchestrationClient:
        """The explicit client, else this invocation's binding, else the DURABLE_RPC_BASE_URL endpoint."""
        from functions.workflows.durable_client import current_client

        client = self._explicit or current_client.get()
        return client if client is not None else DurableOrchestrationClient(client_binding_from_env())

    async def _start_once(self, name: str, instance_id: str, payload: dict[str, Any]) -> str:
        status = await self._client.get_status(instance_id)
        if status is not None and status.runtime_status in ACTIVE:
            return instance_id
        return str(await self._client.start_new(name, instance_id, payload))

    async def _raise(self, instance_id: str, event: str, payload: Any) -> None:
        status = await self._client.get_status(instance_id)
        if status is None or status.runtime_status not in ACTIVE:
            return  # nothing waits any more: the event would be dropped by the host anyway
        await self._client.raise_event(instance_id, event, payload)

    async def start_callback(self, callback_id: uuid.UUID, scheduled_for: datetime) -> str:
        return await self._start_once(names.CALLBACK_ORCHESTRATOR, policy.callback_instance_id(callback_id),
                                      {"callback_id": str(callback_id), "scheduled_for": scheduled_for.isoformat()})

    async def cancel_callback(self, callback_id: uuid.UUID, reason: str) -> None:
        await self._raise(policy.callback_instance_id(callback_id), names.EVENT_CANCEL, {"reason": reason})

    async def start_campaign(self, campaign_id: uuid.UUID) -> str:
        return await self._start_once(names.CAMPAIGN_ORCHESTRATOR, policy.campaign_instance_id(campaign_id),
                                      {"campaign_id": str(campaign_id)})

    async def signal_campaign(self, campaign_id: uuid.UUID, signal: str) -> None:
        if signal not in ("pause", "resume", "cancel"):
            raise ValueError(f"unknown campaign signal {signal!r}")
        await self._raise(policy.campaign_instance_id(campaign_id), names.EVENT_CONTROL, signal)

    async def notify_call_outcome(self, call_id: uuid.UUID, status: str, outcome: str | None) -> None:
        async with self._connect() as conn:
            instance_id = await routing.waiting_instance(conn, call_id)
        if instance_id is not None:
            await self._raise(instance_id, names.EVENT_CALL_OUTCOME,
                              {"call_id": str(call_id), "status": status, "outcome": outcome})


def pool_connect(app: Any) -> Connect:
    """A Connect over the FastAPI app's lazily opened pool (functions/deps.py)."""
    from contextlib import asynccontextmanager

    from functions.deps import get_pool

    @asynccontextmanager
    async def connect() -> AsyncIterator[AsyncConnection]:
        pool = await get_pool(app)
        async with pool.connection() as conn:
            yield conn
    return connect
