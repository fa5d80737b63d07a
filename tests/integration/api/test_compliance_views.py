"""The compliance views the admin app reads: the contact check (a pre-dial preview that records nothing), a
customer's compliance timeline, the recent-events feed (no unmasked numbers), and the tactic prompt preview."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from fastapi import FastAPI
from psycopg import AsyncConnection

from shared.agent.prompt import Persona, build_system_prompt
from shared.agent.state import CallState
from shared.db import compliance_records, customers
from tests.integration.api import factories
from tests.integration.api.conftest import bearer

NOON_NY = datetime(2026, 3, 10, 16, 0, tzinfo=UTC)      # 12:00 EDT, a Tuesday
LATE_NY = datetime(2026, 3, 11, 2, 30, tzinfo=UTC)      # 22:30 EDT on the 10th


@pytest.fixture
def clock(api_app: FastAPI) -> Iterator[list[datetime]]:
    """The app's clock, set per test (a one-item list the test may change)."""
    current = [NOON_NY]
    api_app.state.clock = lambda: current[0]
    yield current
    del api_app.state.clock


async def _consenting(conn: AsyncConnection, *, timezone: str | None = "America/New_York", region: str = "NY",
                      phone: str = "+12125550142", postal_code: str = "10001") -> customers.Customer:
    return await customers.create_customer(conn, customers.NewCustomer(
        first_name="Avery", last_name="Quinn", phone=phone, account_last_4="4821", postal_code=postal_code,
        balance=Decimal("1250.00"), days_overdue=45, region=region, timezone=timezone,
        consent_source="account application"))


async def _attempts(conn: AsyncConnection) -> int:
    row = await (await conn.execute("SELECT count(*) FROM contact_attempts")).fetchone()
    assert row is not None
    return int(row[0])


async def test_contact_check_allows_in_hours_and_records_nothing(
        client: httpx.AsyncClient, tokens: dict[str, str], conn: AsyncConnection, clock: list[datetime]) -> None:
    c = await _consenting(conn)
    r = await client.get(f"/api/v1/customers/{c.id}/contact-check", headers=bearer(tokens["viewer"]))
    assert r.status_code == 200, r.text
    assert r.json() == {"allowed": True, "reason_code": "allowed", "reasons": [], "next_allowed_at": None,
                        "local_time": "2026-03-10T12:00:00-04:00", "timezone": "America/New_York"}
    assert await _attempts(conn) == 0


async def test_contact_check_outside_hours_gives_the_next_allowed_time(
        client: httpx.AsyncClient, tokens: dict[str, str], conn: AsyncConnection, clock: list[datetime]) -> None:
    c = await _consenting(conn)
    clock[0] = LATE_NY
    body = (await client.get(f"/api/v1/customers/{c.id}/contact-check", headers=bearer(tokens["viewer"]))).json()
    assert body["allowed"] is False and body["reason_code"] == "outside_calling_hours"
    assert body["reasons"] == ["outside_calling_hours"]
    assert datetime.fromisoformat(body["next_allowed_at"]) == datetime(2026, 3, 11, 12, 0, tzinfo=UTC)  # 8 AM EDT
    assert body["local_time"] == "2026-03-10T22:30:00-04:00"
    assert await _attempts(conn) == 0


async def test_contact_check_reports_a_cease_request_and_an_uncertain_zone(
        client: httpx.AsyncClient, tokens: dict[str, str], conn: AsyncConnection, clock: list[datetime]) -> None:
    ceased = await _consenting(conn)
    await conn.execute("UPDATE customers SET cease_requested_at = now() WHERE id = %s", (ceased.id,))
    body = (await client.get(f"/api/v1/customers/{ceased.id}/contact-check",
                             headers=bearer(tokens["viewer"]))).json()
    assert (body["allowed"], body["reason_code"], body["next_allowed_at"]) == (False, "cease_requested", None)
    assert body["reasons"] == ["cease_requested"]
    # No recorded zone and a postal code / area code spanning two zones (Window Rock, AZ keeps daylight time, the
    # rest of area code 928 does not): the gate holds hours in both; no single local time.
    window_rock = await _consenting(conn, timezone=None, region="AZ", phone="+19285550143", postal_code="86515")
    body = (await client.get(f"/api/v1/customers/{window_rock.id}/contact-check",
                             headers=bearer(tokens["viewer"]))).json()
    assert body["allowed"] is True and body["local_time"] is None and body["timezone"] is None
    assert await _attempts(conn) == 0


async def test_contact_check_unknown_customer_is_404(client: httpx.AsyncClient, tokens: dict[str, str],
                                                     conn: AsyncConnection) -> None:
    r = await client.get(f"/api/v1/customers/{uuid.uuid4()}/contact-check", headers=bearer(tokens["viewer"]))
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["detail"] == "customer not found"


