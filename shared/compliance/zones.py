"""The time zones a consumer could be in: the customer's recorded zone, else every zone the phone number's area code,
the postal code or the state/province could mean (calling hours must then hold in all of them)."""
from __future__ import annotations

import functools
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.phone import possible_time_zones

_ET, _CT, _MT, _PT = "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"
_AZ, _AK, _HI = "America/Phoenix", "America/Anchorage", "Pacific/Honolulu"
_AT, _NT, _SK = "America/Halifax", "America/St_Johns", "America/Regina"

# US ZIP codes by first digit (a deliberate superset: a wrong extra zone only narrows the calling window).
_ZIP_FIRST_DIGIT: dict[str, tuple[str, ...]] = {
    "0": (_ET, "America/Puerto_Rico"), "1": (_ET,), "2": (_ET,), "3": (_ET, _CT), "4": (_ET, _CT),
    "5": (_CT, _MT), "6": (_CT, _MT), "7": (_CT, _MT), "8": (_MT, _AZ, _PT), "9": (_PT, _AK, _HI, "Pacific/Guam"),
}
# Canadian postal codes by first letter (forward sortation area → province).
_CA_POSTAL_FIRST: dict[str, tuple[str, ...]] = {
    "A": (_NT,), "B": (_AT,), "C": (_AT,), "E": (_AT,), "G": (_ET,), "H": (_ET,), "J": (_ET, _AT),
    "K": (_ET,), "L": (_ET,), "M": (_ET,), "N": (_ET,), "P": (_ET, _CT), "R": (_CT,), "S": (_SK, _CT),
    "T": (_MT,), "V": (_PT, _MT), "X": (_MT, _CT, _ET), "Y": ("America/Whitehorse",),
}
_REGION: dict[str, tuple[str, ...]] = {
    # US states that span zones or are not Eastern; absent states are Eastern only.
    "AL": (_CT,), "AK": (_AK, "America/Adak"), "AZ": (_AZ,), "AR": (_CT,), "CA": (_PT,), "CO": (_MT,),
    "FL": (_ET, _CT), "HI": (_HI,), "ID": (_MT, _PT), "IL": (_CT,), "IN": (_ET, _CT), "IA": (_CT,),
    "KS": (_CT, _MT), "KY": (_ET, _CT), "LA": (_CT,), "MI": (_ET, _CT), "MN": (_CT,), "MS": (_CT,), "MO": (_CT,),
    "MT": (_MT,), "NE": (_CT, _MT), "NV": (_PT,), "NM": (_MT,), "ND": (_CT, _MT), "OK": (_CT,), "OR": (_PT, _MT),
    "SD": (_CT, _MT), "TN": (_ET, _CT), "TX": (_CT, _MT), "UT": (_MT,), "WA": (_PT,), "WI": (_CT,), "WY": (_MT,),
    "PR": ("America/Puerto_Rico",), "GU": ("Pacific/Guam",),
}
_CA_REGION: dict[str, tuple[str, ...]] = {
    "NL": (_NT, _AT), "NS": (_AT,), "PE": (_AT,), "NB": (_AT,), "QC": (_ET, _AT), "ON": (_ET, _CT), "MB": (_CT,),
    "SK": (_SK, _MT), "AB": (_MT,), "BC": (_PT, _MT), "YT": ("America/Whitehorse",), "NT": (_MT,),
    "NU": (_ET, _CT, _MT),
}
_US_ALL = (_ET, _CT, _MT, _AZ, _PT, _AK, _HI)
_CA_ALL = (_NT, _AT, _ET, _CT, _SK, _MT, _PT)


@functools.cache
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _valid(name: str) -> bool:
    try:
        zone(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _postal_zones(country: str, postal_code: str) -> tuple[str, ...]:
    code = postal_code.strip().upper()
    if not code:
        return ()
    if country == "CA":
        return _CA_POSTAL_FIRST.get(code[0], ())
    return _ZIP_FIRST_DIGIT.get(code[0], ()) if code[0].isdigit() else ()


def _region_zones(country: str, region: str | None) -> tuple[str, ...]:
    if not region:
        return ()
    return _CA_REGION.get(region, ()) if country == "CA" else _REGION.get(region, (_ET,))


_PHONE_ZONES: dict[str, tuple[str, ...]] = {}


def _phone_zones(phone: str) -> tuple[str, ...]:
    """Zones of a number (or of its +1 NPA-NXX prefix: the finest granularity of the +1 zone data)."""
    key = phone
    hit = _PHONE_ZONES.get(key)
    if hit is None:
        try:
            hit = possible_time_zones(phone.ljust(12, "0") if phone.startswith("+1") else phone)
        except Exception:  # an unparsable number gives no clue; the other sources still do
            hit = ()
        if len(_PHONE_ZONES) < 100_000:
            _PHONE_ZONES[key] = hit
    return hit


@functools.cache
def _recorded(timezone: str) -> tuple[str, ...] | None:
    return (timezone,) if _valid(timezone) else None


def customer_zones(timezone: str | None, phone: str, postal_code: str, country: str,
                   region: str | None) -> tuple[str, ...]:
    """The zone(s) calling hours must hold in; a recorded zone wins, else the union of every possible one."""
    recorded = _recorded(timezone) if timezone else None
    return recorded or _possible_zones(phone[:8] if phone.startswith("+1") else phone, postal_code[:1], country,
                                       region)


@functools.lru_cache(maxsize=65536)
def _possible_zones(phone_prefix: str, postal_first: str, country: str, region: str | None) -> tuple[str, ...]:
    from_phone = _phone_zones(phone_prefix)
    # The address: its state/province when recorded, else what the postal code's first character can mean.
    address = _region_zones(country, region) or _postal_zones(country, postal_first)
    found = {z for z in (*from_phone, *address) if _valid(z)}
    if not found:
        found = set(_CA_ALL if country == "CA" else _US_ALL)
    return tuple(sorted(found))
