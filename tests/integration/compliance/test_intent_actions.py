"""Every caller intent, applied, leaves its trace in the database: intent + action events and the customer flag."""
from __future__ import annotations

import pytest
from psycopg import AsyncConnection

from shared.compliance.intents import ACTION_CODE, Intent, apply_intent, detect_intents
from shared.db import compliance_records, customers

FLAG_COLUMN = {Intent.STOP_CALLING: "cease_requested_at", Intent.ATTORNEY: "attorney_at",
               Intent.BANKRUPTCY: "bankruptcy_at", Intent.DISPUTE: "disputed_at", Intent.HARDSHIP: "hardship_at",
               Intent.FRAUD: "disputed_at", Intent.ALREADY_PAID: "disputed_at",
               Intent.VALIDATION_REQUEST: "validation_requested_at", Intent.DISTRESS: "sensitive_hold_at"}
DISPUTE_TYPE = {Intent.DISPUTE: "dispute", Intent.FRAUD: "fraud", Intent.ALREADY_PAID: "already_paid",
                Intent.VALIDATION_REQUEST: "validation"}
UTTERANCE = {Intent.STOP_CALLING: "Quit ringing me.", Intent.ATTORNEY: "Talk to my lawyer.",
             Intent.BANKRUPTCY: "I filed chapter 7.", Intent.DISPUTE: "I don't owe that.",
             Intent.WRONG_PARTY: "This isn't John.", Intent.HARDSHIP: "I lost my job.",
             Intent.ROBOT_QUESTION: "Are you a real person?", Intent.HUMAN_REQUEST: "Let me speak to a manager.",
             Intent.FRAUD: "Someone opened it in my name.", Intent.ALREADY_PAID: "I already paid it.",
             Intent.VALIDATION_REQUEST: "Send me that in writing.", Intent.THIRD_PARTY: "He's not home.",
             Intent.CALLBACK_REQUEST: "Call me back tomorrow.", Intent.DISTRESS: "I don't want to live anymore.",
             Intent.EMERGENCY: "My house is on fire.", Intent.OTHER_LANGUAGE: "No hablo inglés.",
             Intent.ABUSE: "Go to hell."}


@pytest.mark.parametrize("intent", list(Intent))
async def test_detected_intent_is_recorded_with_its_action(conn: AsyncConnection, make_customer, make_call,
                                                           intent: Intent) -> None:
    customer = await make_customer()
    call = await make_call(customer.id)
    [match] = [m for m in detect_intents(UTTERANCE[intent]) if m.intent is intent]
    await apply_intent(conn, intent=intent, customer_id=customer.id, call_id=call.id, evidence=match.evidence,
                       details={"language": match.evidence} if intent is Intent.OTHER_LANGUAGE else None)

    events = await compliance_records.events_for_call(conn, call.id)
    assert [(e.category, e.code) for e in events] == [("intent", intent.value), ("action", ACTION_CODE[intent])]
    assert events[0].details["evidence"] == match.evidence
    after = await customers.get_customer(conn, customer.id)
    if intent in FLAG_COLUMN:
        assert getattr(after, FLAG_COLUMN[intent]) is not None
    assert after.dispute_type == DISPUTE_TYPE.get(intent)
    assert (after.sensitive_hold_at is not None) is (intent is Intent.DISTRESS)
    if intent is Intent.STOP_CALLING:
        assert after.consent_revoked_at is not None
    if intent is Intent.WRONG_PARTY:
        assert await compliance_records.is_dnc(conn, customer.phone)
    else:
        assert not await compliance_records.is_dnc(conn, customer.phone)


async def test_applying_the_same_intent_twice_on_a_call_records_it_once(conn: AsyncConnection, make_customer,
                                                                        make_call) -> None:
    customer = await make_customer()
    call = await make_call(customer.id)
    for _ in range(3):
        await apply_intent(conn, intent=Intent.DISPUTE, customer_id=customer.id, call_id=call.id, evidence="i dispute")
    events = await compliance_records.events_for_call(conn, call.id)
    assert len(events) == 2


async def test_attorney_details_are_kept_on_the_customer(conn: AsyncConnection, make_customer, make_call) -> None:
    customer = await make_customer()
    call = await make_call(customer.id)
    await apply_intent(conn, intent=Intent.ATTORNEY, customer_id=customer.id, call_id=call.id, evidence="my lawyer",
                       details={"attorney_name": "Pat Example", "attorney_phone": "+12125550188"})
    after = await customers.get_customer(conn, customer.id)
    assert after.attorney_details == {"attorney_name": "Pat Example", "attorney_phone": "+12125550188"}
    events = await compliance_records.events_for_call(conn, call.id)
    assert "0188" in events[0].details["attorney_phone"] and "555" not in events[0].details["attorney_phone"]


async def test_an_unmatched_caller_still_gets_the_events(conn: AsyncConnection, make_call) -> None:
    call = await make_call(None)
    await apply_intent(conn, intent=Intent.STOP_CALLING, customer_id=None, call_id=call.id, evidence="stop calling")
    assert [e.code for e in await compliance_records.events_for_call(conn, call.id)] == ["stop_calling",
                                                                                        "cease_recorded"]


async def test_a_spanish_speaker_gets_spanish_as_the_preferred_language(conn: AsyncConnection, make_customer,
                                                                       make_call) -> None:
    customer = await make_customer()
    call = await make_call(customer.id)
    await apply_intent(conn, intent=Intent.OTHER_LANGUAGE, customer_id=customer.id, call_id=call.id,
                       evidence="no hablo ingles", details={"language": "es"})
    assert (await customers.get_customer(conn, customer.id)).preferred_language == "es"


async def test_fraud_wins_over_a_later_plain_dispute(conn: AsyncConnection, make_customer, make_call) -> None:
    customer = await make_customer()
    call = await make_call(customer.id)
    await apply_intent(conn, intent=Intent.FRAUD, customer_id=customer.id, call_id=call.id, evidence="identity theft")
    await apply_intent(conn, intent=Intent.DISPUTE, customer_id=customer.id, call_id=call.id, evidence="not mine")
    assert (await customers.get_customer(conn, customer.id)).dispute_type == "fraud"
