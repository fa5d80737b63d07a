"""COMPLIANCE §2a: a simulated call never changes a real customer. A viewer cannot start one; a supervisor's
simulated call that records a cease request, a payment with an SMS link, a callback and a wrong number leaves the
customer's real record exactly as it was, and keeps what it would have done marked `simulated` on its own call."""
from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from psycopg import AsyncConnection
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from shared.compliance.disclosures import is_first_conversation
from shared.compliance.predial import check_batch
from shared.db import arrangements, callbacks, customers
from shared.telephony.messages import messages_for_customer
from tests.integration.security.conftest import voice_service
from tests.integration.security.simclient import converse, tools
from tests.scenarios.harness import RecordingCallControl, RecordingWorkflows

MARIA = "+12125550101"
PRIYA = "+19725550111"


async def real_world(conn: AsyncConnection, customer_id: uuid.UUID) -> dict[str, Any]:
    """Everything about a customer that a real call, the pre-dial gate or the dashboard would read."""
    async def rows(sql: str, *params: Any) -> list[Any]:
        return [r[0] for r in await (await conn.execute(sql, params)).fetchall()]

    customer = await customers.get_customer(conn, customer_id)
    decision = (await check_batch(conn, [customer_id], now=datetime(2026, 12, 1, 16, 0, tzinfo=UTC),
                                  purpose="collection", source="manual", record=False))[customer_id]
    return {
        "customer_row": await rows("SELECT to_jsonb(c) FROM customers c WHERE id = %s", customer_id),
        "contact_attempts": await rows("SELECT to_jsonb(a) FROM contact_attempts a WHERE customer_id = %s",
                                       customer_id),
        "conversations": await rows("SELECT count(*) FROM calls WHERE customer_id = %s AND conversation_at IS NOT NULL",
                                    customer_id),
        "messages_table": await rows("SELECT to_jsonb(m) FROM messages m WHERE (customer_id = %s OR phone = %s) "
                                     "AND NOT simulated ORDER BY id", customer_id, customer.phone),
        "messages": [m.id for m in await messages_for_customer(conn, customer_id)],
        "arrangements_table": await rows("SELECT to_jsonb(a) FROM payment_arrangements a WHERE customer_id = %s "
                                         "AND NOT simulated", customer_id),
        "arrangements": await arrangements.list_for_customer(conn, customer_id),
        "callbacks_table": await rows("SELECT to_jsonb(b) FROM callbacks b WHERE customer_id = %s AND NOT simulated",
                                      customer_id),
        "callbacks": await callbacks.list_callbacks(conn, customer_id=customer_id),
        "dnc": await rows("SELECT to_jsonb(d) FROM dnc_entries d ORDER BY id"),
        "compliance_record": await rows("SELECT to_jsonb(e) FROM compliance_events e WHERE customer_id = %s",
                                        customer_id),
        "first_conversation": await is_first_conversation(conn, customer_id),
        "predial": (decision.allowed, decision.reason_code),
    }


async def _customer(conn: AsyncConnection, phone: str) -> uuid.UUID:
    found = await customers.find_by_phone(conn, phone)
    assert found is not None
    return found.id


async def test_a_viewer_cannot_open_a_simulation(demo: AsyncConnection, pool) -> None:
    maria = await _customer(demo, MARIA)
    async with voice_service(pool) as stack:
        async with connect(f"{stack.base}/sim?customer_id={maria}&token=viewer-token") as ws:
            with pytest.raises(ConnectionClosed):
                await ws.recv()
        assert ws.close_code == 4403 and "supervisor" in (ws.close_reason or "")
    count = await (await demo.execute("SELECT count(*) FROM calls WHERE call_type = 'simulated'")).fetchone()
    assert count == (0,)


