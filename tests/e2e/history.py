"""Call history for the browser tests: finished calls (transcript, tools, latency, compliance) and a live one.

Written through the real repositories, as the engine would write them; phone numbers are the seed's fictional ones.
"""
from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

from psycopg import AsyncConnection

from shared.db import calls, compliance_records, customers, tactics

CONVERSATION = [
    ("agent", "Hello, this is Archer calling on behalf of Demo Bank. Am I speaking with Maria Gonzalez?"),
    ("caller", "Yes, speaking."),
    ("agent", "Thank you. To verify your identity, please tell me the last four digits of your account and your ZIP code."),
    ("caller", "It's 4821 and 10001."),
    ("agent", "Thank you, you're verified. Your balance of $1,250.00 is 45 days past due. Could you pay it in full today?"),
    ("caller", "Not all at once, but I could do three monthly payments."),
    ("agent", "A three-month plan would be $416.67 a month. I'll text you a secure payment link now."),
]


async def add_finished_call(conn: AsyncConnection, phone: str, tactic_name: str, outcome: str,
                            started: datetime, *, with_conversation: bool = True) -> uuid.UUID:
    """One completed call with its transcript, two tool executions, turn latencies and a disclosure."""
    customer = await customers.find_by_phone(conn, phone)
    assert customer is not None, f"seed customer {phone} missing"
    tactic = await tactics.get_tactic_by_name(conn, tactic_name)
    call = await calls.create_call(conn, calls.NewCall(
        direction="outbound", call_type="test", customer_id=customer.id, status="in-progress",
        tactic_id=tactic.id, tactic_version=tactic.version, from_number="+12025550100", to_number=phone))
    # started_at is set once at insert by the repository; history needs it in the past.
    await conn.execute("UPDATE calls SET started_at = %s WHERE id = %s", (started, call.id))
    await calls.update_call(conn, call.id, status="completed", outcome=outcome,
                            answered_at=started + timedelta(seconds=4), ended_at=started + timedelta(seconds=95),
                            duration_s=95, verified=True, conversation_at=started + timedelta(seconds=5))
    if with_conversation:
        for seq, (speaker, text) in enumerate(CONVERSATION):
            await calls.add_transcript_entry(conn, call.id, seq, speaker, text,
                                             spoken_at=started + timedelta(seconds=5 + seq * 10))
        await calls.add_tool_execution(conn, call.id, 0, "verify_account",
                                       {"account_last_4": "****", "postal_code": "*****"}, {"verified": True},
                                       success=True, duration_ms=12.5, executed_at=started + timedelta(seconds=36))
        await calls.add_tool_execution(conn, call.id, 1, "calculate_payment_plan", {"months": 3, "down_payment": "0"},
                                       {"instalment": "416.67", "months": 3}, success=True, duration_ms=4.1,
                                       executed_at=started + timedelta(seconds=66))
        for turn in range(3):
            await calls.record_turn_metrics(conn, calls.TurnMetrics(
                call_id=call.id, turn=turn, stt_ms=110 + turn, llm_ttft_ms=260 + 5 * turn, tts_ttfb_ms=92,
                first_frame_ms=470 + turn, voice_to_voice_ms=480 + 7 * turn, overhead_ms=9 + turn))
        await compliance_records.record_event(conn, category="disclosure", code="mini_miranda",
                                              customer_id=customer.id, call_id=call.id)
    return call.id


async def add_live_call(conn: AsyncConnection, phone: str, tactic_name: str) -> uuid.UUID:
    """A call in progress with its greeting spoken; the test then speaks for the caller."""
    customer = await customers.find_by_phone(conn, phone)
    assert customer is not None
    tactic = await tactics.get_tactic_by_name(conn, tactic_name)
    call = await calls.create_call(conn, calls.NewCall(
        direction="outbound", call_type="test", customer_id=customer.id, status="in-progress",
        tactic_id=tactic.id, tactic_version=tactic.version, from_number="+12025550100", to_number=phone))
    greeting = f"Hello, this is Archer calling on behalf of Demo Bank. Am I speaking with {customer.first_name}?"
    await calls.add_transcript_entry(conn, call.id, 0, "agent", greeting)
    return call.id


MIDNIGHT_MARGIN_S = 60  # longer than a page takes to show what was just seeded


def today_at(hour: int) -> datetime:
    """A start time on today's UTC date (the dashboard's "today"): `hour` o'clock, or five minutes ago if that is
    earlier, but never before today's midnight (just after one, "five minutes ago" is yesterday). Within a minute
    of the next midnight it first waits for it, so the page does not open on a new day the call is not part of."""
    now = datetime.now(UTC)
    to_midnight = (now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1) - now).total_seconds()
    if to_midnight < MIDNIGHT_MARGIN_S:
        time.sleep(to_midnight + 1)  # the dev host is another process: nothing in this one waits on the loop
        now = datetime.now(UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return max(midnight, min(now - timedelta(minutes=5), midnight + timedelta(hours=hour)))
