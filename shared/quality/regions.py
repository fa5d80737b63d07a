"""Caller region from a phone number's area code, read from the pre-dial gate's own area-code table
(shared.compliance.zones), so the report and the gate agree on where a number is."""
from __future__ import annotations

from shared.compliance.zones import area_code, area_code_jurisdictions, jurisdiction

UNKNOWN = "unknown"


def region_of(phone: str | None, fallback: str | None = None) -> str:
    """'US-NY', 'CA-ON', … for an E.164 number. An area code that spans several states or provinces gives the
    customer's recorded region when it is one of them (else the first); an unknown area code gives the recorded
    region, else 'unknown'."""
    recorded = jurisdiction(fallback.strip().upper()) if fallback and fallback.strip() else None
    places = area_code_jurisdictions(area_code(phone)) if phone else ()
    if places:
        return recorded if recorded in places else places[0]
    return recorded or UNKNOWN
