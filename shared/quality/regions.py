"""Caller region from a phone number's area code: the state or province phonenumbers' geocoder names for it."""
from __future__ import annotations

import phonenumbers
from phonenumbers import geocoder

# The geocoder names a US number "City, ST" and a Canadian one by province; one label per state/province.
_NAMES = {
    "Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA", "Colorado": "CO",
    "Connecticut": "CT", "Delaware": "DE", "Florida": "FL", "Georgia": "GA", "Hawaii": "HI", "Idaho": "ID",
    "Illinois": "IL", "Indiana": "IN", "Iowa": "IA", "Kansas": "KS", "Kentucky": "KY", "Louisiana": "LA",
    "Maine": "ME", "Maryland": "MD", "Massachusetts": "MA", "Michigan": "MI", "Minnesota": "MN",
    "Mississippi": "MS", "Missouri": "MO", "Montana": "MT", "Nebraska": "NE", "Nevada": "NV",
    "New Hampshire": "NH", "New Jersey": "NJ", "New Mexico": "NM", "New York": "NY", "North Carolina": "NC",
    "North Dakota": "ND", "Ohio": "OH", "Oklahoma": "OK", "Oregon": "OR", "Pennsylvania": "PA",
    "Rhode Island": "RI", "South Carolina": "SC", "South Dakota": "SD", "Tennessee": "TN", "Texas": "TX",
    "Utah": "UT", "Vermont": "VT", "Virginia": "VA", "Washington": "WA", "Washington D.C.": "DC",
    "West Virginia": "WV", "Wisconsin": "WI", "Wyoming": "WY", "Alberta": "AB", "British Columbia": "BC",
    "Manitoba": "MB", "New Brunswick": "NB", "Newfoundland and Labrador": "NL", "Nova Scotia": "NS",
    "Ontario": "ON", "Prince Edward Island": "PE", "Quebec": "QC", "Saskatchewan": "SK",
    "Northwest Territories": "NT", "Nunavut": "NU", "Yukon": "YT"}
UNKNOWN = "unknown"


def region_of(phone: str | None, fallback: str | None = None) -> str:
    """'US-NY', 'CA-ON', … for an E.164 number; the customer's recorded region (or 'unknown') when the area code
    does not name one."""
    if phone:
        try:
            number = phonenumbers.parse(phone, None)
        except phonenumbers.NumberParseException:
            number = None
        if number is not None:
            country = phonenumbers.region_code_for_number(number) or ""
            place = geocoder.description_for_number(number, "en")
            code = place.rsplit(", ", 1)[1] if ", " in place else _NAMES.get(place, "")
            if country and len(code) == 2:
                return f"{country}-{code}"
            if fallback and country:
                return f"{country}-{fallback}"
    return fallback or UNKNOWN
