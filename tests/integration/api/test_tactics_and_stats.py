"""Tactics (versioned on change, calls record the version), tactic performance, and the dashboard — including
that finished days come from the rollup and stay correct after it is filled."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
from psycopg import AsyncConnection

from shared.admin.call_stats import refresh_rollups
from shared.db import calls
from tests.integration.api import factories
from tests.integration.api.conftest import bearer

CONFIG = {"urgency": 4, "empathy": 8, "persistence": 5, "authority": 4}


async def test_tactic_changes_make_versions_and_are_admin_only(client: httpx.AsyncClient, tokens: dict[str, str],
                                                               conn: AsyncConnection) -> None:
    admin = bearer(tokens["admin"])
    created = await client.post("/api/v1/tactics", json={"name": "calm_plan_first", "config": CONFIG}, headers=admin)
    assert created.status_code == 201 and created.json()["version"] == 1
    tid = created.json()["id"]
    assert (await client.patch(f"/api/v1/tactics/{tid}", json={"config": {**CONFIG, "urgency": 6}},
                               headers=bearer(tokens["supervisor"]))).status_code == 403
    changed = await client.patch(f"/api/v1/tactics/{tid}", json={"config": {**CONFIG, "urgency": 6}}, headers=admin)
    assert changed.json()["version"] == 2 and changed.json()["config"]["urgency"] == 6
    toggled = await client.patch(f"/api/v1/tactics/{tid}", json={"active": False}, headers=admin)
    assert toggled.json()["version"] == 2 and toggled.json()["active"] is False
    versions = (await client.get(f"/api/v1/tactics/{tid}/versions", headers=bearer(tokens["viewer"]))).json()
    assert [v["version"] for v in versions] == [2, 1] and versions[1]["config"]["urgency"] == 4
    bad = await client.post("/api/v1/tactics", json={"name": "x_bad", "config": {**CONFIG, "empathy": 11}},
                            headers=admin)
    assert bad.status_code == 422
    assert (await client.post("/api/v1/tactics", json={"name": "calm_plan_first", "config": CONFIG},
                              headers=admin)).status_code == 409
    assert (await client.delete(f"/api/v1/tactics/{tid}", headers=admin)).status_code == 204
    cur = await conn.execute("SELECT action, before->>'version', after->>'version' FROM audit_log "
                             "WHERE resource_type = 'tactic' ORDER BY id")
    assert await cur.fetchall() == [("create", None, "1"), ("update", "1", "2"), ("update", "2", "2"),
                                    ("deactivate", "2", "2")]


async def test_performance_by_period_and_version(client: httpx.AsyncClient, tokens: dict[str, str],
                                                 conn: AsyncConnection) -> None:
    cust = await factories.customer(conn)
    tac = await factories.tactic(conn)
    now = datetime.now(UTC)
    for days_ago in (0, 0, 10, 10, 40):
        await factories.call(conn, customer_id=cust.id, tactic=tac, started_at=now - timedelta(days=days_ago),
                             outcome="promise_to_pay", verified=True, arrangement=Decimal("300.00"))
    await factories.call(conn, customer_id=cust.id, tactic=tac, started_at=now - timedelta(days=10),
                         outcome="wrong_party")
    r = await client.get(f"/api/v1/tactics/{tac.id}/performance", params={"period": "month", "days": 90},
                         headers=bearer(tokens["viewer"]))
    assert r.status_code == 200
    perf = r.json()
    t = perf["totals"]
    assert t["calls"] == 6 and t["right_party_contacts"] == 5
    assert t["right_party_rate"] == round(5 / 6, 4) and t["verification_rate"] == 1.0
    assert t["promise_to_pay_rate"] == 1.0 and t["average_arrangement_amount"] == "300.00"
    assert sum(p["calls"] for p in perf["periods"]) == 6
    assert perf["versions"] == [{**perf["versions"][0], "version": 1, "calls": 6}]
    short = (await client.get(f"/api/v1/tactics/{tac.id}/performance", params={"days": 5},
                              headers=bearer(tokens["viewer"]))).json()
    assert short["totals"]["calls"] == 2


async def test_rollup_matches_live_counts_and_is_not_recounted(conn: AsyncConnection) -> None:
    from shared.admin.call_stats import day_stats, total

    cust = await factories.customer(conn)
    old = datetime.now(UTC) - timedelta(days=5)
    await factories.call(conn, customer_id=cust.id, started_at=old, outcome="promise_to_pay", verified=True)
    today = datetime.now(UTC).date()  # one reading of the day: the checks below may straddle a UTC midnight
    before = total(await day_stats(conn, today - timedelta(days=30), today=today))
    done = await refresh_rollups(conn, today)
    assert done == today - timedelta(days=2)
    cur = await conn.execute("SELECT sum(calls) FROM call_daily_stats")
    assert (await cur.fetchone()) == (1,)
    after = total(await day_stats(conn, today - timedelta(days=30), today=today))
    assert after == before and after.calls == 1 and after.promised == 1
    assert await refresh_rollups(conn, today) == done  # idempotent: finished days are rolled up once


async def test_dashboard_today_latency_and_tactics(client: httpx.AsyncClient, tokens: dict[str, str],
                                                   conn: AsyncConnection, app_clock: list[datetime]) -> None:
    at = app_clock[0]  # the calls start at the dashboard's own now: "today" even if the test straddles midnight
    cust = await factories.customer(conn)
    tac = await factories.tactic(conn)
    c1 = await factories.call(conn, customer_id=cust.id, tactic=tac, outcome="promise_to_pay", duration_s=100,
                              started_at=at)
    await factories.call(conn, customer_id=cust.id, tactic=tac, outcome="refused", duration_s=200, started_at=at)
    await factories.call(conn, customer_id=cust.id, status="in-progress", outcome=None, started_at=at)
    for turn, ms in enumerate((500.0, 600.0, 700.0, 800.0, 900.0)):
        await calls.record_turn_metrics(conn, calls.TurnMetrics(call_id=c1.id, turn=turn, voice_to_voice_ms=ms,
                                                                overhead_ms=ms / 100))
    d = (await client.get("/api/v1/dashboard", headers=bearer(tokens["viewer"]))).json()
    assert d["today"]["calls"] == 3 and d["today"]["active_calls"] == 1
    assert d["today"]["success_rate"] == round(1 / 3, 4)
    assert d["latency"]["turns"] == 5 and d["latency"]["voice_to_voice_p50_ms"] == 700.0
    assert d["latency"]["voice_to_voice_p95_ms"] == 880.0
    named = {t["tactic_name"]: t for t in d["tactics"]}
    assert named["calm_test"]["calls"] == 2 and named["calm_test"]["promise_to_pay_rate"] == 0.5


MONDAY_THE_1ST = datetime(2027, 2, 1, 0, 0, 30, tzinfo=UTC)  # also the first of a month


async def test_a_utc_midnight_that_is_a_monday_and_the_1st_splits_today_weeks_and_months(
        client: httpx.AsyncClient, tokens: dict[str, str], conn: AsyncConnection, app_clock: list[datetime]) -> None:
    app_clock[0] = MONDAY_THE_1ST
    cust = await factories.customer(conn)
    tac = await factories.tactic(conn)
    # 23:59:50 on Sunday 31 January and 00:00:10 on Monday 1 February
    for at in (MONDAY_THE_1ST - timedelta(seconds=40), MONDAY_THE_1ST - timedelta(seconds=20)):
        await factories.call(conn, customer_id=cust.id, tactic=tac, started_at=at, outcome="promise_to_pay")
    viewer = bearer(tokens["viewer"])
    d = (await client.get("/api/v1/dashboard", params={"days": 2}, headers=viewer)).json()
    assert (d["day"], d["comparison_since"]) == ("2027-02-01", "2027-01-31")
    assert (d["today"]["calls"], d["window"]["calls"]) == (1, 2)
    assert (await client.get("/api/v1/dashboard", params={"days": 1}, headers=viewer)).json()["window"]["calls"] == 1
    for period, starts in (("week", ["2027-01-25", "2027-02-01"]), ("month", ["2027-01-01", "2027-02-01"]),
                           ("day", ["2027-01-31", "2027-02-01"])):
        perf = (await client.get(f"/api/v1/tactics/{tac.id}/performance", params={"period": period, "days": 2},
                                 headers=viewer)).json()
        assert [(p["period_start"], p["calls"]) for p in perf["periods"]] == [(s, 1) for s in starts], period
    one_day = (await client.get(f"/api/v1/tactics/{tac.id}/performance", params={"days": 1}, headers=viewer)).json()
    assert (one_day["since"], one_day["totals"]["calls"]) == ("2027-02-01", 1)
