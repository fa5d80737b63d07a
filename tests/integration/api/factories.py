"""Rows for admin API tests, written through the real repositories."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from psycopg import AsyncConnection

from shared.db import arrangements, calls, compliance_records, customers, tactics


async def customer(conn: AsyncConnection, phone: str = "+12125550142") -> customers.Customer:
    return await customers.create_customer(conn, customers.NewCustomer(
        first_name="Avery", last_name="Quinn", phone=phone, account_last_4="4821", postal_code="10001",
        balance=Decimal("1250.00"), days_overdue=45, region="NY"))


async def tactic(conn: AsyncConnection, name: str = "calm_test") -> tactics.Tactic:
    return await tactics.create_tactic(conn, name=name, archetype="custom",
                                       config={"urgency": 4, "empathy": 8, "persistence": 5, "authority": 4})


async def call(conn: AsyncConnection, *, customer_id: uuid.UUID | None, tactic: tactics.Tactic | None = None,
               started_at: datetime | None = None, status: str = "completed", outcome: str | None = "refused",
               verified: bool = False, lines: tuple[str, ...] = (), duration_s: int = 120,
               arrangement: Decimal | None = None) -> calls.Call:
    row = await calls.create_call(conn, calls.NewCall(
        direction="outbound", call_type="manual", customer_id=customer_id, status=status,
        tactic_id=tactic.id if tactic else None, tactic_version=tactic.version if tactic else None,
        to_number="+12125550142", call_sid=f"CA{uuid.uuid4().hex}"))
    started = started_at or datetime.now(UTC)
    await conn.execute("UPDATE calls SET started_at = %s WHERE id = %s", (started, row.id))
    row = await calls.update_call(conn, row.id, outcome=outcome, verified=verified, answered_at=started,
                                  conversation_at=started, ended_at=started + timedelta(seconds=duration_s),
                                  duration_s=duration_s, recording_url="https://api.twilio.example/rec/RE1")
    for seq, text in enumerate(lines):  # stamped from the call's start, not the database's now(): one clock
        await calls.add_transcript_entry(conn, row.id, seq, "agent" if seq % 2 == 0 else "caller", text,
                                         spoken_at=started + timedelta(seconds=seq + 1))
    if arrangement is not None and customer_id is not None:
        await arrangements.create_arrangement(conn, arrangements.NewArrangement(
            customer_id=customer_id, call_id=row.id, kind="full", total_amount=arrangement,
            payment_method="sms_link"))
    return await calls.get_call(conn, row.id)


async def call_children(conn: AsyncConnection, call_id: uuid.UUID, customer_id: uuid.UUID) -> None:
    """A tool execution, a disclosure and a turn's latency, stamped inside the call (after its start)."""
    started = (await calls.get_call(conn, call_id)).started_at
    await calls.add_tool_execution(conn, call_id, 0, "verify_account", {"account_last_4": "4821"},
                                   {"verified": True}, success=True, duration_ms=3.2,
                                   executed_at=started + timedelta(seconds=5))
    await compliance_records.record_event(conn, category="disclosure", code="mini_miranda", customer_id=customer_id,
                                          call_id=call_id, occurred_at=started + timedelta(seconds=1))
    await calls.record_turn_metrics(conn, calls.TurnMetrics(call_id=call_id, turn=0, voice_to_voice_ms=640.0,
                                                            overhead_ms=7.5))
