"""Payment arrangements: what the customer agreed to, stored exactly once per idempotency key."""
from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from shared.db.errors import domain_errors


@dataclass(frozen=True)
class Arrangement:
    id: uuid.UUID
    idempotency_key: str
    customer_id: uuid.UUID
    call_id: uuid.UUID | None
    kind: str
    total_amount: Decimal
    down_payment: Decimal
    months: int | None
    instalment_amount: Decimal | None
    schedule: list[dict[str, Any]]
    payment_method: str
    status: str
    first_due_date: date | None
    created_at: datetime
    updated_at: datetime
    simulated: bool = False                 # recorded by a simulated call: never processed


@dataclass(frozen=True)
class NewArrangement:
    customer_id: uuid.UUID
    call_id: uuid.UUID | None
    kind: str
    total_amount: Decimal
    payment_method: str
    down_payment: Decimal = Decimal("0")
    months: int | None = None
    instalment_amount: Decimal | None = None
    schedule: tuple[dict[str, Any], ...] = ()
    first_due_date: date | None = None

    def idempotency_key(self) -> str:
        """Same call + same terms → same key, so a repeated tool call or retry cannot double-book."""
        terms = [str(self.call_id), str(self.customer_id), self.kind, str(self.total_amount), self.payment_method,
                 str(self.down_payment), self.months, str(self.instalment_amount)]
        return hashlib.sha256(json.dumps(terms).encode()).hexdigest()[:40]


async def create_arrangement(conn: AsyncConnection, new: NewArrangement, idempotency_key: str | None = None) -> tuple[
        Arrangement, bool]:
    """Store the arrangement once; returns (row, created). A repeat with the same key returns the stored row."""
    key = idempotency_key or new.idempotency_key()
    with domain_errors():
        async with conn.cursor(row_factory=class_row(Arrangement)) as cur:
            await cur.execute(
                """INSERT INTO payment_arrangements (idempotency_key, customer_id, call_id, kind, total_amount,
                       down_payment, months, instalment_amount, schedule, payment_method, first_due_date)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
                   ON CONFLICT (idempotency_key) DO NOTHING RETURNING *""",
                (key, new.customer_id, new.call_id, new.kind, new.total_amount, new.down_payment, new.months,
                 new.instalment_amount, Jsonb(list(new.schedule)), new.payment_method, new.first_due_date))
            row = await cur.fetchone()
            if row is not None:
                return row, True
            await cur.execute("SELECT * FROM payment_arrangements WHERE idempotency_key = %s", (key,))
            existing = await cur.fetchone()
    assert existing is not None
    return existing, False


async def list_for_customer(conn: AsyncConnection, customer_id: uuid.UUID) -> list[Arrangement]:
    async with conn.cursor(row_factory=class_row(Arrangement)) as cur:
        await cur.execute("SELECT * FROM payment_arrangements WHERE customer_id = %s AND NOT simulated "
                          "ORDER BY created_at",
                          (customer_id,))
        return await cur.fetchall()


async def set_status(conn: AsyncConnection, arrangement_id: uuid.UUID, status: str) -> None:
    with domain_errors():
        await conn.execute("UPDATE payment_arrangements SET status = %s WHERE id = %s", (status, arrangement_id))
