"""Admins tighten the rules without a code change: a stored override changes decisions, a loosening one is refused,
and both creating and revoking one are audited."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from psycopg import AsyncConnection

from shared.compliance import predial
from shared.compliance.rules import RulesError, add_override, load_overrides, revoke_override

NY = ZoneInfo("America/New_York")
NOON = datetime(2026, 6, 10, 12, 0, tzinfo=NY)
EVENING = datetime(2026, 6, 10, 19, 30, tzinfo=NY)


async def test_a_tighter_window_changes_the_decision(conn: AsyncConnection, make_customer) -> None:
    customer = await make_customer()
    assert (await predial.check(conn, customer, now=EVENING, purpose="collection", source="test", record=False)).allowed
    override = await add_override(conn, jurisdiction="baseline", reason="bank policy: no evening calls",
                                  approved_by="Counsel Example", created_by="admin@example.test", now=NOON,
                                  rule={"calling_hours": [{"days": "mon-sun", "start": "09:00", "end": "19:00"}]})
    d = await predial.check(conn, customer, now=EVENING, purpose="collection", source="test")
    assert d.reason_code == "outside_calling_hours"
    assert d.next_allowed_at == datetime(2026, 6, 11, 9, 0, tzinfo=NY)
    assert d.rule_version.endswith(f"+override.{override.id}")

    await revoke_override(conn, override.id, revoked_by="admin@example.test", now=EVENING)
    assert await load_overrides(conn, EVENING) == ()
    cur = await conn.execute("SELECT action FROM audit_log WHERE resource_type = 'compliance_rule_override' ORDER BY id")
    assert [r[0] for r in await cur.fetchall()] == ["compliance_rule_override.create",
                                                    "compliance_rule_override.revoke"]


async def test_a_state_override_adds_a_cap_where_there_was_none(conn: AsyncConnection, make_customer) -> None:
    customer = await make_customer(region="NY")
    await add_override(conn, jurisdiction="US-NY", rule={"attempts_per_7_days": 0}, reason="suspend NY calls",
                       approved_by="Counsel Example", created_by="admin@example.test", now=NOON)
    d = await predial.check(conn, customer, now=NOON, purpose="collection", source="test")
    assert (d.reason_code, d.next_allowed_at) == ("state_frequency_cap", None)


@pytest.mark.parametrize(("jurisdiction", "rule"), [
    ("baseline", {"calling_hours": [{"days": "mon-sun", "start": "07:00", "end": "21:00"}]}),
    ("US-MA", {"attempts_per_7_days": 5}),
    ("baseline", {"conversation_wait_days": 1}),
    ("Massachusetts", {"attempts_per_7_days": 1}),
    ("baseline", {"attempts_per_7_days": "many"}),
])
async def test_a_loosening_or_malformed_override_is_refused(conn: AsyncConnection, jurisdiction: str,
                                                            rule: dict[str, object]) -> None:
    with pytest.raises(RulesError):
        await add_override(conn, jurisdiction=jurisdiction, rule=rule, reason="try", approved_by="x",
                           created_by="admin@example.test", now=NOON)
    cur = await conn.execute("SELECT count(*) FROM compliance_rule_overrides")
    assert (await cur.fetchone()) == (0,)


async def test_a_zero_baseline_cap_stops_even_a_customer_never_called(conn: AsyncConnection, make_customer) -> None:
    customer = await make_customer()
    await add_override(conn, jurisdiction="baseline", rule={"attempts_per_7_days": 0}, reason="incident freeze",
                       approved_by="Counsel Example", created_by="admin@example.test", now=NOON)
    out = await predial.check_batch(conn, [customer.id], now=NOON, purpose="collection", source="campaign")
    assert (out[customer.id].reason_code, out[customer.id].next_allowed_at) == ("frequency_cap_7in7", None)


async def test_an_override_with_an_unknown_holiday_calendar_is_refused(conn: AsyncConnection) -> None:
    with pytest.raises(RulesError, match="holidays"):
        await add_override(conn, jurisdiction="CA-ON", rule={"holidays": {"country": "CA", "subdiv": "ZZ"}},
                           reason="test", approved_by="counsel", created_by="admin", now=NOON)
