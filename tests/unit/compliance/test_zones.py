"""Which zones calling hours must hold in: the recorded one, else every zone the number, state or postal code allow."""
from __future__ import annotations

from shared.compliance.zones import customer_jurisdictions, customer_zones


def test_a_recorded_zone_wins() -> None:
    assert customer_zones("America/Denver", "+12125550100", "10001", "US", "NY") == ("America/Denver",)


def test_an_invalid_recorded_zone_falls_back_to_the_number_and_address() -> None:
    assert customer_zones("Mars/Olympus", "+12125550100", "10001", "US", "NY") == ("America/New_York",)


def test_unknown_zone_unions_the_number_and_the_postal_code() -> None:
    # A New York mobile number for someone living in Dallas: both must be in calling hours - but not every zone
    # of Texas (Readings of COMPLIANCE §1: never zones from broad state tables).
    assert set(customer_zones(None, "+12125550100", "75201", "US", "TX")) == {"America/New_York", "America/Chicago"}


def test_without_a_state_the_postal_code_is_used() -> None:
    assert set(customer_zones(None, "+13125550104", "60601", "US", None)) >= {"America/Chicago"}
    assert "America/Vancouver" in customer_zones(None, "+16045550117", "V6B 1A1", "CA", None)


def test_a_toll_free_number_with_no_address_clue_spans_the_continent() -> None:
    zones = customer_zones(None, "+18005550100", "", "US", None)
    assert {"America/New_York", "America/Los_Angeles", "Pacific/Honolulu"} <= set(zones)


def test_postal_codes_and_area_codes_resolve_from_the_generated_table() -> None:
    from shared.compliance import zones

    header = zones.LOCATIONS_FILE.read_text(encoding="utf-8").splitlines()[:3]
    assert any("Built 20" in line and "zipcodes" in line and "phonenumbers" in line for line in header)
    assert zones.postal_place("86515") == zones.postal_place("86515-0001")
    assert zones.postal_place("86515") is not None and zones.postal_place("86515").zones == ("America/Denver",)
    assert zones.postal_place("g4t 1a1") is not None and zones.postal_place("G4T").jurisdiction == "CA-QC"
    assert zones.postal_place("ABCDE") is None and zones.postal_place("") is None
    assert set(zones.area_code_zones("928")) == {"America/Denver", "America/Phoenix"}   # the whole area code
    assert zones.area_code_jurisdictions("206") == ("US-WA",)


def test_an_empty_state_is_derived_from_postal_code_and_area_code() -> None:
    assert customer_jurisdictions("+16175550100", "02108", "US", None) == ("US-MA",)
    assert customer_jurisdictions("+12065550100", "02108", "US", "") == ("US-MA", "US-WA")   # sources disagree
    assert customer_jurisdictions("+12065550100", "", "US", None) == ("US-WA",)               # area code only
    assert customer_jurisdictions("+12065550100", "02108", "US", "NY") == ("US-NY",)          # recorded wins
