"""Each disclosure played is a timestamped compliance event; the first conversation decides the mini-Miranda form."""
from __future__ import annotations

from psycopg import AsyncConnection

from shared.compliance.disclosures import DisclosureKind, is_first_conversation, record_disclosure
from shared.db import compliance_records


async def test_disclosures_are_recorded_in_order(conn: AsyncConnection, make_customer, make_call) -> None:
    customer = await make_customer()
    call = await make_call(customer.id)
    order = [DisclosureKind.AI_IDENTIFICATION, DisclosureKind.RECORDING_NOTICE, DisclosureKind.MINI_MIRANDA_FIRST]
    for kind in order:
        await record_disclosure(conn, kind=kind, call_id=call.id, customer_id=customer.id)
    events = await compliance_records.events_for_call(conn, call.id)
    assert [(e.category, e.code) for e in events] == [("disclosure", k.value) for k in order]
    assert all(e.occurred_at is not None and e.details["policy_version"] for e in events)


async def test_first_conversation_until_the_mini_miranda_was_given(conn: AsyncConnection, make_customer,
                                                                   make_call) -> None:
    customer, other = await make_customer(), await make_customer()
    call = await make_call(customer.id)
    assert await is_first_conversation(conn, customer.id)
    await record_disclosure(conn, kind=DisclosureKind.AI_IDENTIFICATION, call_id=call.id, customer_id=customer.id)
    assert await is_first_conversation(conn, customer.id)
    await record_disclosure(conn, kind=DisclosureKind.MINI_MIRANDA_FIRST, call_id=call.id, customer_id=customer.id)
    assert not await is_first_conversation(conn, customer.id)
    assert await is_first_conversation(conn, other.id)
