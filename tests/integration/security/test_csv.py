"""CSV in and out: exported cells a spreadsheet would evaluate are neutralized (OWASP), imported ones are refused
row by row; a malformed file (80 k lines inside an open quote) is refused after reading only the cap, with the row,
and parsing runs off the event loop so /api/v1/health answers while an import is being parsed."""
from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Iterator

import httpx
import pytest
from psycopg import AsyncConnection

from shared.admin.customer_csv import MAX_RECORD_LINES, neutralize, parse_customer_lines
from shared.admin.errors import RowErrors
from tests.integration.api.conftest import bearer

HEADER = "first_name,last_name,phone,account_last_4,postal_code,balance,days_overdue"
PAYLOADS = {"first_name": "=HYPERLINK(\"http://evil.example\",\"click\")", "last_name": "@SUM(1+1)*cmd|' /C calc'!A0",
            "external_ref": "+cmd|' /C calc'!A0", "consent_source": "-2+3+cmd|' /C calc'!A0"}


async def _stored_payloads(conn: AsyncConnection) -> None:
    """A customer whose text fields were stored with formula payloads (as the finding saw)."""
    await conn.execute(
        "INSERT INTO customers (first_name, last_name, phone, account_last_4, postal_code, balance, days_overdue, "
        "external_ref, consent_source) VALUES (%(first_name)s, %(last_name)s, '+12125550177', '1234', '10001', 10, 1, "
        "%(external_ref)s, %(consent_source)s)", PAYLOADS)
    await conn.execute("INSERT INTO calls (direction, call_type, status, customer_id, to_number) "
                       "SELECT 'outbound', 'manual', 'completed', id, '@evil' FROM customers WHERE phone = '+12125550177'")


@pytest.mark.parametrize("value", ["=1+2", "+1+cmd", "-1+cmd", "@SUM(A1)", "\tx", "\rx"])
def test_each_formula_trigger_is_neutralized(value: str) -> None:
    assert neutralize(value) == "'" + value
    assert neutralize("+12125550177") == "+12125550177"      # a phone number cannot call anything


async def test_exports_neutralize_formula_cells(conn: AsyncConnection, client: httpx.AsyncClient,
                                                tokens: dict[str, str]) -> None:
    await _stored_payloads(conn)
    customers_csv = (await client.get("/api/v1/customers/export.csv", headers=bearer(tokens["admin"]))).text
    row = next(r for r in csv.DictReader(io.StringIO(customers_csv)) if r["phone"] == "+12125550177")
    for column, payload in PAYLOADS.items():
        assert row[column] == "'" + payload, column
    calls_csv = (await client.get("/api/v1/calls/export.csv", headers=bearer(tokens["admin"]))).text
    call = next(csv.DictReader(io.StringIO(calls_csv)))
    assert call["customer_name"].startswith("'=") and call["to_number"] == "'@evil"
    for cell in [c for r in csv.reader(io.StringIO(customers_csv + calls_csv)) for c in r]:
        assert cell[:1] not in ("=", "@", "\t", "\r"), cell


async def test_import_refuses_formula_cells_row_by_row(conn: AsyncConnection, client: httpx.AsyncClient,
                                                       tokens: dict[str, str]) -> None:
    body = (f"{HEADER},external_ref\n"
            "Ann,Lee,+12125550142,1234,10001,10.50,3,ok-1\n"
            "=cmd,Ray,+12125550143,1234,10001,1,1,ok-2\n"
            "Cy,Doe,+12125550144,1234,10001,1,1,@evil\n")
    r = await client.post("/api/v1/customers/import", content=body.encode(),
                          headers={**bearer(tokens["admin"]), "Content-Type": "text/csv"})
    assert r.status_code == 422
    assert sorted((e["loc"][1], e["loc"][2]) for e in r.json()["errors"]) == [(3, "first_name"), (4, "external_ref")]
    count = await (await conn.execute("SELECT count(*) FROM customers")).fetchone()
    assert count == (0,)


def test_an_open_quote_is_refused_after_reading_only_the_cap() -> None:
    read = 0

    def lines() -> Iterator[str]:
        nonlocal read
        yield HEADER + "\n"
        yield 'Ann,"Lee,+12125550142,1234,10001,10.50,3\n'
        for i in range(80_000):
            read += 1
            yield f"line {i} inside the open quote\n"

    with pytest.raises(RowErrors) as err:
        parse_customer_lines(lines())
    assert read <= MAX_RECORD_LINES                           # linear: it stopped at the cap, not at the end
    [(row, column, message)] = err.value.errors
    assert row == 2 and column == "file" and "line 2" in message and "unterminated" in message


async def test_health_answers_while_an_import_is_parsed(conn: AsyncConnection, client: httpx.AsyncClient,
                                                        tokens: dict[str, str]) -> None:
    rows = "".join(f"Name{i},Last{i},+1212555{i % 10_000:04d},12,1,x,-1\n" for i in range(15_000))
    body = (HEADER + "\n" + rows).encode()
    importing = asyncio.create_task(client.post("/api/v1/customers/import", content=body,
                                                headers={**bearer(tokens["admin"]), "Content-Type": "text/csv"}))
    answered_during_import = 0
    while not importing.done():
        health = await client.get("/api/v1/health")
        assert health.status_code == 200
        if not importing.done():
            answered_during_import += 1
        await asyncio.sleep(0)
    assert (await importing).status_code == 422
    assert answered_during_import >= 5, answered_during_import    # a blocked loop answers at most one
