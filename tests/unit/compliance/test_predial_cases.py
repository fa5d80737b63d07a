"""Issue #19's illustrative cases as a table (COMPLIANCE §1 with its "Readings"), decided by the gate's in-memory
path; each also checked against the independent reference statement (reference_gate.py)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from shared.compliance import predial
from tests.unit.compliance.reference_gate import Attempt, Case, reference_denials


def at(zone: str, text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


@dataclass(frozen=True)
class Row:
    name: str
    phone: str
    postal: str
    now: datetime
    expected: set[str]                 # every reason that denies; empty = allowed
    country: str = "US"
    region: str | None = None
    timezone: str | None = None
    purpose: str = "collection"
    requested_at: datetime | None = None
    attempts: tuple[predial.PastAttempt, ...] = ()
    conversation: datetime | None = None
    zones: set[str] = field(default_factory=set)          # zones that must be among the decision's
    jurisdictions: set[str] = field(default_factory=set)  # overlays that must be applied


DEN, NY, LA, TO = "America/Denver", "America/New_York", "America/Los_Angeles", "America/Toronto"
FRI = at(DEN, "2026-12-04T08:00:00")   # a Friday, 08:00 MST


def calls(zone: str, *days: str, purpose: str = "collection", asked: datetime | None = None
          ) -> tuple[predial.PastAttempt, ...]:
    return tuple(predial.PastAttempt(at(zone, f"{d}T10:00:00"), purpose, asked) for d in days)  # type: ignore[arg-type]


def quebec(day: str, **kw: object) -> Row:
    return Row(f"Quebec holiday {day}", "+15145550123", "H2X 1Y4", at(TO, f"{day}T10:00:00"),
               {"outside_calling_hours"}, country="CA", region="QC", timezone=TO, **kw)  # type: ignore[arg-type]


def ontario(day: str, expected: set[str]) -> Row:
    return Row(f"Ontario {day}", "+14165550123", "M5V 2T6", at(TO, f"{day}T10:00:00"), expected, country="CA",
               region="ON", timezone=TO)


ROWS = [
    # Requested callbacks: exempt on days 1-7 from the request day only.
    Row("Denver callback asked 8 days earlier, conversation 6 days ago", "+13035550123", "80202", FRI,
        {"recent_conversation"}, region="CO", timezone=DEN, purpose="requested_callback",
        requested_at=FRI - timedelta(days=8), conversation=FRI - timedelta(days=6)),
    Row("Denver callback asked 6 days earlier (day 7), conversation 6 days ago", "+13035550123", "80202", FRI,
        set(), region="CO", timezone=DEN, purpose="requested_callback", requested_at=FRI - timedelta(days=6),
        conversation=FRI - timedelta(days=6)),
    Row("Denver callback asked 7 days earlier (day 8) is an ordinary attempt", "+13035550123", "80202", FRI,
        {"recent_conversation"}, region="CO", timezone=DEN, purpose="requested_callback",
        requested_at=at(DEN, "2026-11-27T20:59:00"), conversation=FRI - timedelta(days=6)),
    Row("past callbacks outside their window count toward 7-in-7", "+13035550123", "80202", FRI,
        {"frequency_cap_7in7"}, region="CO", timezone=DEN,
        attempts=calls(DEN, "2026-11-28", "2026-11-29", "2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03",
                       "2026-12-03", purpose="requested_callback", asked=at(DEN, "2026-11-18T12:00:00"))),
    Row("past callbacks inside their window do not count toward 7-in-7", "+13035550123", "80202", FRI, set(),
        region="CO", timezone=DEN,
        attempts=calls(DEN, "2026-11-28", "2026-11-29", "2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03",
                       "2026-12-03", purpose="requested_callback", asked=at(DEN, "2026-11-28T09:00:00"))),
    # Overlays from the postal code when the state is empty.
    Row("Boston ZIP, empty state, two calls this week", "+16175550123", "02108", at(NY, "2026-06-10T10:00:00"),
        {"state_frequency_cap"}, attempts=calls(NY, "2026-06-08", "2026-06-09"), jurisdictions={"US-MA"}),
    Row("Boston ZIP, empty state, one call this week", "+16175550123", "02108", at(NY, "2026-06-10T10:00:00"),
        set(), attempts=calls(NY, "2026-06-08"), jurisdictions={"US-MA"}),
    Row("Montreal postal code on a Sunday", "+15145550123", "H2X 1Y4", at(TO, "2026-06-14T14:00:00"),
        {"outside_calling_hours"}, country="CA", jurisdictions={"CA-QC"}),
    Row("Seattle ZIP, empty state, three calls in the week", "+12065550123", "98101", at(LA, "2026-06-10T10:00:00"),
        {"state_frequency_cap"}, attempts=calls(LA, "2026-06-04", "2026-06-06", "2026-06-09"),
        jurisdictions={"US-WA"}),
    Row("Boston ZIP with a Seattle number: both overlays", "+12065550123", "02108", at(NY, "2026-06-10T12:00:00"),
        {"state_frequency_cap"}, attempts=calls(NY, "2026-06-08", "2026-06-09"),
        jurisdictions={"US-MA", "US-WA"}),
    # Provincial statutory holidays (holidays calendar, substitute days included).
    quebec("2026-04-03"), quebec("2026-04-06"), quebec("2026-05-18"), quebec("2026-09-07"), quebec("2026-10-12"),
    quebec("2026-06-24"), quebec("2027-03-26"), quebec("2027-03-29"), quebec("2027-05-24"),
    ontario("2026-04-06", {"outside_calling_hours"}), ontario("2026-11-11", {"outside_calling_hours"}),
    ontario("2027-12-27", {"outside_calling_hours"}), ontario("2027-12-28", {"outside_calling_hours"}),
    ontario("2027-12-29", set()), ontario("2026-04-07", set()),
    Row("Quebec ordinary Tuesday", "+15145550123", "H2X 1Y4", at(TO, "2026-04-07T10:00:00"), set(), country="CA",
        region="QC", timezone=TO),
    # Unknown zone: the postal code's own zone and the whole area code's zones.
    Row("Window Rock AZ 21:59 MDT (Navajo Nation keeps DST)", "+19285550123", "86515",
        at(DEN, "2026-07-15T21:59:00"), {"outside_calling_hours"}, zones={"America/Denver", "America/Phoenix"}),
    Row("Window Rock AZ 20:59 MDT", "+19285550123", "86515", at(DEN, "2026-07-15T20:59:00"), set()),
    Row("Creighton SK 20:30 Regina time is 21:30 on Creighton's clock", "+13065550123", "S0P 0A0",
        at("America/Regina", "2026-07-15T20:30:00"), {"outside_calling_hours"}, country="CA",
        zones={"America/Regina", "America/Winnipeg"}),
    Row("Creighton SK 19:30 Regina time", "+13065550123", "S0P 0A0", at("America/Regina", "2026-07-15T19:30:00"),
        set(), country="CA"),
    Row("Magdalen Islands: 19:30 Eastern is 20:30 Atlantic (Quebec ends at 20:00)", "+14185550123", "G4T 1A1",
        at(TO, "2026-07-15T19:30:00"), {"outside_calling_hours"}, country="CA",
        zones={"America/Halifax"}, jurisdictions={"CA-QC"}),
    Row("Montreal 19:30 Eastern", "+15145550123", "H2X 1Y4", at(TO, "2026-07-15T19:30:00"), set(), country="CA"),
    # Not too strict: no zones from whole-state tables or the first ZIP digit.
    Row("Louisville 08:00 EDT", "+15025550123", "40202", at(NY, "2026-07-15T08:00:00"), set()),
    Row("Seattle Sunday 08:52", "+12065550123", "98101", at(LA, "2026-07-12T08:52:00"), set(),
        jurisdictions={"US-WA"}),
]


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_illustrative_case(row: Row) -> None:
    subject = predial.Subject(phone=row.phone, postal_code=row.postal, country=row.country, region=row.region,
                              timezone=row.timezone)
    d = predial.decide(subject, now=row.now, purpose=row.purpose,  # type: ignore[arg-type]
                       history=predial.History(row.attempts, row.conversation), callback_requested_at=row.requested_at)
    assert set(d.reasons) == row.expected
    assert d.allowed is (not row.expected)
    assert row.zones <= set(d.details["zones"])
    assert row.jurisdictions <= set(d.details["jurisdictions"])
    reference = Case(phone=row.phone, postal_code=row.postal, country=row.country, region=row.region,
                     timezone=row.timezone, flags=frozenset(), inconvenient=(), now=row.now, purpose=row.purpose,
                     requested_at=row.requested_at, attempts=tuple(Attempt(a.at, a.purpose, a.callback_requested_at)
                                                                   for a in row.attempts),
                     last_conversation=row.conversation)
    assert reference_denials(reference) == row.expected


def test_a_deny_names_every_rule_that_denies() -> None:
    subject = predial.Subject(phone="+16175550123", postal_code="02108", permanent=("bankruptcy", "dnc_listed"))
    d = predial.decide(subject, now=at(NY, "2026-06-10T07:00:00"),
                       history=predial.History(calls(NY, "2026-06-08", "2026-06-09"), at(NY, "2026-06-09T10:05:00")))
    assert d.reason_code == "bankruptcy" and d.next_allowed_at is None
    assert d.reasons == ("bankruptcy", "dnc_listed", "recent_conversation", "state_frequency_cap",
                         "outside_calling_hours")


def test_next_allowed_time_for_a_callback_scheduler() -> None:
    subject = predial.Subject(phone="+19285550123", postal_code="86515")
    # 21:30 MDT: Window Rock is closed; the next opening holds on both clocks (08:00 in Phoenix = 09:00 MDT).
    when = predial.next_allowed_time(subject, at(DEN, "2026-07-15T21:30:00"))
    assert when == at("America/Phoenix", "2026-07-16T08:00:00")
    assert predial.next_allowed_time(subject, at(DEN, "2026-07-16T12:00:00")) == at(DEN, "2026-07-16T12:00:00")
    # An ordinary attempt after a conversation waits for day 8.
    history = predial.History(last_conversation=at(DEN, "2026-07-15T10:00:00"))
    assert predial.next_allowed_time(subject, at(DEN, "2026-07-16T12:00:00"), history, purpose="collection") == \
        at("America/Phoenix", "2026-07-22T08:00:00")
