"""The report's caller region comes from the gate's own area-code table."""
from __future__ import annotations

from shared.quality.regions import UNKNOWN, region_of


def test_area_codes_name_their_state_or_province() -> None:
    assert region_of("+12065550100") == "US-WA"          # the geocoder copy this replaced said 'unknown' here
    assert region_of("+14165550100") == "CA-ON"
    assert region_of("+12125550101", "NY") == "US-NY"


def test_an_unknown_area_code_falls_back_to_the_recorded_region() -> None:
    assert region_of("+18005550100") == UNKNOWN           # toll-free: no place
    assert region_of("+18005550100", "qc") == "CA-QC"
    assert region_of(None, None) == UNKNOWN
