"""The pre-dial gate, case by case (COMPLIANCE §5): hours at the edges and on DST days, unknown zones, 7-in-7,
the wait after a conversation, requested callbacks, every state overlay, flags, DNC and consent."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from psycopg import AsyncConnection

from shared.compliance import predial
from shared.db import callbacks, calls, compliance_records, customers

NY = ZoneInfo("America/New_York")


def ny(text: str) -> datetime:
    """A New York wall-clock time as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=NY)


def at(zone: str, text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


async def decide(conn: AsyncConnection, customer: customers.Customer, now: datetime, **kw: Any
                 ) -> predial.PredialDecision:
    kw.setdefault("purpose", "collection")
    kw.setdefault("source", "test")
    return await predial.check(conn, customer, now=now, **kw)


async def allowed_attempts(conn: AsyncConnection, customer: customers.Customer, times: list[datetime],
                           purpose: str = "collection", requested_at: datetime | None = None) -> None:
    for t in times:
        await compliance_records.record_attempt(conn, customer_id=customer.id, phone=customer.phone, purpose=purpose,
                                                source="campaign", decision="allow", reason_code="allowed",
                                                decided_at=t, callback_requested_at=requested_at)


async def conversation(conn: AsyncConnection, customer: customers.Customer, when: datetime,
                       direction: str = "outbound") -> None:
    call = await calls.create_call(conn, calls.NewCall(direction=direction, call_type="inbound" if direction ==
                                                       "inbound" else "manual", customer_id=customer.id))
    await calls.update_call(conn, call.id, conversation_at=when, verified=True)


# ---- calling hours --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("local", "expected"), [
    ("2026-06-10T07:59:00", "outside_calling_hours"),
    ("2026-06-10T08:00:00", "allowed"),
    ("2026-06-10T20:59:00", "allowed"),
    ("2026-06-10T21:00:00", "outside_calling_hours"),
    # DST spring-forward (2026-03-08) and fall-back (2026-11-01) in America/New_York.
    ("2026-03-08T07:59:00", "outside_calling_hours"),
    ("2026-03-08T08:00:00", "allowed"),
    ("2026-03-08T20:59:00", "allowed"),
    ("2026-03-08T21:00:00", "outside_calling_hours"),
    ("2026-11-01T07:59:00", "outside_calling_hours"),
    ("2026-11-01T08:00:00", "allowed"),
    ("2026-11-01T20:59:00", "allowed"),
    ("2026-11-01T21:00:00", "outside_calling_hours"),
])
async def test_calling_hours_in_the_consumers_zone(conn: AsyncConnection, make_customer, local: str,
                                                   expected: str) -> None:
    d = await decide(conn, await make_customer(), ny(local))
    assert d.reason_code == expected
    assert d.allowed is (expected == "allowed")


async def test_dst_days_use_the_offset_in_force_that_morning(conn: AsyncConnection, make_customer) -> None:
    customer = await make_customer()
    # 12:00 UTC is 08:00 EDT after spring-forward but 07:00 EST the day before.
    assert (await decide(conn, customer, datetime(2026, 3, 8, 12, 0, tzinfo=UTC))).allowed
    assert not (await decide(conn, customer, datetime(2026, 3, 7, 12, 0, tzinfo=UTC))).allowed
    # 12:30 UTC is 07:30 EST after fall-back: still too early; 13:00 UTC is 08:00 EST.
    assert not (await decide(conn, customer, datetime(2026, 11, 1, 12, 30, tzinfo=UTC))).allowed
    assert (await decide(conn, customer, datetime(2026, 11, 1, 13, 0, tzinfo=UTC))).allowed


@pytest.mark.parametrize(("local", "opens"), [
    ("2026-06-10T07:59:00", "2026-06-10T08:00:00"),
    ("2026-06-10T21:00:00", "2026-06-11T08:00:00"),
    ("2026-03-08T07:00:00", "2026-03-08T08:00:00"),
    ("2026-10-31T22:00:00", "2026-11-01T08:00:00"),
])
async def test_outside_hours_names_the_next_opening(conn: AsyncConnection, make_customer, local: str,
                                                    opens: str) -> None:
    d = await decide(conn, await make_customer(), ny(local))
    assert d.next_allowed_at == ny(opens)
    assert d.next_allowed_at is not None and d.next_allowed_at.utcoffset() == ny(opens).utcoffset()


