"""Calls: filters, keyset pages, transcript search, full detail with masking for viewers, CSV export."""
from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import httpx
from psycopg import AsyncConnection

from tests.integration.api import factories
from tests.integration.api.conftest import bearer


async def test_filters_and_keyset_pages(client: httpx.AsyncClient, tokens: dict[str, str],
                                        conn: AsyncConnection) -> None:
    cust = await factories.customer(conn)
    tac = await factories.tactic(conn)
    base = datetime(2026, 11, 1, 12, tzinfo=UTC)
    made = [await factories.call(conn, customer_id=cust.id, tactic=tac if i % 2 else None,
                                 started_at=base + timedelta(minutes=i),
                                 outcome="promise_to_pay" if i % 3 == 0 else "refused") for i in range(25)]
    h = bearer(tokens["viewer"])
    ids: list[str] = []
    cursor = None
    while True:
        page = (await client.get("/api/v1/calls", params={"limit": 10, **({"cursor": cursor} if cursor else {})},
                                 headers=h)).json()
        ids += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert ids == [str(c.id) for c in reversed(made)]
    by_outcome = (await client.get("/api/v1/calls", params={"outcome": "promise_to_pay"}, headers=h)).json()["items"]
    assert {c["outcome"] for c in by_outcome} == {"promise_to_pay"} and len(by_outcome) == 9
    by_tactic = (await client.get("/api/v1/calls", params={"tactic_id": tac.id}, headers=h)).json()["items"]
    assert len(by_tactic) == 12 and by_tactic[0]["tactic_name"] == "calm_test" and by_tactic[0]["tactic_version"] == 1
    ranged = (await client.get("/api/v1/calls", params={"from": (base + timedelta(minutes=5)).isoformat(),
                                                        "to": (base + timedelta(minutes=10)).isoformat()},
                               headers=h)).json()["items"]
    assert len(ranged) == 5
    assert (await client.get("/api/v1/calls", params={"cursor": "garbage!"}, headers=h)).status_code == 422


async def test_text_search_over_transcripts(client: httpx.AsyncClient, tokens: dict[str, str],
                                            conn: AsyncConnection) -> None:
    cust = await factories.customer(conn)
    hit = await factories.call(conn, customer_id=cust.id, lines=("Hello, this is Northwind Bank.",
                                                                 "I lost my job last month and cannot pay."))
    await factories.call(conn, customer_id=cust.id, lines=("Hello.", "I can pay the full balance today."))
    found = (await client.get("/api/v1/calls", params={"q": "lost job"}, headers=bearer(tokens["viewer"]))).json()
    assert [c["id"] for c in found["items"]] == [str(hit.id)]
    assert (await client.get("/api/v1/calls", params={"q": "bankruptcy"},
                             headers=bearer(tokens["viewer"]))).json()["items"] == []


async def test_detail_has_everything_and_viewers_see_masked_numbers(client: httpx.AsyncClient,
                                                                    tokens: dict[str, str],
                                                                    conn: AsyncConnection) -> None:
    cust = await factories.customer(conn)
    call = await factories.call(conn, customer_id=cust.id, lines=("Hi", "Call me at 212 555 0142 instead"))
    await factories.call_children(conn, call.id, cust.id)
    admin = (await client.get(f"/api/v1/calls/{call.id}", headers=bearer(tokens["admin"]))).json()
    assert admin["to_number"] == "+12125550142"
    assert [t["text"] for t in admin["transcript"]] == ["Hi", "Call me at 212 555 0142 instead"]
    assert admin["tool_executions"][0]["name"] == "verify_account"
    assert admin["compliance_events"][0]["code"] == "mini_miranda"
    assert admin["turn_latencies"][0]["voice_to_voice_ms"] == "640.00"
    assert admin["recording_url"].startswith("https://")
    viewer = (await client.get(f"/api/v1/calls/{call.id}", headers=bearer(tokens["viewer"]))).json()
    assert viewer["to_number"] == "+1******0142"
    assert "212 555 0142" not in viewer["transcript"][1]["text"]
    assert viewer["tool_executions"][0]["arguments"]["account_last_4"] == "**21"


async def test_export_streams_csv_matching_filters(client: httpx.AsyncClient, tokens: dict[str, str],
                                                   conn: AsyncConnection) -> None:
    cust = await factories.customer(conn)
    for i in range(5):
        await factories.call(conn, customer_id=cust.id, outcome="promise_to_pay" if i < 2 else "refused")
    r = await client.get("/api/v1/calls/export.csv", params={"outcome": "promise_to_pay"},
                         headers=bearer(tokens["viewer"]))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 2 and {row["outcome"] for row in rows} == {"promise_to_pay"}
    assert rows[0]["to_number"] == "+1******0142"


async def test_both_search_plans_return_the_same_pages(conn: AsyncConnection) -> None:
    from shared.admin.call_search import CallFilter, list_calls

    cust = await factories.customer(conn)
    base = datetime(2026, 10, 1, tzinfo=UTC)
    for i in range(30):
        line = "I will set up a payment plan" if i % 3 == 0 else "I cannot talk now"
        await factories.call(conn, customer_id=cust.id, started_at=base + timedelta(hours=i), lines=("Hello", line))
    pages: dict[str, list[list[str]]] = {}
    for plan in ("index", "probe"):
        cursor, got = None, []
        while True:
            rows, cursor = await list_calls(conn, CallFilter(text="payment plan", status="completed"), limit=4,
                                            cursor=cursor, text_plan=plan)  # type: ignore[arg-type]
            got.append([str(r.id) for r in rows])
            if cursor is None:
                break
        pages[plan] = got
    assert pages["index"] == pages["probe"]
    assert sum(len(p) for p in pages["index"]) == 10
