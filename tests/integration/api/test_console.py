"""What the console needs from the API: customer flags with dates and sources, search by phone or last four,
campaign targets with the gate's decision and an explanation, the reporting window, and exports."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime

import httpx
import pytest
from fastapi import FastAPI
from psycopg import AsyncConnection

from shared.db import calls, compliance_records
from tests.fakes.workflow_starter import RecordingStarter
from tests.integration.api import factories
from tests.integration.api.conftest import bearer


@pytest.fixture
def starter(api_app: FastAPI) -> Iterator[RecordingStarter]:
    s = RecordingStarter()
    api_app.state.workflow_starter = s
    yield s
    api_app.state.workflow_starter = None


async def _find(client: httpx.AsyncClient, token: str, search: str) -> list[dict[str, object]]:
    r = await client.get("/api/v1/customers", params={"search": search}, headers=bearer(token))
    assert r.status_code == 200, r.text
    return r.json()["items"]  # type: ignore[no-any-return]


async def test_search_by_name_phone_in_any_format_or_last_four(client: httpx.AsyncClient, tokens: dict[str, str],
                                                               seeded: AsyncConnection) -> None:
    supervisor, viewer = tokens["supervisor"], tokens["viewer"]
    for query in ("maria", "(212) 555-0101", "212.555.0101", "+1 212 555 0101", "4821"):
        names = [f"{c['first_name']} {c['last_name']}" for c in await _find(client, supervisor, query)]
        assert names == ["Maria Gonzalez"], (query, names)
    assert await _find(client, supervisor, "999-9999") == []
    # Viewers see numbers masked: a search must not reveal them (the last four verify identity on a call).
    assert [c["first_name"] for c in await _find(client, viewer, "maria")] == ["Maria"]
    assert await _find(client, viewer, "4821") == [] and await _find(client, viewer, "(212) 555-0101") == []


async def test_flags_carry_dates_and_sources(client: httpx.AsyncClient, tokens: dict[str, str],
                                             seeded: AsyncConnection) -> None:
    admin = tokens["admin"]
    [daniel] = await _find(client, admin, "Kowalski")   # seeded: on the DNC list
    [robert] = await _find(client, admin, "Okafor")     # seeded: asked to stop calling
    [thomas] = await _find(client, admin, "Brennan")    # seeded: represented by an attorney
    dnc = {f["code"]: f for f in daniel["flags"]}["dnc"]  # type: ignore[index, union-attr]
    assert dnc["blocking"] and dnc["since"] and "consumer request" in dnc["source"]
    assert [f["code"] for f in robert["flags"]] == ["cease"]  # type: ignore[union-attr, index]
    attorney = {f["code"]: f for f in thomas["flags"]}["attorney"]  # type: ignore[index, union-attr]
    assert attorney["detail"] == "Demo & Partners LLP" and attorney["since"]
    [maria] = await _find(client, admin, "Maria")
    assert maria["flags"] == []
    [aisha] = await _find(client, admin, "Rahman")
    await seeded.execute("UPDATE customers SET sensitive_hold_at = now(), sensitive_hold_reason = 'distress', "
                         "preferred_language = 'es' WHERE id = %s", (aisha["id"],))
    await seeded.commit()
    [aisha] = await _find(client, admin, "Rahman")
    assert [(f["code"], f["detail"], f["blocking"]) for f in aisha["flags"]] == [  # type: ignore[union-attr, index]
        ("sensitive_handling", "distress", True), ("language", "es", False)]
    call = await factories.call(seeded, customer_id=maria["id"])  # type: ignore[arg-type]
    await compliance_records.record_event(seeded, category="intent", code="bankruptcy",
                                          customer_id=maria["id"], call_id=call.id)  # type: ignore[arg-type]
    await seeded.execute("UPDATE customers SET bankruptcy_at = now() WHERE id = %s", (maria["id"],))
    await seeded.commit()
    detail = (await client.get(f"/api/v1/customers/{maria['id']}", headers=bearer(admin))).json()
    [flag] = detail["flags"]
    assert flag["code"] == "bankruptcy" and flag["source"] == "said on a call" and flag["call_id"] == str(call.id)


async def test_campaign_without_eligible_targets_says_so_at_start(client: httpx.AsyncClient, tokens: dict[str, str],
                                                                  seeded: AsyncConnection,
                                                                  starter: RecordingStarter) -> None:
    sup = bearer(tokens["supervisor"])
    cid = (await client.post("/api/v1/campaigns", json={"name": "nobody", "customer_filter": {
        "min_days_overdue": 30000}}, headers=sup)).json()["id"]
    r = await client.post(f"/api/v1/campaigns/{cid}/start", headers=sup)
    assert r.status_code == 409 and "no eligible targets" in r.json()["detail"]
    assert starter.calls == []
    got = (await client.get(f"/api/v1/campaigns/{cid}", headers=sup)).json()
    assert got["status"] == "draft" and got["explanation"]["code"] == "draft"


async def test_campaign_lists_targets_with_gate_decisions_and_explains_itself(
        client: httpx.AsyncClient, tokens: dict[str, str], seeded: AsyncConnection, starter: RecordingStarter) -> None:
    sup = bearer(tokens["supervisor"])
    cid = (await client.post("/api/v1/campaigns", json={"name": "DNC only", "customer_filter": {
        "regions": ["IL"]}}, headers=sup)).json()["id"]                # Daniel Kowalski: on the DNC list
    started = (await client.post(f"/api/v1/campaigns/{cid}/start", headers=sup)).json()
    assert started["targets"] == {"pending": 1}
    assert started["explanation"]["code"] == "all_blocked" and started["explanation"]["reasons"] == {"dnc_listed": 1}
    listed = [c for c in (await client.get("/api/v1/campaigns", headers=sup)).json() if c["id"] == cid]
    assert listed[0]["targets"] == {"pending": 1}  # the list shows progress too (was "0 of 0")
    await seeded.execute("UPDATE campaign_targets SET status = 'skipped', disposition = 'blocked_dnc_listed'")
    await seeded.commit()
    skipped = (await client.get(f"/api/v1/campaigns/{cid}", headers=sup)).json()["explanation"]
    assert skipped == {"code": "finished", "message": "Finished: 1 skipped by the pre-dial gate.", "next_at": None,
                       "reasons": {"dnc_listed": 1}}
    await seeded.execute("UPDATE campaign_targets SET status = 'pending', disposition = NULL")
    await seeded.commit()
    page = (await client.get(f"/api/v1/campaigns/{cid}/targets", headers=sup)).json()
    [target] = page["items"]
    assert target["customer_name"] == "Daniel Kowalski" and target["gate_allowed"] is False
    assert target["gate_reason"] and target["status"] == "pending" and target["timezone"] == "America/Chicago"


async def test_dashboard_uses_the_chosen_window(client: httpx.AsyncClient, tokens: dict[str, str],
                                                conn: AsyncConnection, app_clock: list[datetime]) -> None:
    from datetime import timedelta

    who = await factories.customer(conn)
    await factories.call(conn, customer_id=who.id, started_at=app_clock[0] - timedelta(days=10))
    await factories.call(conn, customer_id=who.id, started_at=app_clock[0])
    await conn.commit()
    week = (await client.get("/api/v1/dashboard", params={"days": 7}, headers=bearer(tokens["viewer"]))).json()
    month = (await client.get("/api/v1/dashboard", params={"days": 30}, headers=bearer(tokens["viewer"]))).json()
    assert (week["window_days"], week["window"]["calls"], month["window"]["calls"]) == (7, 1, 2)
    assert sum(t["calls"] for t in month["tactics"]) == 2


async def test_engine_only_turns_are_counted_apart(client: httpx.AsyncClient, tokens: dict[str, str],
                                                   conn: AsyncConnection) -> None:
    who = await factories.customer(conn)
    call = await factories.call(conn, customer_id=who.id)
    await calls.record_turn_metrics(conn, calls.TurnMetrics(call_id=call.id, turn=0, llm_ttft_ms=120.0,
                                                            first_sentence_ms=300.0))
    await conn.commit()
    latency = (await client.get("/api/v1/dashboard", headers=bearer(tokens["viewer"]))).json()["latency"]
    assert latency["engine_turns"] == 1 and latency["first_sentence_p50_ms"] == 300.0
    assert latency["voice_to_voice_p50_ms"] is None


async def test_exports_with_transcripts_and_per_call(client: httpx.AsyncClient, tokens: dict[str, str],
                                                     conn: AsyncConnection) -> None:
    who = await factories.customer(conn)
    call = await factories.call(conn, customer_id=who.id, lines=("Hello, this is Alex.", "Hi, my number is 2125550142"))
    await factories.call_children(conn, call.id, who.id)
    await conn.commit()
    plain = (await client.get("/api/v1/calls/export.csv", headers=bearer(tokens["admin"]))).text
    assert "transcript" not in plain.splitlines()[0]
    full = (await client.get("/api/v1/calls/export.csv", params={"transcripts": "true"},
                             headers=bearer(tokens["viewer"]))).text
    [row] = list(csv.DictReader(io.StringIO(full)))
    assert "Agent: Hello, this is Alex." in row["transcript"] and "Customer: Hi" in row["transcript"]
    assert "2125550142" not in row["transcript"]  # masked for viewers
    one = await client.get(f"/api/v1/calls/{call.id}/export.csv", headers=bearer(tokens["admin"]))
    assert one.status_code == 200 and one.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(one.text)))
    assert next(r["kind"] for r in rows) == "call"
    assert {r["kind"] for r in rows} == {"call", "speech", "tool", "compliance"}
    assert json.loads(next(r for r in rows if r["kind"] == "tool")["details"])["arguments"]
    assert (await client.get("/api/v1/calls/00000000-0000-0000-0000-000000000000/export.csv",
                             headers=bearer(tokens["admin"]))).status_code == 404
