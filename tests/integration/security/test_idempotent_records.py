"""A retried write never stores one compliance event twice: each write a call queues carries a write key, and an
explicit idempotency key works the same way."""
from __future__ import annotations

import uuid

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from shared.agent.persistence import WriteBehind
from shared.db import compliance_records
from shared.db.calls import NewCall, create_call


async def test_a_replayed_write_stores_its_compliance_events_once(conn: AsyncConnection,
                                                                  pool: AsyncConnectionPool) -> None:
    call = await create_call(conn, NewCall(direction="outbound", call_type="manual", status="in-progress"))
    writes = WriteBehind(pool, call.id)
    attempts = 0

    async def op(c: AsyncConnection) -> None:
        nonlocal attempts
        attempts += 1
        await compliance_records.record_event(c, category="intent", code="dispute", call_id=call.id)
        await compliance_records.record_event(c, category="action", code="dispute_hold", call_id=call.id)

    writes.submit("intent dispute", op)
    assert await writes.drain(10)
    # The same queued write again (as after an unknown commit outcome): same key, no new rows.
    async with pool.connection() as c, c.transaction():
        await c.execute("SELECT set_config('archer.write_key', %s, true)", (f"{call.id}:1",))
        await op(c)
    await writes.close()
    rows = await (await conn.execute("SELECT category, code, idempotency_key FROM compliance_events "
                                     "WHERE call_id = %s ORDER BY id", (call.id,))).fetchall()
    assert attempts == 2
    assert [(r[0], r[1]) for r in rows] == [("intent", "dispute"), ("action", "dispute_hold")]
    assert all(r[2].startswith(str(call.id)) for r in rows)


async def test_an_explicit_key_is_idempotent(conn: AsyncConnection) -> None:
    key = f"test:{uuid.uuid4()}"
    first = await compliance_records.record_event(conn, category="dnc", code="added", idempotency_key=key)
    again = await compliance_records.record_event(conn, category="dnc", code="added", idempotency_key=key)
    assert first.id == again.id
    plain = [await compliance_records.record_event(conn, category="dnc", code="added") for _ in range(2)]
    assert plain[0].id != plain[1].id                   # no key, no deduplication (a direct write outside a call)
