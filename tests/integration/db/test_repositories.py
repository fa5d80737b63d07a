"""Repositories against the real database: money, uniqueness, ordering, idempotency, database-level refusals."""
from datetime import timedelta
from decimal import Decimal

import psycopg
import pytest
from psycopg import AsyncConnection

from shared.db import arrangements, calls, compliance_records, customers, tactics
from shared.db.errors import ConstraintError, DuplicateError


def _new_customer(phone: str = "+12125550150", **kw: object) -> customers.NewCustomer:
    base = dict(first_name="Test", last_name="Person", phone=phone, account_last_4="1234", postal_code="10001",
                balance=Decimal("1234.56"), days_overdue=40, timezone="America/New_York", region="NY")
    base.update(kw)
    return customers.NewCustomer(**base)  # type: ignore[arg-type]


async def test_decimal_money_round_trips_exactly(conn: AsyncConnection) -> None:
    for i, amount in enumerate(("0.01", "1234.56", "9999999999.99", "0.10")):
        c = await customers.create_customer(conn, _new_customer(phone=f"+121255501{i:02d}",
                                                                balance=Decimal(amount)))
        fetched = await customers.get_customer(conn, c.id)
        assert fetched.balance == Decimal(amount)
        assert isinstance(fetched.balance, Decimal)
        assert str(fetched.balance) == amount


async def test_duplicate_customer_phone_is_a_domain_error(conn: AsyncConnection) -> None:
    await customers.create_customer(conn, _new_customer())
    with pytest.raises(DuplicateError, match="customer with this phone number already exists"):
        await customers.create_customer(conn, _new_customer(first_name="Other"))


async def test_duplicate_call_sid_is_a_domain_error(conn: AsyncConnection) -> None:
    sid = "CA" + "a" * 32
    await calls.create_call(conn, calls.NewCall(direction="outbound", call_type="manual", call_sid=sid))
    with pytest.raises(DuplicateError, match="call with this call SID already exists"):
        await calls.create_call(conn, calls.NewCall(direction="inbound", call_type="inbound", call_sid=sid))


async def test_transcript_entries_come_back_in_order_and_retries_do_not_duplicate(conn: AsyncConnection) -> None:
    call = await calls.create_call(conn, calls.NewCall(direction="outbound", call_type="simulated"))
    lines = [(3, "caller", "yes it is"), (0, "agent", "Hello"), (2, "agent", "Is this Maria?"), (1, "caller", "Hi")]
    for seq, speaker, text in lines:
        assert await calls.add_transcript_entry(conn, call.id, seq, speaker, text)
    assert not await calls.add_transcript_entry(conn, call.id, 2, "agent", "Is this Maria?")  # a retry
    entries = await calls.list_transcript(conn, call.id)
    assert [e.seq for e in entries] == [0, 1, 2, 3]
    assert [e.text for e in entries] == ["Hello", "Hi", "Is this Maria?", "yes it is"]


async def test_an_end_stamped_by_a_clock_behind_the_databases_is_the_calls_start(conn: AsyncConnection) -> None:
    call = await calls.create_call(conn, calls.NewCall(direction="outbound", call_type="simulated"))
    ended = await calls.update_call(conn, call.id, status="completed", ended_at=call.started_at - timedelta(seconds=3))
    assert (ended.status, ended.ended_at) == ("completed", call.started_at)  # not a CHECK violation
    later = call.started_at + timedelta(seconds=42)
    assert (await calls.update_call(conn, call.id, ended_at=later)).ended_at == later
    assert (await calls.update_call(conn, call.id, ended_at=None)).ended_at is None


async def test_arrangement_submitted_twice_is_stored_once(conn: AsyncConnection) -> None:
    c = await customers.create_customer(conn, _new_customer())
    call = await calls.create_call(conn, calls.NewCall(direction="outbound", call_type="manual", customer_id=c.id))
    new = arrangements.NewArrangement(customer_id=c.id, call_id=call.id, kind="plan", total_amount=Decimal("1234.56"),
                                      payment_method="sms_link", down_payment=Decimal("100.00"), months=6,
                                      instalment_amount=Decimal("189.09"))
    first, created1 = await arrangements.create_arrangement(conn, new)
    second, created2 = await arrangements.create_arrangement(conn, new)
    assert (created1, created2) == (True, False)
    assert first.id == second.id
    assert len(await arrangements.list_for_customer(conn, c.id)) == 1
    other_terms = arrangements.NewArrangement(customer_id=c.id, call_id=call.id, kind="full",
                                              total_amount=Decimal("1234.56"), payment_method="bank_transfer")
    _, created3 = await arrangements.create_arrangement(conn, other_terms)
    assert created3


