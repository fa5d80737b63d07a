"""`make reset`: the database holds exactly the demo data again; the migration marker stays."""
from __future__ import annotations

from psycopg import AsyncConnection

from shared.admin.demo_reset import reset_demo
from shared.db import calls, customers
from shared.db.seed import DEMO_CUSTOMERS
from tests.integration.api import factories


async def test_reset_replaces_everything_with_the_demo_data(conn: AsyncConnection) -> None:
    extra = await factories.customer(conn, phone="+12125550177")
    await calls.create_call(conn, calls.NewCall(direction="outbound", call_type="manual", customer_id=extra.id,
                                                status="completed"))
    counts = await reset_demo(conn)
    assert counts["customers_created"] == len(DEMO_CUSTOMERS)
    assert await customers.find_by_phone(conn, "+12125550177") is None
    cur = await conn.execute("SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM calls), "
                             "(SELECT count(*) FROM alembic_version)")
    assert await cur.fetchone() == (len(DEMO_CUSTOMERS), 0, 1)
