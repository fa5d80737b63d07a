"""The gate's database path decides as its in-memory path (the one the reference check exercises) and as the
reference statement of §1: generated customers, flags, histories and callbacks stored for real, then checked."""
from __future__ import annotations

import random
from dataclasses import replace
from decimal import Decimal

from psycopg import AsyncConnection

from shared.compliance import predial
from shared.db import calls, compliance_records, customers
from tests.unit.compliance.reference_gate import reference_denials
from tests.unit.compliance.test_predial_reference import gate_reasons, make_case

CASES = 120
FLAG_COLUMNS = {"cease_requested": "cease", "consent_revoked": "consent_revoked", "attorney_represented": "attorney",
                "bankruptcy": "bankruptcy", "sensitive_hold": "sensitive_hold", "dispute_hold": "dispute"}


async def test_database_path_agrees_with_memory_path_and_reference(conn: AsyncConnection) -> None:
    r = random.Random(19)
    for i in range(CASES):
        c = make_case(r)
        if len(c.postal_code.strip()) < 3:          # the customers table requires a postal code
            c = replace(c, postal_code="ZZZ")
        phone = f"{c.phone[:-4]}{i:04d}"
        c = replace(c, phone=phone)
        customer = await customers.create_customer(conn, customers.NewCustomer(
            first_name="Gen", last_name=f"Case{i}", phone=phone, account_last_4="1234", postal_code=c.postal_code,
            balance=Decimal("100.00"), days_overdue=30, timezone=c.timezone, country=c.country,
            region=c.region or None, consent_source=None if "no_consent" in c.flags else "account_application",
            inconvenient_times=list(c.inconvenient)))
        for flag, name in FLAG_COLUMNS.items():
            if flag in c.flags:
                await customers.set_flag(conn, customer.id, name)
        if "dnc_listed" in c.flags:
            await compliance_records.add_dnc(conn, phone, source="admin")
        for a in c.attempts:
            await compliance_records.record_attempt(
                conn, customer_id=customer.id, phone=phone, purpose=a.purpose, source="campaign", decision="allow",
                reason_code="allowed", decided_at=a.at, callback_requested_at=a.requested_at)
        if c.last_conversation is not None:
            call = await calls.create_call(conn, calls.NewCall(direction="outbound", call_type="manual",
                                                               customer_id=customer.id))
            await calls.update_call(conn, call.id, conversation_at=c.last_conversation, verified=True)
        stored = await predial.check(conn, customer, now=c.now, purpose=c.purpose,  # type: ignore[arg-type]
                                     source="test", record=False, callback_requested_at=c.requested_at)
        memory = gate_reasons(c)
        assert (stored.allowed, set(stored.reasons), stored.next_allowed_at) == \
            (memory.allowed, set(memory.reasons), memory.next_allowed_at), c
        assert set(stored.reasons) == reference_denials(c), c
