"""A callback promised while the Function app was unreachable (all of the voice service's retries failed) is started
by the re-arm timer; one that already has its orchestration is left alone."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from azure.durable_functions import DurableOrchestrationClient
from psycopg import AsyncConnection

from functions.workflows.scheduled import rearm_callbacks
from shared.db import callbacks, customers
from shared.workflows import policy
from shared.workflows.rearm import scheduled_callbacks
from tests.fakes.durable_rpc_fake import DurableRpcFake, FakeInstance


async def test_only_callbacks_without_an_orchestration_are_started(seeded: AsyncConnection) -> None:
    customer = await customers.find_by_phone(seeded, "+12125550101")
    assert customer is not None
    when = datetime.now(UTC) + timedelta(days=1)
    orphan = await callbacks.create_callback(seeded, customer_id=customer.id, scheduled_for=when, reason="")
    started = await callbacks.create_callback(seeded, customer_id=customer.id, scheduled_for=when, reason="")
    await seeded.commit()
    rpc = await DurableRpcFake().start()
    rpc.instances[policy.callback_instance_id(started.id)] = FakeInstance("callback_orchestrator", {})
    client = DurableOrchestrationClient(json.dumps({"taskHubName": "t", "creationUrls": {}, "managementUrls": {},
                                                    "rpcBaseUrl": rpc.base_url}))
    try:
        # just after both rows' created_at (the database's clock), as the timer's "now - grace" would be
        created_before = max(orphan.created_at, started.created_at) + timedelta(seconds=1)
        rows = await scheduled_callbacks(seeded, created_before=created_before)
        assert {r[0] for r in rows} >= {orphan.id, started.id}
        assert await rearm_callbacks(client, rows) == 1
        assert await rearm_callbacks(client, rows) == 0               # the next run finds both armed
    finally:
        await rpc.stop()
    assert rpc.starts == [policy.callback_instance_id(orphan.id)]
    assert rpc.instances[rpc.starts[0]].input["scheduled_for"] == when.isoformat()
