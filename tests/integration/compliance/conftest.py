"""Builders for compliance tests: real customers and calls in the run's database."""
from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest
from psycopg import AsyncConnection

from shared.db import calls, customers

_numbers = itertools.count(100)

MakeCustomer = Callable[..., Awaitable[customers.Customer]]
MakeCall = Callable[..., Awaitable[calls.Call]]


@pytest.fixture(autouse=True)
async def _clean_overrides(conn: AsyncConnection) -> AsyncIterator[None]:
    """compliance_rule_overrides is this part's table; the suite-wide truncation does not know it."""
    yield
    await conn.execute("TRUNCATE compliance_rule_overrides RESTART IDENTITY")


@pytest.fixture
def make_customer(conn: AsyncConnection) -> MakeCustomer:
    """A customer with consent on a fictional New York 555-01XX number (override any field)."""
    async def make(**fields: Any) -> customers.Customer:
        n = next(_numbers)
        defaults: dict[str, Any] = {
            "first_name": "John", "last_name": "Testcase", "phone": f"+1646555{100 + n % 100:04d}",
            "account_last_4": "1234", "postal_code": "10001", "balance": Decimal("1250.00"), "days_overdue": 45,
            "timezone": "America/New_York", "region": "NY", "consent_source": "account_application"}
        return await customers.create_customer(conn, customers.NewCustomer(**{**defaults, **fields}))
    return make


@pytest.fixture
def make_call(conn: AsyncConnection) -> MakeCall:
    async def make(customer_id: uuid.UUID | None, **fields: Any) -> calls.Call:
        return await calls.create_call(conn, calls.NewCall(direction="outbound", call_type="test",
                                                           customer_id=customer_id, **fields))
    return make