async def test_negative_balance_is_refused_by_the_database(conn: AsyncConnection) -> None:
    with pytest.raises(psycopg.errors.CheckViolation):
        await conn.execute(
            "INSERT INTO customers (first_name, last_name, phone, account_last_4, postal_code, balance, days_overdue) "
            "VALUES ('A', 'B', '+12125550160', '1234', '10001', -0.01, 3)")
    with pytest.raises(ConstraintError):
        await customers.create_customer(conn, _new_customer(balance=Decimal("-5")))


async def test_tactic_dimension_eleven_is_refused_by_the_database(conn: AsyncConnection) -> None:
    with pytest.raises(psycopg.errors.CheckViolation):
        await conn.execute(
            "INSERT INTO behavioral_tactics (name, archetype, config) VALUES ('too_much', 'custom', "
            "'{\"urgency\": 11, \"empathy\": 5, \"persistence\": 5, \"authority\": 5}')")
    with pytest.raises(ConstraintError):
        await tactics.create_tactic(conn, name="zero", archetype="custom",
                                    config={"urgency": 0, "empathy": 5, "persistence": 5, "authority": 5})


async def test_tactic_edit_bumps_version_and_keeps_history(conn: AsyncConnection) -> None:
    t = await tactics.create_tactic(conn, name="calm", archetype="custom",
                                    config={"urgency": 2, "empathy": 8, "persistence": 4, "authority": 3})
    t2 = await tactics.update_tactic(conn, t.id, config={**t.config, "urgency": 4})
    assert t2.version == 2
    cur = await conn.execute("SELECT version, config->>'urgency' FROM tactic_versions WHERE tactic_id = %s "
                             "ORDER BY version", (t.id,))
    assert await cur.fetchall() == [(1, "2"), (2, "4")]


async def test_compliance_record_is_append_only(conn: AsyncConnection) -> None:
    c = await customers.create_customer(conn, _new_customer())
    event = await compliance_records.record_event(conn, category="disclosure", code="mini_miranda", customer_id=c.id)
    attempt = await compliance_records.record_attempt(conn, customer_id=c.id, phone=c.phone, purpose="collection",
                                                      source="manual", decision="deny", reason_code="outside_hours")
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
        await conn.execute("UPDATE compliance_events SET code = 'edited' WHERE id = %s", (event.id,))
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
        await conn.execute("DELETE FROM contact_attempts WHERE id = %s", (attempt.id,))
    # The application role has no UPDATE/DELETE grant either.
    cur = await conn.execute("SELECT has_table_privilege('archer_app', 'compliance_events', 'UPDATE'), "
                             "has_table_privilege('archer_app', 'compliance_events', 'INSERT')")
    assert await cur.fetchone() == (False, True)


async def test_allowed_attempt_must_carry_the_allowed_reason(conn: AsyncConnection) -> None:
    c = await customers.create_customer(conn, _new_customer())
    with pytest.raises(ConstraintError):
        await compliance_records.record_attempt(conn, customer_id=c.id, phone=c.phone, purpose="collection",
                                                source="manual", decision="allow", reason_code="outside_hours")


async def test_seed_is_idempotent_and_has_the_four_tactics(seeded: AsyncConnection) -> None:
    from shared.db.seed import seed

    again = await seed(seeded)
    assert again["customers_created"] == 0
    configs = {t.name: t.config for t in await tactics.list_tactics(seeded)}
    assert configs == {
        "aggressive_anchor": {"urgency": 8, "empathy": 2, "persistence": 9, "authority": 7},
        "empathetic_gradual": {"urgency": 3, "empathy": 9, "persistence": 5, "authority": 4},
        "balanced_progression": {"urgency": 5, "empathy": 6, "persistence": 7, "authority": 6},
        "stern": {"urgency": 7, "empathy": 3, "persistence": 6, "authority": 9},
    }
    assert all(t.version == 1 for t in await tactics.list_tactics(seeded))
    cur = await seeded.execute("SELECT count(*), count(*) FILTER (WHERE country = 'CA'), count(DISTINCT timezone), "
                               "count(cease_requested_at), count(attorney_at) FROM customers")
    total, canadian, zones, cease, attorney = await cur.fetchone()  # type: ignore[misc]
    assert total >= 20 and canadian >= 1 and zones >= 5 and cease == 1 and attorney == 1
    assert len(await compliance_records.list_dnc(seeded)) == 1