async def test_unknown_zone_must_be_allowed_in_every_possible_zone(conn: AsyncConnection, make_customer) -> None:
    # No recorded zone: an Indianapolis (Eastern) number for someone at a Gary, Indiana (Central) ZIP.
    # (Readings of §1: the postal code's own zone and the whole area code's zones, not the whole state's.)
    customer = await make_customer(timezone=None, phone="+13175550111", postal_code="46402", region="IN")
    early_central = ny("2026-06-10T08:30:00")   # 07:30 in Chicago
    d = await decide(conn, customer, early_central)
    assert d.reason_code == "outside_calling_hours"
    assert d.next_allowed_at == at("America/Chicago", "2026-06-10T08:00:00")
    assert "America/Chicago" in d.details["zones"] and "America/New_York" in d.details["zones"]
    late_eastern = at("America/Chicago", "2026-06-10T20:30:00")   # 21:30 in New York
    assert (await decide(conn, customer, late_eastern)).reason_code == "outside_calling_hours"
    assert (await decide(conn, customer, ny("2026-06-10T12:00:00"))).allowed


async def test_unknown_zone_on_a_west_coast_number(conn: AsyncConnection, make_customer) -> None:
    customer = await make_customer(timezone=None, phone="+14155550123", postal_code="94105", region="CA")
    assert not (await decide(conn, customer, ny("2026-06-10T10:00:00"))).allowed   # 07:00 in San Francisco
    assert (await decide(conn, customer, ny("2026-06-10T11:00:00"))).allowed


async def test_consumer_stated_inconvenient_time_is_honored(conn: AsyncConnection, make_customer) -> None:
    customer = await make_customer(inconvenient_times=[{"days": "mon-fri", "start": "09:00", "end": "17:00"}])
    d = await decide(conn, customer, ny("2026-06-10T10:00:00"))
    assert d.reason_code == "inconvenient_time" and d.next_allowed_at == ny("2026-06-10T17:00:00")
    assert (await decide(conn, customer, ny("2026-06-10T08:30:00"))).allowed
    assert (await decide(conn, customer, ny("2026-06-13T10:00:00"))).allowed   # Saturday


# ---- 7-in-7 and the wait after a conversation -----------------------------------------------------------------
async def test_eighth_attempt_in_seven_days_is_denied(conn: AsyncConnection, make_customer) -> None:
    customer = await make_customer()
    await allowed_attempts(conn, customer, [ny(f"2026-06-{day:02d}T10:00:00") for day in range(4, 11)])
    d = await decide(conn, customer, ny("2026-06-10T15:00:00"))
    assert d.reason_code == "frequency_cap_7in7"
    assert d.next_allowed_at == ny("2026-06-11T08:00:00")   # the June 4 attempt leaves the window
    assert (await decide(conn, customer, ny("2026-06-11T08:00:00"))).allowed


async def test_seventh_attempt_in_seven_days_is_allowed(conn: AsyncConnection, make_customer) -> None:
    customer = await make_customer()
    await allowed_attempts(conn, customer, [ny(f"2026-06-{day:02d}T10:00:00") for day in range(5, 11)])
    assert (await decide(conn, customer, ny("2026-06-10T15:00:00"))).allowed


async def test_allowed_decisions_count_as_attempts(conn: AsyncConnection, make_customer) -> None:
    customer = await make_customer()
    results = [await decide(conn, customer, ny(f"2026-06-10T{9 + i:02d}:00:00")) for i in range(8)]
    assert [r.allowed for r in results] == [True] * 7 + [False]
    rows = await compliance_records.attempts_for_customer(conn, customer.id)
    assert len(rows) == 8 and rows[0].decision == "deny" and rows[0].reason_code == "frequency_cap_7in7"
    assert rows[0].next_allowed_at == ny("2026-06-17T08:00:00")   # all seven were on June 10


async def test_denied_and_previewed_decisions_do_not_count(conn: AsyncConnection, make_customer) -> None:
    customer = await make_customer()
    for _ in range(10):
        await decide(conn, customer, ny("2026-06-10T07:00:00"))            # denied: outside hours
        await decide(conn, customer, ny("2026-06-10T12:00:00"), record=False)
    assert (await decide(conn, customer, ny("2026-06-10T12:00:00"))).allowed
    assert len(await compliance_records.attempts_for_customer(conn, customer.id)) == 11


