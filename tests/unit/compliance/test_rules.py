"""The rule policy as data: the checked-in file validates, overlays combine strictest-wins, overrides only tighten."""
from __future__ import annotations

from pathlib import Path

import pytest

from shared.compliance import rules
from shared.compliance.rules import RuleOverride, RulesError, RuleSet, check_tightens, combine, load_policy, policy

H8_21 = ((480, 1260),)


def test_checked_in_policy_is_versioned_and_approved() -> None:
    pol = policy()
    assert pol.version and pol.approved_by and pol.effective_date
    assert {"US-MA", "US-WA", "CA-ON", "CA-BC", "CA-QC"} <= set(pol.overlays)


def test_baseline_alone() -> None:
    eff = combine(policy(), "US", "NY")
    assert eff.hours == (H8_21,) * 7 and eff.federal_cap == 7 and eff.state_cap is None
    assert eff.conversation_wait_days == 7 and eff.jurisdictions == ("baseline",)


def test_overlays_combine_strictest_wins() -> None:
    assert combine(policy(), "US", "MA").state_cap == 2
    wa = combine(policy(), "US", "WA")
    assert wa.state_cap == 3 and wa.hours == (H8_21,) * 7      # 07:30 is looser than 08:00
    on = combine(policy(), "CA", "ON")
    assert on.hours[:6] == (H8_21,) * 6 and on.hours[6] == ((780, 1020),)
    qc = combine(policy(), "CA", "QC")
    assert qc.hours[:6] == (((480, 1200),),) * 6 and qc.hours[6] == ()


def test_an_override_only_narrows() -> None:
    override = RuleOverride(1, "US-MA", RuleSet(calling_hours=[{"days": "mon-fri", "start": "09:00", "end": "20:00"}],
                                                attempts_per_7_days=1, no_call_days=["12-24"]), "", "", None)  # type: ignore[arg-type]
    eff = combine(policy(), "US", "MA", (override,))
    assert eff.hours[0] == ((540, 1200),) and eff.hours[5] == ()
    assert eff.state_cap == 1 and "12-24" in eff.no_call_days
    assert combine(policy(), "US", "NY", (override,)).state_cap is None   # not this customer's jurisdiction


@pytest.mark.parametrize("rule", [
    {"calling_hours": [{"days": "mon-sun", "start": "07:00", "end": "21:00"}]},
    {"calling_hours": [{"days": "mon-sun", "start": "08:00", "end": "22:00"}]},
    {"attempts_per_7_days": 8},
    {"conversation_wait_days": 3},
])
def test_a_loosening_override_is_refused(rule: dict[str, object]) -> None:
    with pytest.raises(RulesError):
        check_tightens(combine(policy(), "US", "NY"), RuleSet.model_validate(rule), baseline=True)


@pytest.mark.parametrize("rule", [
    {"calling_hours": [{"days": "mon-fri", "start": "09:00", "end": "20:00"}]},
    {"attempts_per_7_days": 5},
    {"conversation_wait_days": 10},
    {"no_call_days": ["12-24"]},
])
def test_a_tightening_override_is_accepted(rule: dict[str, object]) -> None:
    check_tightens(combine(policy(), "US", "NY"), RuleSet.model_validate(rule), baseline=True)


def test_a_state_override_cannot_exceed_the_state_cap() -> None:
    with pytest.raises(RulesError):
        check_tightens(combine(policy(), "US", "MA"), RuleSet(attempts_per_7_days=3), baseline=False)


def test_day_specs_parse() -> None:
    assert rules.parse_days("mon-sat") == frozenset(range(6))
    assert rules.parse_days("sat-mon") == frozenset({5, 6, 0})
    assert rules.parse_days("mon,wed") == frozenset({0, 2})
    with pytest.raises(ValueError):
        rules.parse_days("funday")


@pytest.mark.parametrize(("mutation", "message"), [
    (('approved_by = "Compliance counsel (placeholder: set before go-live)"', ""), "approved_by"),
    (('end = "21:00" }]\nattempts', 'end = "07:00" }]\nattempts'), "end after"),
    (("[overlays.US-MA]", "[overlays.Massachusetts]"), "COUNTRY-REGION"),
    (('holidays = { country = "CA", subdiv = "QC"', 'no_call_days = ["07-32"]\nholidays = { country = "CA", '
                                                      'subdiv = "QC"'), "day is out of range"),
])
def test_a_malformed_policy_file_is_refused(tmp_path: Path, mutation: tuple[str, str], message: str) -> None:
    text = rules.POLICY_FILE.read_text()
    assert mutation[0] in text
    path = tmp_path / "rules.toml"
    path.write_text(text.replace(mutation[0], mutation[1], 1))
    with pytest.raises(RulesError, match=message):
        load_policy(path)


def test_provincial_overlays_use_the_maintained_holiday_calendar() -> None:
    from datetime import date

    pol = rules.load_policy()
    for key in ("CA-ON", "CA-QC", "CA-BC"):
        combined = rules.combine_all(pol, (key,))
        assert combined.holiday_calendars, key
        assert combined.windows(date(2026, 7, 1)) == (), key          # Canada Day, a Wednesday
        assert combined.windows(date(2026, 7, 2)) != (), key
    ontario = rules.combine_all(pol, ("CA-ON",))
    assert ontario.windows(date(2027, 12, 27)) == ()                   # Christmas (Saturday) observed on Monday
    quebec = rules.combine_all(pol, ("CA-QC",))
    assert quebec.windows(date(2026, 5, 18)) == ()                     # National Patriots' Day
    # Several matching overlays: the strictest of each (Quebec's hours and Ontario's holidays together).
    both = rules.combine_all(pol, ("CA-ON", "CA-QC"))
    assert both.windows(date(2026, 11, 11)) == () and both.windows(date(2026, 6, 14)) == ()
    assert both.windows(date(2026, 6, 15)) == ((8 * 60, 20 * 60),)
    assert both.jurisdictions == ("baseline", "CA-ON", "CA-QC")
