"""Phone numbers: parse to E.164 and find the time zones a number could be in (phonenumbers)."""
from __future__ import annotations

import phonenumbers
from phonenumbers import timezone as pn_timezone


class InvalidPhoneError(ValueError):
    """The text is not a valid phone number."""


def to_e164(raw: str, default_region: str = "US") -> str:
    """Normalize '(212) 555-0123', '+1 212 555 0123'... to '+12125550123'; raise InvalidPhoneError otherwise."""
    try:
        parsed = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException:
        raise InvalidPhoneError("not a phone number") from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhoneError("not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def possible_time_zones(e164: str) -> tuple[str, ...]:
    """IANA zones the number's area code could be in (empty when unknown)."""
    zones = pn_timezone.time_zones_for_number(phonenumbers.parse(e164, None))
    return tuple(z for z in zones if z != pn_timezone.UNKNOWN_TIMEZONE)
