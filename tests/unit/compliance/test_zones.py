"""Which zones calling hours must hold in: the recorded one, else every zone the number, state or postal code allow."""
from __future__ import annotations

from shared.compliance.zones import customer_zones


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