async def test_requested_callbacks_are_excluded_from_the_count(conn: AsyncConnection, make_customer) -> None:
    customer = await make_customer()
    # Asked for on June 4 (day 1): the callbacks of June 4-10 are all inside the exemption window.
    await allowed_attempts(conn, customer, [ny(f"2026-06-{day:02d}T10:00:00") for day in range(4, 11)],
                           purpose="requested_callback", requested_at=ny("2026-06-04T09:00:00"))
    assert (await decide(conn, customer, ny("2026-06-10T15:00:00"))).allowed


async def test_requested_callback_is_allowed_over_the_cap_and_after_a_conversation(conn: AsyncConnection,
                                                                                   make_customer) -> None:
    customer = await make_customer()
    await allowed_attempts(conn, customer, [ny(f"2026-06-{day:02d}T10:00:00") for day in range(4, 11)])
    await conversation(conn, customer, ny("2026-06-10T10:05:00"))
    assert not (await decide(conn, customer, ny("2026-06-10T15:00:00"), record=False)).allowed
    asked = ny("2026-06-10T10:06:00")
    d = await decide(conn, customer, ny("2026-06-10T15:00:00"), purpose="requested_callback", source="callback",
                     callback_requested_at=asked)
    assert d.allowed
    # ...but calling hours still apply.
    late = await decide(conn, customer, ny("2026-06-10T21:30:00"), purpose="requested_callback", source="callback",
                        callback_requested_at=asked)
    assert late.reason_code == "outside_calling_hours"


@pytest.mark.parametrize(("days_after", "expected"), [(0, "recent_conversation"), (6, "recent_conversation"),
                                                      (7, "allowed")])
async def test_wait_after_a_conversation_counts_its_day_as_day_one(conn: AsyncConnection, make_customer,
                                                                   days_after: int, expected: str) -> None:
    customer = await make_customer()
    await conversation(conn, customer, ny("2026-06-03T18:30:00"))
    d = await decide(conn, customer, ny("2026-06-03T19:00:00") + timedelta(days=days_after))
    assert d.reason_code == expected
    if expected != "allowed":
        assert d.next_allowed_at == ny("2026-06-10T08:00:00")


async def test_a_conversation_on_an_inbound_call_starts_the_wait(conn: AsyncConnection, make_customer) -> None:
    customer = await make_customer()
    await conversation(conn, customer, ny("2026-06-08T11:00:00"), direction="inbound")
    assert (await decide(conn, customer, ny("2026-06-10T11:00:00"))).reason_code == "recent_conversation"
    # ...and the inbound call itself is not an attempt.
    assert await compliance_records.attempts_for_customer(conn, customer.id) != []
    assert (await decide(conn, customer, ny("2026-06-15T11:00:00"))).allowed


# ---- state and provincial overlays ---------------------------------------------------------------------------
async def test_massachusetts_allows_two_calls_per_seven_days(conn: AsyncConnection, make_customer) -> None:
    customer = await make_customer(region="MA", postal_code="02108", phone="+16175550123")
    await allowed_attempts(conn, customer, [ny("2026-06-08T10:00:00"), ny("2026-06-09T10:00:00")])
    d = await decide(conn, customer, ny("2026-06-10T10:00:00"))
    assert d.reason_code == "state_frequency_cap" and d.next_allowed_at == ny("2026-06-15T08:00:00")
    assert d.details["jurisdictions"] == ["baseline", "US-MA"]
    assert (await decide(conn, customer, ny("2026-06-15T08:00:00"))).allowed


async def test_massachusetts_second_call_is_allowed(conn: AsyncConnection, make_customer) -> None:
    customer = await make_customer(region="MA", postal_code="02108", phone="+16175550124")
    await allowed_attempts(conn, customer, [ny("2026-06-08T10:00:00")])
    assert (await decide(conn, customer, ny("2026-06-10T10:00:00"))).allowed


async def test_washington_allows_three_contacts_per_week(conn: AsyncConnection, make_customer) -> None:
    customer = await make_customer(region="WA", postal_code="98101", phone="+12065550123",
                                   timezone="America/Los_Angeles")
    la = "America/Los_Angeles"
    await allowed_attempts(conn, customer, [at(la, "2026-06-08T10:00:00"), at(la, "2026-06-09T10:00:00")])
    assert (await decide(conn, customer, at(la, "2026-06-10T10:00:00"))).allowed
    assert (await decide(conn, customer, at(la, "2026-06-10T12:00:00"))).reason_code == "state_frequency_cap"
    # Washington's 07:30 start is looser than the federal 08:00: the stricter federal hour wins.
    assert (await decide(conn, customer, at(la, "2026-06-17T07:45:00"))).reason_code == "outside_calling_hours"


