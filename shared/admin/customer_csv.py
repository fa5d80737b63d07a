"""Customer CSV import and export: a streamed parse that validates every row, then an all-or-nothing COPY;
the export writes the same columns, so an export imports back unchanged."""
from __future__ import annotations

import codecs
import csv
import io
from collections.abc import AsyncIterable, AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

from psycopg import AsyncConnection
from pydantic import ValidationError

from shared.admin.customer_input import CustomerInput
from shared.admin.errors import RowErrors
from shared.db.errors import domain_errors
from shared.pii import mask_account, mask_phone

COLUMNS = ("external_ref", "first_name", "last_name", "phone", "phone_type", "account_last_4", "postal_code",
           "balance", "days_overdue", "timezone", "country", "region", "consent_source", "policy_id",
           "lawsuit_permitted", "garnishment_permitted", "time_barred")
REQUIRED = ("first_name", "last_name", "phone", "account_last_4", "postal_code", "balance", "days_overdue")
MAX_ROWS = 50_000
MAX_REPORTED_ERRORS = 1_000

RowError = tuple[int, str, str]


class _Records:
    """Turns decoded text chunks into complete CSV records (a quoted field may span lines)."""

    def __init__(self) -> None:
        self._buffer = ""
        self._ready: list[str] = []
        self._reader = csv.reader(self._next_record())

    def _next_record(self) -> Iterator[str]:
        while True:
            yield self._ready.pop(0)

    def feed(self, text: str, final: bool = False) -> Iterator[list[str]]:
        # Split on "\n" only: str.splitlines would also split on form feeds and other separators inside fields.
        parts = (self._buffer + text).split("\n")
        self._buffer = parts.pop()
        lines = [p + "\n" for p in parts]
        if final and self._buffer:
            lines.append(self._buffer)
            self._buffer = ""
        pending = ""
        for line in lines:
            pending += line
            if pending.count('"') % 2 == 0:  # balanced quotes: the record is complete
                self._ready.append(pending)
                pending = ""
                yield next(self._reader)
        if pending:
            if final:
                raise csv.Error("unterminated quoted field at end of file")
            self._buffer = pending + self._buffer