async def test_a_supervisors_simulation_leaves_the_real_customer_exactly_as_before(demo: AsyncConnection,
                                                                                   pool) -> None:
    maria, priya = await _customer(demo, MARIA), await _customer(demo, PRIYA)
    before = {maria: await real_world(demo, maria), priya: await real_world(demo, priya)}
    control, workflows = RecordingCallControl(), RecordingWorkflows()
    seen: list[list[dict[str, Any]]] = []
    async with voice_service(pool, call_control=control, workflows=workflows) as stack:
        scripts = [
            (maria, ["Yes, this is Maria.", "My account ends in 4821 and my zip code is 10001.",
                     "I'd like to pay the full amount. Can you text me the link?", "No, that's all, thanks."]),
            (maria, ["Yes.", "4821 and 10001.", "I can't talk right now. Call me back tomorrow at 2 PM.",
                     "No, that's all."]),
            (maria, ["Yes.", "4821 and 10001.", "Stop calling me. I don't want these calls anymore."]),
            (priya, ["You have the wrong number, there's no one by that name here."]),
        ]
        for customer_id, lines in scripts:
            async with connect(f"{stack.base}/sim?customer_id={customer_id}&token=supervisor-token") as ws:
                seen.append(await converse(ws, lines))
        await stack.services.get_writes().flush()
    called = [tools(s) for s in seen]
    assert "process_payment" in called[0], called
    assert "schedule_callback" in called[1], called
    assert "record_cease_request" in called[2], called
    assert "record_wrong_party" in called[3], called
    payment = next(m for m in seen[0] if m["type"] == "tool" and m["name"] == "process_payment")
    assert payment["result"]["sms_sent"] is True

    # Nothing left the building, nothing durable was started ...
    assert control.sms == [] and control.transfers == [] and workflows.callbacks == []
    # ... and the real world reads exactly as before, through the tables and through the readers.
    assert await real_world(demo, maria) == before[maria]
    assert await real_world(demo, priya) == before[priya]

    # What the simulations would have done is kept on their own calls, marked simulated.
    call_ids = [uuid.UUID(s[-1]["call_id"]) for s in seen]
    arr = await (await demo.execute("SELECT simulated, status FROM payment_arrangements WHERE call_id = %s",
                                    (call_ids[0],))).fetchall()
    assert arr == [(True, "link_sent")]
    sms = await (await demo.execute("SELECT simulated, status FROM messages WHERE call_id = %s",
                                    (call_ids[0],))).fetchall()
    assert sms == [(True, "simulated")]
    cb = await (await demo.execute("SELECT simulated, instance_id FROM callbacks WHERE requested_on_call_id = %s",
                                   (call_ids[1],))).fetchall()
    assert len(cb) == 1 and cb[0][0] is True
    effects = await (await demo.execute("SELECT call_id, target, row_data FROM simulated_effects ORDER BY id"))\
        .fetchall()
    diverted = {(c, t) for c, t, _ in effects}
    assert (call_ids[2], "customers") in diverted and (call_ids[3], "dnc_entries") in diverted
    cease = next(d for c, t, d in effects if c == call_ids[2] and t == "customers")
    assert "cease_requested_at" in cease and "phone" not in cease
    events = await (await demo.execute("SELECT count(*), bool_and(simulated), count(customer_id) FROM "
                                       "compliance_events WHERE call_id = ANY(%s)", (call_ids,))).fetchone()
    assert events is not None and events[0] > 0 and events[1] is True and events[2] == 0
    calls = await (await demo.execute("SELECT call_type, status, conversation_at FROM calls WHERE id = ANY(%s)",
                                      (call_ids,))).fetchall()
    assert {c for c in calls} == {("simulated", "completed", None)}



async def test_a_simulation_the_gate_would_block_says_so_first(demo: AsyncConnection, pool) -> None:
    daniel = await _customer(demo, "+13125550104")               # on the do-not-call list
    async with voice_service(pool) as stack:
        async with connect(f"{stack.base}/sim?customer_id={daniel}&token=supervisor-token") as ws:
            first = json.loads(await ws.recv())
    assert first["type"] == "compliance" and first["event"] == "predial_would_block"
    assert first["reason"] == "dnc_listed"
    attempts = await (await demo.execute("SELECT count(*) FROM contact_attempts WHERE customer_id = %s",
                                         (daniel,))).fetchone()
    assert attempts == (0,)                                        # the preview records nothing


async def test_viewers_cannot_create_a_simulated_call_through_the_api(demo: AsyncConnection, client,
                                                                       tokens: dict[str, str]) -> None:
    from tests.integration.api.conftest import bearer

    maria = await _customer(demo, MARIA)
    body = {"customer_id": str(maria), "simulate": True}
    refused = await client.post("/api/v1/calls/initiate", json=body, headers=bearer(tokens["viewer"]))
    assert refused.status_code == 403 and refused.headers["content-type"] == "application/problem+json"
    allowed = await client.post("/api/v1/calls/initiate", json=body, headers=bearer(tokens["supervisor"]))
    assert allowed.status_code == 202 and allowed.json()["status"] == "simulated"