@pytest.mark.parametrize("province", ["ON", "BC"])
async def test_ontario_and_bc_sunday_afternoon_only(conn: AsyncConnection, make_customer, province: str) -> None:
    zone = "America/Toronto" if province == "ON" else "America/Vancouver"
    customer = await make_customer(country="CA", region=province, timezone=zone,
                                   postal_code="M5V 2T6" if province == "ON" else "V6B 1A1")
    sunday_morning = await decide(conn, customer, at(zone, "2026-06-14T12:59:00"))
    assert sunday_morning.reason_code == "outside_calling_hours"
    assert sunday_morning.next_allowed_at == at(zone, "2026-06-14T13:00:00")
    assert (await decide(conn, customer, at(zone, "2026-06-14T16:59:00"))).allowed
    assert (await decide(conn, customer, at(zone, "2026-06-14T17:00:00"))).reason_code == "outside_calling_hours"
    assert (await decide(conn, customer, at(zone, "2026-06-13T08:00:00"))).allowed   # Saturday
    assert (await decide(conn, customer, at(zone, "2026-06-10T20:59:00"))).allowed


@pytest.mark.parametrize("province", ["ON", "BC"])
async def test_ontario_and_bc_statutory_holiday(conn: AsyncConnection, make_customer, province: str) -> None:
    zone = "America/Toronto" if province == "ON" else "America/Vancouver"
    customer = await make_customer(country="CA", region=province, timezone=zone)
    d = await decide(conn, customer, at(zone, "2026-07-01T10:00:00"))   # Canada Day, a Wednesday
    assert d.reason_code == "outside_calling_hours" and d.next_allowed_at == at(zone, "2026-07-02T08:00:00")


async def test_quebec_monday_to_saturday_eight_to_eight(conn: AsyncConnection, make_customer) -> None:
    zone = "America/Toronto"
    customer = await make_customer(country="CA", region="QC", timezone="America/Toronto", postal_code="H2X 1Y4")
    assert (await decide(conn, customer, at(zone, "2026-06-10T19:59:00"))).allowed
    late = await decide(conn, customer, at(zone, "2026-06-10T20:00:00"))
    assert late.reason_code == "outside_calling_hours" and late.next_allowed_at == at(zone, "2026-06-11T08:00:00")
    sunday = await decide(conn, customer, at(zone, "2026-06-14T14:00:00"))
    assert sunday.reason_code == "outside_calling_hours" and sunday.next_allowed_at == at(zone, "2026-06-15T08:00:00")


async def test_a_state_without_an_overlay_gets_the_baseline(conn: AsyncConnection, make_customer) -> None:
    customer = await make_customer(region="NY")
    await allowed_attempts(conn, customer, [ny(f"2026-06-{day:02d}T10:00:00") for day in range(5, 10)])
    d = await decide(conn, customer, ny("2026-06-10T10:00:00"))
    assert d.allowed and d.details["jurisdictions"] == ["baseline"]


# ---- flags, DNC, consent --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("flag", "reason"), [("cease", "cease_requested"), ("consent_revoked", "consent_revoked"),
                                              ("attorney", "attorney_represented"), ("bankruptcy", "bankruptcy"),
                                              ("dispute", "dispute_hold")])
async def test_flags_deny_without_a_next_time(conn: AsyncConnection, make_customer, flag: str, reason: str) -> None:
    customer = await make_customer()
    await customers.set_flag(conn, customer.id, flag)
    for purpose in ("collection", "requested_callback"):
        d = await decide(conn, customer, ny("2026-06-10T12:00:00"), purpose=purpose)
        assert (d.allowed, d.reason_code, d.next_allowed_at) == (False, reason, None)


async def test_a_resolved_dispute_no_longer_holds(conn: AsyncConnection, make_customer) -> None:
    customer = await make_customer()
    await customers.set_flag(conn, customer.id, "dispute")
    await conn.execute("UPDATE customers SET dispute_resolved_at = now() WHERE id = %s", (customer.id,))
    assert (await decide(conn, customer, ny("2026-06-10T12:00:00"))).allowed


