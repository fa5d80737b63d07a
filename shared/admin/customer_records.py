"""Admin changes to customer rows: create from validated input, update the editable columns, delete only a
customer with no compliance record (contact attempts and compliance events are kept by law)."""
from __future__ import annotations

import uuid
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import class_row

from shared.admin.customer_input import CustomerInput
from shared.admin.errors import ConflictError
from shared.db.customers import Customer, NewCustomer, create_customer, get_customer
from shared.db.errors import NotFoundError, domain_errors

EDITABLE = tuple(CustomerInput.model_fields)


async def add_customer(conn: AsyncConnection, data: CustomerInput) -> Customer:
    return await create_customer(conn, NewCustomer(**data.model_dump()))


async def update_customer(conn: AsyncConnection, customer_id: uuid.UUID, changes: dict[str, Any]) -> Customer:
    """Apply `changes` (validated together with the stored values); returns the updated row."""
    current = await get_customer(conn, customer_id)
    merged = CustomerInput.model_validate({**{f: getattr(current, f) for f in EDITABLE}, **changes})
    values = merged.model_dump()
    assignments = ", ".join(f"{name} = %s" for name in EDITABLE)
    with domain_errors():
        async with conn.cursor(row_factory=class_row(Customer)) as cur:
            await cur.execute(f"UPDATE customers SET {assignments} WHERE id = %s RETURNING *",
                              [*(values[n] for n in EDITABLE), customer_id])
            row = await cur.fetchone()
    if row is None:
        raise NotFoundError("customer not found")
    return row


async def delete_customer(conn: AsyncConnection, customer_id: uuid.UUID) -> Customer:
    current = await get_customer(conn, customer_id)
    cur = await conn.execute(
        "SELECT EXISTS (SELECT 1 FROM contact_attempts WHERE customer_id = %s) "
        "OR EXISTS (SELECT 1 FROM compliance_events WHERE customer_id = %s)", (customer_id, customer_id))
    row = await cur.fetchone()
    if row and row[0]:
        raise ConflictError("the customer has a compliance record (contact attempts or events) and cannot be deleted")
    await conn.execute("DELETE FROM customers WHERE id = %s", (customer_id,))
    return current
