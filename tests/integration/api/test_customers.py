"""Customers: CRUD with E.164 phones, viewer masking, audit rows, all-or-nothing CSV import, export round trip."""
from __future__ import annotations

import csv
import io
import time

import httpx
import phonenumbers
from psycopg import AsyncConnection

from tests.integration.api.conftest import bearer

NEW = {"first_name": "Avery", "last_name": "Quinn", "phone": "(212) 555-0142", "account_last_4": "4821",
       "postal_code": "10001", "balance": "1250.00", "days_overdue": 45, "region": "NY"}
HEADER = "first_name,last_name,phone,account_last_4,postal_code,balance,days_overdue,region\n"


async def test_create_read_update_delete_with_audit(client: httpx.AsyncClient, tokens: dict[str, str],
                                                    conn: AsyncConnection) -> None:
    admin = bearer(tokens["admin"])
    created = await client.post("/api/v1/customers", json=NEW, headers=admin)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["phone"] == "+12125550142"
    cid = body["id"]
    assert (await client.post("/api/v1/customers", json=NEW, headers=admin)).status_code == 409
    patched = await client.patch(f"/api/v1/customers/{cid}", json={"days_overdue": 50}, headers=admin)
    assert patched.status_code == 200 and patched.json()["days_overdue"] == 50
    bad = await client.patch(f"/api/v1/customers/{cid}", json={"first_name": None}, headers=admin)
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    viewer = (await client.get(f"/api/v1/customers/{cid}", headers=bearer(tokens["viewer"]))).json()
    assert viewer["phone"] != "+12125550142" and viewer["phone"].endswith("0142")
    assert viewer["account_last_4"] == "**21"
    assert (await client.delete(f"/api/v1/customers/{cid}", headers=admin)).status_code == 204
    assert (await client.get(f"/api/v1/customers/{cid}", headers=admin)).status_code == 404
    cur = await conn.execute("SELECT action, actor, actor_role, before IS NOT NULL, after IS NOT NULL "
                             "FROM audit_log WHERE resource_type = 'customer' ORDER BY id")
    assert await cur.fetchall() == [("create", "admin-1", "admin", False, True),
                                    ("update", "admin-1", "admin", True, True),
                                    ("delete", "admin-1", "admin", True, False)]


async def test_list_pages_with_a_cursor(client: httpx.AsyncClient, tokens: dict[str, str], seeded: AsyncConnection
                                        ) -> None:
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 7, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/v1/customers", params=params, headers=bearer(tokens["viewer"]))).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 20


def _csv(rows: list[str]) -> bytes:
    return (HEADER + "".join(r + "\n" for r in rows)).encode()


async def _import(client: httpx.AsyncClient, token: str, data: bytes) -> httpx.Response:
    return await client.post("/api/v1/customers/import", content=data,
                             headers={**bearer(token), "Content-Type": "text/csv"})


async def test_one_bad_row_imports_nothing_and_is_reported(client: httpx.AsyncClient, tokens: dict[str, str],
                                                           conn: AsyncConnection) -> None:
    rows = [f"Ann,Lee,+1212555{1000 + i:04d},1234,10001,100.00,10,NY" for i in range(50)]
    rows[17] = "Bob,Ray,not-a-phone,1234,10001,100.00,10,NY"
    r = await _import(client, tokens["admin"], _csv(rows))
    assert r.status_code == 422
    problem = r.json()
    assert problem["errors"] == [{"loc": ["row", 19, "phone"], "msg": "not a phone number", "type": "value_error"}]
    cur = await conn.execute("SELECT count(*) FROM customers")
    assert (await cur.fetchone()) == (0,)


def fictional_phones(n: int) -> list[str]:
    """n distinct valid numbers in the fictional 555-01XX range, over as many area codes as needed."""
    codes = [ac for ac in range(201, 990) if phonenumbers.is_valid_number(phonenumbers.parse(f"+1{ac}5550100"))]
    return [f"+1{codes[i // 100]}55501{i % 100:02d}" for i in range(n)]


async def test_clean_ten_thousand_rows_import_and_round_trip(client: httpx.AsyncClient, tokens: dict[str, str],
                                                             conn: AsyncConnection) -> None:
    phones = fictional_phones(10_000)
    rows = [f"First{i},Last{i},{phones[i]},{i % 10000:04d},{10000 + i % 89999},"
            f"{i % 5000}.{i % 100:02d},{i % 365},NY" for i in range(10_000)]
    started = time.perf_counter()
    r = await _import(client, tokens["admin"], _csv(rows))
    elapsed = time.perf_counter() - started
    assert r.status_code == 201, r.text[:500]
    assert r.json() == {"imported": 10_000}
    print(f"\n10 000-row import took {elapsed:.2f} s")
    exported = await client.get("/api/v1/customers/export.csv", headers=bearer(tokens["admin"]))
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    first = exported.content
    assert first.count(b"\n") == 10_001
    await conn.execute("TRUNCATE customers CASCADE")
    again = await _import(client, tokens["admin"], first)
    assert again.status_code == 201, again.text[:500]
    second = (await client.get("/api/v1/customers/export.csv", headers=bearer(tokens["admin"]))).content
    assert sorted(io.BytesIO(second).readlines()) == sorted(io.BytesIO(first).readlines())


async def test_import_refuses_rows_clashing_with_stored_customers(client: httpx.AsyncClient, tokens: dict[str, str],
                                                                  seeded: AsyncConnection) -> None:
    r = await _import(client, tokens["admin"], _csv(["New,Person,+12125550199,1234,10001,5.00,1,NY",
                                                     "Dup,Phone,+12125550101,1234,10001,5.00,1,NY"]))
    assert r.status_code == 422
    assert r.json()["errors"][0]["loc"] == ["row", 3, "phone"]


async def test_import_rejects_bad_header_and_non_csv(client: httpx.AsyncClient, tokens: dict[str, str],
                                                     conn: AsyncConnection) -> None:
    r = await _import(client, tokens["admin"], b"name,phone\nA,+12125550142\n")
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["row", 1, "header"]
    r = await client.post("/api/v1/customers/import", json={"a": 1}, headers=bearer(tokens["admin"]))
    assert r.status_code == 415
    r = await _import(client, tokens["admin"], b"\xff\xfe" + _csv(["A,B,+12125550142,1234,10001,1.00,1,NY"]))
    assert r.status_code == 422


async def test_viewer_export_is_masked(client: httpx.AsyncClient, tokens: dict[str, str], seeded: AsyncConnection
                                       ) -> None:
    text = (await client.get("/api/v1/customers/export.csv", headers=bearer(tokens["viewer"]))).text
    rows = list(csv.DictReader(io.StringIO(text)))
    maria = next(r for r in rows if r["first_name"] == "Maria")
    assert maria["phone"] == "+1******0101" and maria["account_last_4"] == "**21"
    assert "+12125550101" not in text