async def test_dnc_hit_is_denied(conn: AsyncConnection, make_customer) -> None:
    customer = await make_customer()
    await compliance_records.add_dnc(conn, customer.phone, source="admin")
    d = await decide(conn, customer, ny("2026-06-10T12:00:00"))
    assert (d.reason_code, d.next_allowed_at) == ("dnc_listed", None)


async def test_no_consent_is_denied(conn: AsyncConnection, make_customer) -> None:
    d = await decide(conn, await make_customer(consent_source=None), ny("2026-06-10T12:00:00"))
    assert d.reason_code == "no_consent"


async def test_permanent_reasons_win_over_temporal_ones(conn: AsyncConnection, make_customer) -> None:
    customer = await make_customer()
    await customers.set_flag(conn, customer.id, "bankruptcy")
    assert (await decide(conn, customer, ny("2026-06-10T03:00:00"))).reason_code == "bankruptcy"


# ---- records and batches --------------------------------------------------------------------------------------
async def test_every_decision_is_recorded_with_its_reason(conn: AsyncConnection, make_customer) -> None:
    customer = await make_customer()
    await decide(conn, customer, ny("2026-06-10T07:00:00"), source="manual")
    await decide(conn, customer, ny("2026-06-10T12:00:00"), source="manual")
    rows = await compliance_records.attempts_for_customer(conn, customer.id)
    assert [(r.decision, r.reason_code, r.source) for r in rows] == [("allow", "allowed", "manual"),
                                                                     ("deny", "outside_calling_hours", "manual")]
    assert rows[1].next_allowed_at == ny("2026-06-10T08:00:00") and rows[1].rule_version
    assert rows[0].decided_at == ny("2026-06-10T12:00:00")


async def test_batch_decides_each_customer_with_one_call(conn: AsyncConnection, make_customer) -> None:
    ok, dnc, no_consent = await make_customer(), await make_customer(), await make_customer(consent_source=None)
    await compliance_records.add_dnc(conn, dnc.phone, source="admin")
    ids = [ok.id, dnc.id, no_consent.id]
    out = await predial.check_batch(conn, ids, now=ny("2026-06-10T12:00:00"), purpose="collection", source="campaign")
    assert {k: v.reason_code for k, v in out.items()} == {ok.id: "allowed", dnc.id: "dnc_listed",
                                                          no_consent.id: "no_consent"}
    cur = await conn.execute("SELECT count(*) FROM contact_attempts WHERE source = 'campaign'")
    assert (await cur.fetchone()) == (3,)


async def test_naive_clock_is_refused(conn: AsyncConnection, make_customer) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        await decide(conn, await make_customer(), datetime(2026, 6, 10, 12, 0))


@pytest.mark.parametrize("bad", [{"purpose": "marketing"}, {"source": "robocall"}])
async def test_unknown_purpose_or_source_is_refused(conn: AsyncConnection, make_customer, bad: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="unknown"):
        await decide(conn, await make_customer(), ny("2026-06-10T12:00:00"), **bad)


# ---- readings of §1 through the database (issue #19) -----------------------------------------------------------
async def test_a_callback_is_gated_with_its_stored_request_time(conn: AsyncConnection, make_customer) -> None:
    den = "America/Denver"
    customer = await make_customer(timezone=den, phone="+13035550142", postal_code="80202", region="CO")
    friday = at(den, "2026-12-04T08:00:00")
    await conversation(conn, customer, friday - timedelta(days=6))
    late = await callbacks.create_callback(conn, customer_id=customer.id, scheduled_for=friday, reason="asked",
                                           requested_at=friday - timedelta(days=8))
    fresh = await callbacks.create_callback(conn, customer_id=customer.id, scheduled_for=friday, reason="asked",
                                            requested_at=friday - timedelta(days=6))
    assert late.requested_at == friday - timedelta(days=8)
    d = await decide(conn, customer, friday, purpose="requested_callback", source="callback", callback_id=late.id)
    assert (d.allowed, d.reason_code) == (False, "recent_conversation")
    d = await decide(conn, customer, friday, purpose="requested_callback", source="callback", callback_id=fresh.id)
    assert d.allowed
    rows = await compliance_records.attempts_for_customer(conn, customer.id)
    assert rows[0].callback_requested_at == friday - timedelta(days=6)
    assert rows[1].reasons == ["recent_conversation"] and rows[1].callback_requested_at == late.requested_at