async def read_rows(chunks: AsyncIterable[bytes]) -> AsyncIterator[list[str]]:
    """CSV rows from a byte stream (UTF-8, BOM tolerated), parsed as the bytes arrive."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="strict")
    records = _Records()
    async for chunk in chunks:
        for row in records.feed(decoder.decode(chunk)):
            yield row
    for row in records.feed(decoder.decode(b"", final=True), final=True):
        yield row


def _check_header(header: list[str]) -> list[str]:
    names = [h.strip().lower() for h in header]
    unknown = [n for n in names if n not in COLUMNS]
    missing = [c for c in REQUIRED if c not in names]
    problems = []
    if unknown:
        problems.append(f"unknown columns: {', '.join(sorted(set(unknown)))[:200]}")
    if missing:
        problems.append(f"missing columns: {', '.join(missing)}")
    if len(set(names)) != len(names):
        problems.append("a column appears twice")
    if problems:
        raise RowErrors([(1, "header", "; ".join(problems))], 0)
    return names


def _validate(names: list[str], row: list[str], line: int) -> tuple[CustomerInput | None, list[RowError]]:
    if len(row) != len(names):
        return None, [(line, "row", f"expected {len(names)} fields, found {len(row)}")]
    data: dict[str, Any] = {n: v for n, v in zip(names, row, strict=True) if v.strip() != ""}
    try:
        return CustomerInput.model_validate(data), []
    except ValidationError as exc:
        return None, [(line, str(e["loc"][0]) if e["loc"] else "row", str(e["msg"]).removeprefix("Value error, "))
                      for e in exc.errors()]


async def parse_customers(chunks: AsyncIterable[bytes], *, max_rows: int = MAX_ROWS) -> list[CustomerInput]:
    """Every row validated (and duplicate phones/references within the file caught); RowErrors if any is bad."""
    names: list[str] | None = None
    rows: list[CustomerInput] = []
    errors: list[RowError] = []
    seen_phone: dict[str, int] = {}
    seen_ref: dict[str, int] = {}
    line = 0
    try:
        async for raw in read_rows(chunks):
            line += 1
            if names is None:
                names = _check_header(raw)
                continue
            if not any(cell.strip() for cell in raw):
                continue  # blank lines are not rows
            if line - 1 > max_rows:
                raise RowErrors([(line, "row", f"the file has more than {max_rows} rows")], line - 1)
            customer, row_errors = _validate(names, raw, line)
            if customer is not None:
                row_errors = _duplicates(customer, line, seen_phone, seen_ref)
                rows.append(customer)
            if len(errors) < MAX_REPORTED_ERRORS:
                errors.extend(row_errors)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise RowErrors([(line + 1, "file", f"not a readable UTF-8 CSV file ({type(exc).__name__})")], line) from None
    if names is None:
        raise RowErrors([(1, "header", "the file is empty")], 0)
    if errors:
        raise RowErrors(errors[:MAX_REPORTED_ERRORS], line - 1)
    return rows


def _duplicates(c: CustomerInput, line: int, phones: dict[str, int], refs: dict[str, int]) -> list[RowError]:
    out: list[RowError] = []
    if c.phone in phones:
        out.append((line, "phone", f"the same phone number is on row {phones[c.phone]}"))
    else:
        phones[c.phone] = line
    if c.external_ref is not None:
        if c.external_ref in refs:
            out.append((line, "external_ref", f"the same external_ref is on row {refs[c.external_ref]}"))
        else:
            refs[c.external_ref] = line
    return out


async def _existing_conflicts(conn: AsyncConnection, rows: list[CustomerInput]) -> list[RowError]:
    phones = [r.phone for r in rows]
    refs = [r.external_ref for r in rows if r.external_ref is not None]
    cur = await conn.execute(
        "SELECT phone, external_ref FROM customers WHERE phone = ANY(%s) OR external_ref = ANY(%s)", (phones, refs))
    taken_phones: set[str] = set()
    taken_refs: set[str] = set()
    for phone, ref in await cur.fetchall():
        taken_phones.add(phone)
        if ref is not None:
            taken_refs.add(ref)
    out: list[RowError] = []
    for i, r in enumerate(rows):
        if r.phone in taken_phones:
            out.append((i + 2, "phone", "a customer with this phone number already exists"))
        if r.external_ref in taken_refs:
            out.append((i + 2, "external_ref", "a customer with this external reference already exists"))
    return out


async def import_customers(conn: AsyncConnection, rows: list[CustomerInput]) -> int:
    """Insert all rows in one transaction (COPY), or none: rows clashing with stored customers are reported."""
    if not rows:
        return 0
    conflicts = await _existing_conflicts(conn, rows)
    if conflicts:
        raise RowErrors(conflicts[:MAX_REPORTED_ERRORS], len(rows))
    now = datetime.now(UTC)
    cols = [*COLUMNS, "consent_recorded_at"]
    with domain_errors():
        async with conn.transaction(), conn.cursor() as cur:
            async with cur.copy(f"COPY customers ({', '.join(cols)}) FROM STDIN") as copy:
                for r in rows:
                    await copy.write_row([*(getattr(r, c) for c in COLUMNS), now if r.consent_source else None])
    return len(rows)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def csv_line(values: list[Any]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([_cell(v) for v in values])
    return buf.getvalue()


async def export_customers(conn: AsyncConnection, *, masked: bool, batch: int = 2000) -> AsyncIterator[str]:
    """The header, then one CSV line per customer (oldest first), read through a server-side cursor."""
    yield csv_line(list(COLUMNS))
    async with conn.transaction(), conn.cursor(name="customer_export") as cur:
        await cur.execute(f"SELECT {', '.join(COLUMNS)} FROM customers ORDER BY created_at, id")
        while rows := await cur.fetchmany(batch):
            out = []
            for row in rows:
                values = list(row)
                if masked:
                    values[COLUMNS.index("phone")] = mask_phone(values[COLUMNS.index("phone")])
                    values[COLUMNS.index("account_last_4")] = mask_account(values[COLUMNS.index("account_last_4")])
                out.append(csv_line(values))
            yield "".join(out)
