"""Customer CSV import and export: a parse off the event loop, linear and capped (line length, field size, lines
per record), that validates every row, then an all-or-nothing COPY; the export writes the same columns, every cell
neutralized against spreadsheet formula injection (OWASP), and an export imports back unchanged."""
from __future__ import annotations

import asyncio
import codecs
import csv
import io
import re
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
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
MAX_FIELD_CHARS = 10_000
MAX_LINE_CHARS = 10_000
MAX_RECORD_LINES = 100           # a quoted field may span lines; an unterminated quote must not swallow the file
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-][0-9*][0-9.*]*")
TEXT_COLUMNS = ("external_ref", "first_name", "last_name", "phone_type", "postal_code", "timezone", "country",
                "region", "consent_source")

RowError = tuple[int, str, str]


class _Lines:
    """The file's physical lines with the caps applied as they are read (linear: each line is looked at once)."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines = lines
        self.read = 0
        self.record_start = 0              # lines read when the current record began

    def __iter__(self) -> Iterator[str]:
        for line in self._lines:
            self.read += 1
            if len(line) > MAX_LINE_CHARS:
                raise _Capped(f"line {self.read} is longer than {MAX_LINE_CHARS} characters")
            if self.read - self.record_start > MAX_RECORD_LINES:
                raise _Capped(f"a quoted field runs from line {self.record_start + 1} over more than "
                              f"{MAX_RECORD_LINES} lines (an unterminated quote?)")
            yield line


class _Capped(Exception):
    """The file breaks a size cap; the message says where."""


def iter_rows(lines: Iterable[str]) -> Iterator[list[str]]:
    """CSV records from text lines (quoted fields may span lines), failing fast on the caps."""
    source = _Lines(lines)
    reader = csv.reader(source, strict=True)
    for row in reader:
        source.record_start = source.read
        if any(len(cell) > MAX_FIELD_CHARS for cell in row):
            raise _Capped(f"a field is longer than {MAX_FIELD_CHARS} characters")
        yield row


async def read_rows(chunks: AsyncIterable[bytes]) -> AsyncIterator[list[str]]:
    """CSV rows from a byte stream (UTF-8, BOM tolerated); the parse runs off the event loop."""
    data = b"".join([chunk async for chunk in chunks])
    rows = await asyncio.to_thread(lambda: list(iter_rows(_text_lines(data))))
    for row in rows:
        yield row


def _text_lines(data: bytes) -> Iterator[str]:
    # newline="": "\r\n", "\n" and "\r" end lines and stay in them, as the csv module expects.
    return iter(io.StringIO(codecs.decode(data, "utf-8-sig"), newline=""))


def neutralize(value: str) -> str:
    """OWASP CSV injection: a cell a spreadsheet would evaluate (= + - @ tab CR first) is prefixed with a quote.
    A sign followed only by digits (a phone number, masked or not; a negative amount) cannot call anything and
    stays as it is, so phone numbers keep their E.164 form."""
    if value[:1] in FORMULA_TRIGGERS and not _PLAIN_NUMBER.fullmatch(value):
        return f"'{value}"
    return value


def _unescape(value: str) -> str:
    """Our own export's neutralizing quote comes off again, so an export imports back unchanged."""
    return value[1:] if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_TRIGGERS else value


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
    data: dict[str, Any] = {n: _unescape(v) for n, v in zip(names, row, strict=True) if v.strip() != ""}
    formulas: list[RowError] = [(line, n, "starts with a character a spreadsheet would evaluate (= + - @ tab CR)")
                                for n, v in data.items() if n in TEXT_COLUMNS and v[:1] in FORMULA_TRIGGERS]
    try:
        customer = CustomerInput.model_validate(data)
    except ValidationError as exc:
        return None, formulas + [(line, str(e["loc"][0]) if e["loc"] else "row",
                                  str(e["msg"]).removeprefix("Value error, ")) for e in exc.errors()]
    return (None, formulas) if formulas else (customer, [])


async def parse_customers(chunks: AsyncIterable[bytes], *, max_rows: int = MAX_ROWS) -> list[CustomerInput]:
    """Every row validated (and duplicate phones/references within the file caught); RowErrors if any is bad.
    The body is read here; parsing and validation run in a worker thread so the event loop stays free."""
    data = b"".join([chunk async for chunk in chunks])
    return await asyncio.to_thread(parse_customer_bytes, data, max_rows=max_rows)


def parse_customer_bytes(data: bytes, *, max_rows: int = MAX_ROWS) -> list[CustomerInput]:
    try:
        lines = _text_lines(data)
    except UnicodeDecodeError:
        raise RowErrors([(1, "file", "not a readable UTF-8 CSV file (UnicodeDecodeError)")], 0) from None
    return parse_customer_lines(lines, max_rows=max_rows)


def parse_customer_lines(lines: Iterable[str], *, max_rows: int = MAX_ROWS) -> list[CustomerInput]:
    names: list[str] | None = None
    rows: list[CustomerInput] = []
    errors: list[RowError] = []
    seen_phone: dict[str, int] = {}
    seen_ref: dict[str, int] = {}
    line = 0
    try:
        for raw in iter_rows(lines):
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
    except _Capped as exc:
        raise RowErrors([(line + 1, "file", str(exc))], line) from None
    except csv.Error as exc:
        raise RowErrors([(line + 1, "file", f"not a readable CSV file ({str(exc)[:100]})")], line) from None
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
    return neutralize(str(value))


def csv_line(values: list[Any]) -> str:
    """One CSV line for an export: every cell neutralized against formula injection."""
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
