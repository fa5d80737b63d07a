"""A caller in distress puts the account on a sensitive-handling hold: the pre-dial gate denies every collection
contact (callbacks included) until a human clears it (COMPLIANCE §2a)."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from psycopg import AsyncConnection

from shared.compliance import predial
from shared.compliance.intents import Intent, apply_intent
from shared.db import customers

NOON_NY = datetime(2026, 6, 10, 12, 0, tzinfo=ZoneInfo("America/New_York"))


async def test_distress_holds_every_dial_until_a_human_clears_it(conn: AsyncConnection, make_customer,
                                                                 make_call) -> None:
    customer = await make_customer()
    call = await make_call(customer.id)
    assert (await predial.check(conn, customer, now=NOON_NY, purpose="collection", source="test")).allowed
    await apply_intent(conn, intent=Intent.DISTRESS, customer_id=customer.id, call_id=call.id,
                       evidence="i dont want to live")
    for purpose in ("collection", "requested_callback"):
        d = await predial.check(conn, customer, now=NOON_NY, purpose=purpose, source="test")  # type: ignore[arg-type]
        assert (d.allowed, d.reason_code, d.next_allowed_at) == (False, "sensitive_hold", None)
    after = await customers.get_customer(conn, customer.id)
    assert after.sensitive_hold_reason == "distress"
    await conn.execute("UPDATE customers SET sensitive_hold_at = NULL WHERE id = %s", (customer.id,))
    assert (await predial.check(conn, customer, now=NOON_NY, purpose="collection", source="test")).allowed
