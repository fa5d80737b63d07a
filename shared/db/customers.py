"""Customers (one debt each): create, read, page, and the compliance flags the pre-dial gate reads."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from shared.db.errors import NotFoundError, domain_errors


@dataclass(frozen=True)
class Customer:
    id: uuid.UUID
    external_ref: str | None
    first_name: str
    last_name: str
    phone: str
    phone_type: str
    account_last_4: str
    postal_code: str
    balance: Decimal
    days_overdue: int
    timezone: str | None
    country: str
    region: str | None
    policy_id: int | None
    consent_source: str | None
    consent_recorded_at: datetime | None
    consent_revoked_at: datetime | None
    cease_requested_at: datetime | None
    attorney_at: datetime | None
    attorney_details: dict[str, Any] | None
    bankruptcy_at: datetime | None
    disputed_at: datetime | None
    dispute_resolved_at: datetime | None
    hardship_at: datetime | None
    inconvenient_times: list[Any]
    lawsuit_permitted: bool
    garnishment_permitted: bool
    time_barred: bool
    created_at: datetime
    updated_at: datetime
    sensitive_hold_at: datetime | None = None         # distress: no collection contact until a human clears it
    sensitive_hold_reason: str | None = None
    dispute_type: str | None = None                   # dispute | fraud | already_paid | validation
    validation_requested_at: datetime | None = None
    validation_sent_at: datetime | None = None
    preferred_language: str | None = None             # ISO 639-1; None = English

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class NewCustomer:
    first_name: str
    last_name: str
    phone: str
    account_last_4: str
    postal_code: str
    balance: Decimal
    days_overdue: int
    timezone: str | None = None
    country: str = "US"
    region: str | None = None
    phone_type: str = "unknown"
    external_ref: str | None = None
    consent_source: str | None = None
    policy_id: int | None = None
    lawsuit_permitted: bool = False
    garnishment_permitted: bool = False
    time_barred: bool = False
    inconvenient_times: list[Any] = field(default_factory=list)


_INSERT_COLUMNS = ("first_name", "last_name", "phone", "account_last_4", "postal_code", "balance",
                   "days_overdue", "timezone", "country", "region", "phone_type", "external_ref",
                   "consent_source", "policy_id", "lawsuit_permitted", "garnishment_permitted", "time_barred",
                   "inconvenient_times")

# Flags that an event (a call, an SMS, an admin) may set; the value is the column set to now().
FLAG_COLUMNS = {"cease": "cease_requested_at", "attorney": "attorney_at", "bankruptcy": "bankruptcy_at",
                "dispute": "disputed_at", "hardship": "hardship_at", "consent_revoked": "consent_revoked_at",
                "sensitive_hold": "sensitive_hold_at", "validation": "validation_requested_at"}


async def create_customer(conn: AsyncConnection, new: NewCustomer) -> Customer:
    """Insert a customer; a phone already on file raises DuplicateError."""
    values = [getattr(new, c) for c in _INSERT_COLUMNS]
    values[-1] = Jsonb(new.inconvenient_times)
    placeholders = ", ".join(["%s"] * len(_INSERT_COLUMNS))
    sql = (f"INSERT INTO customers ({', '.join(_INSERT_COLUMNS)}, consent_recorded_at) "
           f"VALUES ({placeholders}, CASE WHEN %s::text IS NULL THEN NULL ELSE now() END) RETURNING *")
    with domain_errors():
        async with conn.cursor(row_factory=class_row(Customer)) as cur:
            await cur.execute(sql, [*values, new.consent_source])
            row = await cur.fetchone()
    assert row is not None
    return row


async def get_customer(conn: AsyncConnection, customer_id: uuid.UUID) -> Customer:
    async with conn.cursor(row_factory=class_row(Customer)) as cur:
        await cur.execute("SELECT * FROM customers WHERE id = %s", (customer_id,))
        row = await cur.fetchone()
    if row is None:
        raise NotFoundError("customer not found")
    return row


async def find_by_phone(conn: AsyncConnection, phone_e164: str) -> Customer | None:
    async with conn.cursor(row_factory=class_row(Customer)) as cur:
        await cur.execute("SELECT * FROM customers WHERE phone = %s", (phone_e164,))
        return await cur.fetchone()


async def list_customers(conn: AsyncConnection, *, limit: int = 50, after: tuple[datetime, uuid.UUID] | None = None,
                         search: str | None = None, by_numbers: bool = True) -> list[Customer]:
    """A page of customers, newest first, keyset-paginated on (created_at, id). `search` matches the name, the
    phone number typed in any format (its digits) or the account's last four digits (`by_numbers`; off for
    principals who see those numbers masked, so a search cannot reveal them)."""
    clauses: list[str] = []
    params: list[object] = []
    if after is not None:
        clauses.append("(created_at, id) < (%s, %s)")
        params.extend(after)
    if search:
        matches = ["(first_name || ' ' || last_name) ILIKE %s"]
        params.append(f"%{search.strip()}%")
        digits = "".join(ch for ch in search if ch.isdigit()) if by_numbers else ""
        if len(digits) == 4:
            matches.append("account_last_4 = %s")
            params.append(digits)
        if len(digits) >= 4:
            matches.append("phone LIKE %s")
            params.append(f"%{digits}%")
        clauses.append(f"({' OR '.join(matches)})")
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    async with conn.cursor(row_factory=class_row(Customer)) as cur:
        await cur.execute(f"SELECT * FROM customers {where} ORDER BY created_at DESC, id DESC LIMIT %s",
                          [*params, limit])
        return await cur.fetchall()


async def set_flag(conn: AsyncConnection, customer_id: uuid.UUID, flag: str,
                   details: dict[str, Any] | None = None) -> None:
    """Stamp a compliance flag (cease, attorney, bankruptcy, dispute, hardship, consent_revoked) with now()."""
    column = FLAG_COLUMNS[flag]
    extra = ", attorney_details = %s" if flag == "attorney" else ""
    params: list[Any] = [Jsonb(details or {})] if flag == "attorney" else []
    await conn.execute(f"UPDATE customers SET {column} = COALESCE({column}, now()){extra} WHERE id = %s",
                       [*params, customer_id])


async def set_dispute_type(conn: AsyncConnection, customer_id: uuid.UUID, dispute_type: str) -> None:
    """The kind of the open dispute (fraud wins over the others: it decides how the account is reviewed)."""
    await conn.execute("UPDATE customers SET dispute_type = CASE WHEN dispute_type = 'fraud' THEN 'fraud' ELSE %s END "
                       "WHERE id = %s", (dispute_type, customer_id))


async def set_sensitive_hold(conn: AsyncConnection, customer_id: uuid.UUID, reason: str) -> None:
    """Hold all collection contact until a human reviews the account (cleared by setting sensitive_hold_at NULL)."""
    await conn.execute("UPDATE customers SET sensitive_hold_at = COALESCE(sensitive_hold_at, now()), "
                       "sensitive_hold_reason = COALESCE(sensitive_hold_reason, %s) WHERE id = %s",
                       (reason, customer_id))


async def add_inconvenient_times(conn: AsyncConnection, customer_id: uuid.UUID, windows: list[dict[str, str]]) -> None:
    """Times the consumer said are inconvenient ([{"days", "start", "end"}], local), added to those on record (the
    pre-dial gate honours them); a window already on record is not added twice."""
    await conn.execute(
        "UPDATE customers SET inconvenient_times = inconvenient_times || (SELECT COALESCE(jsonb_agg(w), '[]'::jsonb) "
        "FROM jsonb_array_elements(%s::jsonb) w WHERE NOT inconvenient_times @> jsonb_build_array(w)) WHERE id = %s",
        (Jsonb(windows), customer_id))


async def set_preferred_language(conn: AsyncConnection, customer_id: uuid.UUID, language: str) -> None:
    """The language later calls start in (ISO 639-1, e.g. 'es'); 'en' stores NULL (the default)."""
    await conn.execute("UPDATE customers SET preferred_language = %s WHERE id = %s",
                       (None if language == "en" else language, customer_id))


async def find_for_verification(conn: AsyncConnection, account_last_4: str, postal_code: str) -> list[Customer]:
    """Customers whose account ends in these four digits and whose postal code matches (spaces and case ignored):
    how an inbound caller from an unknown number is found. At most a handful; the caller must match exactly one."""
    async with conn.cursor(row_factory=class_row(Customer)) as cur:
        await cur.execute("SELECT * FROM customers WHERE account_last_4 = %s AND "
                          "upper(replace(replace(postal_code, ' ', ''), '-', '')) = %s LIMIT 5",
                          (account_last_4, postal_code))
        return await cur.fetchall()
