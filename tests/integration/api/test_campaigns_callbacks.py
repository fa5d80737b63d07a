"""Campaigns and callbacks drive the WorkflowStarter found on app.state (503 problem when none is set)."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from psycopg import AsyncConnection

from shared.db import callbacks
from tests.fakes.workflow_starter import RecordingStarter
from tests.integration.api import factories
from tests.integration.api.conftest import bearer


@pytest.fixture
def starter(api_app: FastAPI) -> Iterator[RecordingStarter]:
    s = RecordingStarter()
    api_app.state.workflow_starter = s
    yield s
    api_app.state.workflow_starter = None


async def test_campaign_life_cycle(client: httpx.AsyncClient, tokens: dict[str, str], seeded: AsyncConnection,
                                   starter: RecordingStarter) -> None:
    sup = bearer(tokens["supervisor"])
    created = await client.post("/api/v1/campaigns", json={"name": "60+ days", "customer_filter": {
        "min_days_overdue": 60, "country": "US"}}, headers=sup)
    assert created.status_code == 201 and created.json()["status"] == "draft"
    cid = created.json()["id"]
    assert (await client.post(f"/api/v1/campaigns/{cid}/pause", headers=sup)).status_code == 409
    started = await client.post(f"/api/v1/campaigns/{cid}/start", headers=sup)
    assert started.status_code == 200, started.text
    body = started.json()
    assert body["status"] == "running" and body["instance_id"] == f"campaign-{cid}"
    # US customers 60+ days overdue, minus the one who asked to stop being called (seeded cease request).
    cur = await seeded.execute("SELECT count(*) FROM customers WHERE days_overdue >= 60 AND country = 'US' "
                               "AND cease_requested_at IS NULL AND consent_revoked_at IS NULL")
    expected = (await cur.fetchone())[0]  # type: ignore[index]
    assert body["targets"] == {"pending": expected} and expected > 0
    assert (await client.post(f"/api/v1/campaigns/{cid}/start", headers=sup)).status_code == 409
    assert (await client.post(f"/api/v1/campaigns/{cid}/pause", headers=sup)).json()["status"] == "paused"
    assert (await client.post(f"/api/v1/campaigns/{cid}/resume", headers=sup)).json()["status"] == "running"
    assert (await client.post(f"/api/v1/campaigns/{cid}/cancel", headers=sup)).json()["status"] == "cancelled"
    assert [c[0] for c in starter.calls] == ["start_campaign", "signal_campaign", "signal_campaign",
                                             "signal_campaign"]
    assert [c[2] for c in starter.calls[1:]] == ["pause", "resume", "cancel"]
    assert (await client.patch(f"/api/v1/campaigns/{cid}", json={"name": "x"}, headers=sup)).status_code == 409
    cur = await seeded.execute("SELECT action FROM audit_log WHERE resource_type = 'campaign' ORDER BY id")
    assert [r[0] for r in await cur.fetchall()] == ["create", "start", "pause", "resume", "cancel"]


async def test_starter_failure_changes_nothing(client: httpx.AsyncClient, tokens: dict[str, str],
                                               seeded: AsyncConnection, starter: RecordingStarter) -> None:
    sup = bearer(tokens["supervisor"])
    cid = (await client.post("/api/v1/campaigns", json={"name": "c"}, headers=sup)).json()["id"]
    starter.fail = True
    r = await client.post(f"/api/v1/campaigns/{cid}/start", headers=sup)
    assert r.status_code == 503 and r.headers["content-type"] == "application/problem+json"
    got = (await client.get(f"/api/v1/campaigns/{cid}", headers=sup)).json()
    assert got["status"] == "draft" and got["targets"] == {}


async def test_no_starter_is_a_503_problem(api_app: FastAPI, client: httpx.AsyncClient, tokens: dict[str, str],
                                           seeded: AsyncConnection) -> None:
    api_app.state.workflow_starter = None
    sup = bearer(tokens["supervisor"])
    cid = (await client.post("/api/v1/campaigns", json={"name": "c"}, headers=sup)).json()["id"]
    r = await client.post(f"/api/v1/campaigns/{cid}/start", headers=sup)
    assert r.status_code == 503 and r.json()["title"] == "Workflows unavailable"


async def test_cancel_callback(client: httpx.AsyncClient, tokens: dict[str, str], conn: AsyncConnection,
                               starter: RecordingStarter) -> None:
    cust = await factories.customer(conn)
    cb = await callbacks.create_callback(conn, customer_id=cust.id, reason="after payday",
                                         scheduled_for=datetime.now(UTC) + timedelta(days=1))
    listed = (await client.get("/api/v1/callbacks", params={"status": "scheduled"},
                               headers=bearer(tokens["viewer"]))).json()
    assert [c["id"] for c in listed] == [str(cb.id)]
    assert (await client.post(f"/api/v1/callbacks/{cb.id}/cancel", headers=bearer(tokens["viewer"]))).status_code == 403
    r = await client.post(f"/api/v1/callbacks/{cb.id}/cancel", json={"reason": "customer paid"},
                          headers=bearer(tokens["supervisor"]))
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert starter.calls == [("cancel_callback", str(cb.id), "customer paid")]
    again = await client.post(f"/api/v1/callbacks/{cb.id}/cancel", headers=bearer(tokens["supervisor"]))
    assert again.status_code == 409
    cur = await conn.execute("SELECT action, actor, before->>'status', after->>'status' FROM audit_log "
                             "WHERE resource_type = 'callback'")
    assert await cur.fetchall() == [("cancel", "supervisor-1", "scheduled", "cancelled")]
