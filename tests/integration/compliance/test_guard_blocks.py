"""A blocked sentence is stored as a guard_block compliance event, with no phone number in clear."""
from __future__ import annotations

from psycopg import AsyncConnection

from shared.compliance.guard import GuardContext, OutputGuard, record_block
from shared.db import compliance_records


async def test_block_is_recorded_with_codes_and_masked_text(conn: AsyncConnection, make_customer, make_call) -> None:
    customer = await make_customer()
    call = await make_call(customer.id)
    original = "We will sue you, call +1 212 555 0199."
    result = OutputGuard().check(original, GuardContext(verified=True))
    await record_block(conn, result=result, original=original, call_id=call.id, customer_id=customer.id)
    [event] = await compliance_records.events_for_call(conn, call.id)
    assert (event.category, event.code) == ("guard_block", "lawsuit_threat")
    assert event.details["violations"] == ["lawsuit_threat"]
    assert "0199" in event.details["original"] and "555 0199" not in event.details["original"]
    assert event.details["spoken"] == result.text