async def test_customer_compliance_timeline_pages_oldest_first(
        client: httpx.AsyncClient, tokens: dict[str, str], conn: AsyncConnection) -> None:
    c = await factories.customer(conn)
    t0 = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
    await compliance_records.record_attempt(conn, customer_id=c.id, phone=c.phone, purpose="collection",
                                            source="manual", decision="deny", reason_code="outside_calling_hours",
                                            decided_at=t0, reasons=["outside_calling_hours", "state_frequency_cap"])
    await compliance_records.record_attempt(conn, customer_id=c.id, phone=c.phone, purpose="collection",
                                            source="manual", decision="allow", reason_code="allowed",
                                            decided_at=t0 + timedelta(minutes=1))
    call = await factories.call(conn, customer_id=c.id, started_at=t0 + timedelta(minutes=2))
    for minute, (category, code) in enumerate([("disclosure", "mini_miranda"), ("guard_block", "threat_language"),
                                               ("intent", "cease_request")], start=3):
        await compliance_records.record_event(conn, category=category, code=code, customer_id=c.id,
                                              call_id=call.id, details={"said": "call me at 212-555-0142"},
                                              occurred_at=t0 + timedelta(minutes=minute))
    path = f"/api/v1/customers/{c.id}/compliance"
    viewer = bearer(tokens["viewer"])
    whole = await client.get(path, headers=viewer)
    assert whole.status_code == 200, whole.text
    items = whole.json()["items"]
    assert [(i["kind"], i["category"], i["code"], i["decision"]) for i in items] == [
        ("attempt", None, "outside_calling_hours", "deny"), ("attempt", None, "allowed", "allow"),
        ("conversation", None, "manual", None), ("disclosure", "disclosure", "mini_miranda", None),
        ("guard_block", "guard_block", "threat_language", None), ("intent", "intent", "cease_request", None)]
    assert [i["reasons"] for i in items[:2]] == [["outside_calling_hours", "state_frequency_cap"], []]
    assert items[-1]["call_id"] == str(call.id) and whole.json()["next_cursor"] is None
    assert "555" not in whole.text
    seen, cursor = [], None
    while True:
        page = (await client.get(path, params={"limit": 4, **({"cursor": cursor} if cursor else {})},
                                 headers=viewer)).json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == items
    assert (await client.get(path, params={"cursor": "bm90IGEgY3Vyc29y"}, headers=viewer)).status_code == 422
    missing = await client.get(f"/api/v1/customers/{uuid.uuid4()}/compliance", headers=viewer)
    assert missing.status_code == 404


async def test_recent_compliance_events_newest_first_without_details(
        client: httpx.AsyncClient, tokens: dict[str, str], conn: AsyncConnection) -> None:
    c = await factories.customer(conn)
    t0 = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
    rows = [("guard_block", "threat_language", 0), ("intent", "cease_request", 1), ("disclosure", "mini_miranda", 2),
            ("guard_block", "amount_not_grounded", 3)]
    for category, code, minute in rows:
        await compliance_records.record_event(conn, category=category, code=code, customer_id=c.id,
                                              details={"text": "my number is 212-555-0142, account 4821"},
                                              occurred_at=t0 + timedelta(minutes=minute))
    await compliance_records.record_event(conn, category="intent", code="callback_request",
                                          occurred_at=t0 - timedelta(minutes=1))
    viewer = bearer(tokens["viewer"])
    r = await client.get("/api/v1/compliance/events?category=guard_block&category=intent&limit=50", headers=viewer)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [i["code"] for i in items] == ["amount_not_grounded", "cease_request", "threat_language",
                                          "callback_request"]
    assert items[0]["customer_id"] == str(c.id) and items[0]["customer_name"] == "Avery Quinn"
    assert items[-1]["customer_id"] is None and items[-1]["customer_name"] is None
    assert "555" not in r.text and "4821" not in r.text
    everything = (await client.get("/api/v1/compliance/events", params={"limit": 2}, headers=viewer)).json()
    assert [i["code"] for i in everything["items"]] == ["amount_not_grounded", "mini_miranda"]
    bad = await client.get("/api/v1/compliance/events", params={"category": "gossip"}, headers=viewer)
    assert bad.status_code == 422


async def test_tactic_preview_is_the_engines_prompt_section(
        client: httpx.AsyncClient, tokens: dict[str, str], conn: AsyncConnection) -> None:
    config = {"urgency": 2, "empathy": 9, "persistence": 5, "authority": 10}
    r = await client.post("/api/v1/tactics/preview", json={"name": "calm_plan_first", "config": config},
                          headers=bearer(tokens["viewer"]))
    assert r.status_code == 200, r.text
    prompt = r.json()["prompt"]
    assert prompt.startswith("Style (tactic 'calm_plan_first'):\n- Urgency 2/10: Keep a relaxed pace")
    assert "- Authority 10/10: Speak formally" in prompt
    system = build_system_prompt(persona=Persona("Ava", "Example Bank", "+18005550100"),
                                 tactic_name="calm_plan_first", tactic_config=config, customer=None,
                                 state=CallState())
    assert f"\n{prompt}\n" in system
    out_of_range = await client.post("/api/v1/tactics/preview", json={"name": "x", "config": {**config, "empathy": 11}},
                                     headers=bearer(tokens["viewer"]))
    assert out_of_range.status_code == 422
    counts = await (await conn.execute("SELECT (SELECT count(*) FROM behavioral_tactics), (SELECT count(*) FROM audit_log)"
                                       )).fetchone()
    assert counts == (0, 0)