async def test_past_callbacks_outside_their_window_count_as_attempts(conn: AsyncConnection, make_customer) -> None:
    customer = await make_customer()
    asked = ny("2026-05-25T09:00:00")   # day 8 onwards is June 1
    await allowed_attempts(conn, customer, [ny(f"2026-06-{day:02d}T10:00:00") for day in range(4, 11)],
                           purpose="requested_callback", requested_at=asked)
    d = await decide(conn, customer, ny("2026-06-10T15:00:00"))
    assert d.reason_code == "frequency_cap_7in7"


async def test_every_deny_reason_is_stored_with_the_attempt(conn: AsyncConnection, make_customer) -> None:
    customer = await make_customer(region=None, postal_code="02108", phone="+16175550177")
    await allowed_attempts(conn, customer, [ny("2026-06-08T10:00:00"), ny("2026-06-09T10:00:00")])
    await customers.set_flag(conn, customer.id, "dispute")
    d = await decide(conn, customer, ny("2026-06-10T07:30:00"))
    assert d.reason_code == "dispute_hold"
    assert d.reasons == ("dispute_hold", "state_frequency_cap", "outside_calling_hours")
    row = (await compliance_records.attempts_for_customer(conn, customer.id))[0]
    assert (row.reason_code, row.reasons) == ("dispute_hold", list(d.reasons))
    assert "US-MA" in row.details["jurisdictions"]


async def test_overlay_derived_from_the_postal_code_in_a_batch(conn: AsyncConnection, make_customer) -> None:
    montreal = await make_customer(country="CA", region=None, timezone=None, postal_code="H2X 1Y4",
                                   phone="+15145550178")
    out = await predial.check_batch(conn, [montreal.id], now=at("America/Toronto", "2026-06-14T14:00:00"),
                                    purpose="collection", source="campaign")
    assert out[montreal.id].reason_code == "outside_calling_hours"
    assert out[montreal.id].details["jurisdictions"] == ["baseline", "CA-QC"]


async def test_the_workflow_gate_reads_the_callbacks_request_time(conn: AsyncConnection, make_customer) -> None:
    from shared.workflows.dialing import ComplianceDialing

    customer = await make_customer(phone="+16465550143")
    noon = ny("2026-06-10T12:00:00")
    await conversation(conn, customer, noon - timedelta(days=2))
    old = await callbacks.create_callback(conn, customer_id=customer.id, scheduled_for=noon, reason="",
                                          requested_at=noon - timedelta(days=9))
    new = await callbacks.create_callback(conn, customer_id=customer.id, scheduled_for=noon, reason="",
                                          requested_at=noon - timedelta(days=2))
    gate = ComplianceDialing().gate
    refused = await gate(conn, customer.id, now=noon, purpose="requested_callback", source="callback",
                         callback_id=old.id)
    assert (refused.allowed, refused.reason_code) == (False, "recent_conversation")
    assert (await gate(conn, customer.id, now=noon, purpose="requested_callback", source="callback",
                       callback_id=new.id)).allowed
    # Without a request time a requested callback cannot be shown to be exempt: decided as an ordinary attempt.
    assert not (await gate(conn, customer.id, now=noon, purpose="requested_callback", source="callback")).allowed


async def test_next_allowed_time_from_the_stored_history(conn: AsyncConnection, make_customer) -> None:
    customer = await make_customer(region=None, postal_code="02108", phone="+16175550179", timezone=None)
    await allowed_attempts(conn, customer, [ny("2026-06-08T10:00:00"), ny("2026-06-09T10:00:00")])
    await conversation(conn, customer, ny("2026-06-09T10:02:00"))
    history = await predial.load_history(conn, customer.id, now=ny("2026-06-10T12:00:00"))
    assert len(history.attempts) == 2 and history.last_conversation == ny("2026-06-09T10:02:00")
    # A callback asked for now is exempt from the wait but not from Massachusetts' 2 calls in 7 days.
    assert predial.next_allowed_time(customer, ny("2026-06-10T12:00:00"), history) == ny("2026-06-15T08:00:00")
    # An ordinary attempt also waits out the conversation (day 1 = June 9).
    assert predial.next_allowed_time(customer, ny("2026-06-10T12:00:00"), history, purpose="collection") == \
        ny("2026-06-16T08:00:00")
