"""The per-account compliance timeline: attempts, conversations, disclosures, intents and actions, in time order."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from psycopg import AsyncConnection

from shared.compliance import predial
from shared.compliance.disclosures import DisclosureKind, record_disclosure
from shared.compliance.intents import Intent, apply_intent
from shared.compliance.timeline import compliance_timeline
from shared.db import calls, compliance_records

T0 = datetime(2026, 6, 10, 12, 0, tzinfo=ZoneInfo("America/New_York"))


async def test_timeline_orders_everything_that_happened_to_an_account(conn: AsyncConnection, make_customer) -> None:
    customer, other = await make_customer(), await make_customer()
    await predial.check(conn, customer, now=T0 - timedelta(hours=6), purpose="collection", source="manual")
    decision = await predial.check(conn, customer, now=T0, purpose="collection", source="manual")
    attempt = (await compliance_records.attempts_for_customer(conn, customer.id))[0]
    call = await calls.create_call(conn, calls.NewCall(direction="outbound", call_type="manual",
                                                       customer_id=customer.id, contact_attempt_id=attempt.id))
    for i, kind in enumerate((DisclosureKind.AI_IDENTIFICATION, DisclosureKind.RECORDING_NOTICE)):
        await compliance_records.record_event(conn, category="disclosure", code=kind.value, customer_id=customer.id,
                                              call_id=call.id, occurred_at=T0 + timedelta(seconds=i + 1))
    await calls.update_call(conn, call.id, conversation_at=T0 + timedelta(seconds=30), verified=True)
    await record_disclosure(conn, kind=DisclosureKind.MINI_MIRANDA_FIRST, call_id=call.id, customer_id=other.id)
    await apply_intent(conn, intent=Intent.HARDSHIP, customer_id=customer.id, call_id=call.id, evidence="lost my job")

    entries = await compliance_timeline(conn, customer.id)
    kinds = [(e.kind, e.code) for e in entries]
    assert kinds[:5] == [("attempt", "outside_calling_hours"), ("attempt", "allowed"),
                         ("disclosure", "ai_identification"), ("disclosure", "recording_notice"),
                         ("conversation", "manual")]
    assert kinds[5:] == [("intent", "hardship"), ("action", "hardship_recorded")]
    assert decision.allowed and entries[1].call_id == call.id and entries[1].details["decision"] == "allow"
    assert entries == sorted(entries, key=lambda e: e.at)

    first_page = await compliance_timeline(conn, customer.id, limit=3)
    second_page = await compliance_timeline(conn, customer.id, limit=10, after=first_page[-1])
    assert first_page + second_page == entries
