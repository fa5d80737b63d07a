"""The retention purge deletes only what is past RETENTION_DAYS, is refused below 3 years, is audited, and is the
only way anything leaves the append-only compliance tables."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from psycopg import AsyncConnection

from shared.compliance.retention import purge_expired
from shared.db import calls, compliance_records

NOW = datetime(2030, 1, 15, 12, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=1200)
RECENT = NOW - timedelta(days=30)


async def _history(conn: AsyncConnection, customer, when: datetime) -> calls.Call:  # type: ignore[no-untyped-def]
    attempt = await compliance_records.record_attempt(conn, customer_id=customer.id, phone=customer.phone,
                                                      purpose="collection", source="test", decision="allow",
                                                      reason_code="allowed", decided_at=when)
    call = await calls.create_call(conn, calls.NewCall(direction="outbound", call_type="test", customer_id=customer.id,
                                                       contact_attempt_id=attempt.id))
    await conn.execute("UPDATE calls SET started_at = %s, ended_at = %s WHERE id = %s",
                       (when, when + timedelta(minutes=5), call.id))
    await calls.add_transcript_entry(conn, call.id, 0, "agent", "Hello.")
    await compliance_records.record_event(conn, category="disclosure", code="ai_identification",
                                          customer_id=customer.id, call_id=call.id, occurred_at=when)
    return call


async def _count(conn: AsyncConnection, table: str) -> int:
    cur = await conn.execute(f"SELECT count(*) FROM {table}")
    row = await cur.fetchone()
    assert row is not None
    return int(row[0])


async def test_purge_removes_only_expired_records_and_is_audited(conn: AsyncConnection, make_customer) -> None:
    customer = await make_customer()
    old_call = await _history(conn, customer, OLD)
    recent_call = await _history(conn, customer, RECENT)

    result = await purge_expired(conn, now=NOW, retention_days=1095, actor="ops@example.test")

    assert (result.compliance_events, result.calls, result.contact_attempts) == (1, 1, 1)
    remaining = await conn.execute("SELECT id FROM calls")
    assert [r[0] for r in await remaining.fetchall()] == [recent_call.id]
    assert await calls.list_transcript(conn, old_call.id) == []
    assert await _count(conn, "contact_attempts") == 1
    events = await conn.execute("SELECT category, code FROM compliance_events ORDER BY id")
    assert await events.fetchall() == [("disclosure", "ai_identification"), ("retention", "purge")]
    audit = await conn.execute("SELECT actor, action, after->>'calls' FROM audit_log")
    assert await audit.fetchall() == [("ops@example.test", "retention.purge", "1")]


async def test_a_dry_run_deletes_nothing_but_is_audited(conn: AsyncConnection, make_customer) -> None:
    customer = await make_customer()
    await _history(conn, customer, OLD)
    result = await purge_expired(conn, now=NOW, retention_days=1095, dry_run=True)
    assert result.dry_run and result.calls == 1
    assert await _count(conn, "calls") == 1 and await _count(conn, "compliance_events") == 1
    audit = await conn.execute("SELECT action FROM audit_log")
    assert await audit.fetchall() == [("retention.preview",)]


async def test_retention_defaults_to_the_setting_and_refuses_less_than_three_years(conn: AsyncConnection,
                                                                                    make_customer) -> None:
    customer = await make_customer()
    await _history(conn, customer, NOW - timedelta(days=1000))
    with pytest.raises(ValueError, match="1095"):
        await purge_expired(conn, now=NOW, retention_days=365)
    result = await purge_expired(conn, now=NOW)   # RETENTION_DAYS default: 1095, so 1000 days old is kept
    assert result.cutoff == NOW - timedelta(days=1095) and result.calls == 0
    assert await _count(conn, "calls") == 1


async def test_without_the_purge_flag_the_record_cannot_be_deleted(conn: AsyncConnection, make_customer) -> None:
    customer = await make_customer()
    await _history(conn, customer, OLD)
    for table in ("compliance_events", "contact_attempts"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            await conn.execute(f"DELETE FROM {table}")
    assert await _count(conn, "compliance_events") == 1
