"""Rebuild policy/locations.txt: where a customer could be, from the postal code and the phone's area code.

Run (dev tooling only; the Function app reads just the generated file):

    .venv/bin/python -m shared.compliance.build_locations

Sources (all offline, from the packages in requirements-dev.txt / requirements.txt):
- US ZIP code -> IANA zone and state: PyPI `zipcodes` (its bundled ZIP database; per-ZIP zone, so Window Rock
  86515 is America/Denver - the Navajo Nation keeps daylight time - while the rest of Arizona is Phoenix time).
- Canadian forward sortation area (first 3 characters) -> province: PyPI `countrystatecity-postal-codes`.
  FSA -> zone: the province's zone unless the FSA is listed in CA_FSA_ZONES below (areas on another clock,
  from the provinces' time acts and the IANA tz database's zone comments).
- Area code (NPA) -> zones and states: `phonenumbers` (its carrier time-zone and geocoding data), the union over
  every prefix of the WHOLE area code (mobile numbers move: no exchange-level guess).
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import UTC, datetime
from importlib import metadata, resources
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

OUT = Path(__file__).parent / "policy" / "locations.txt"

CA_PROVINCE_ZONES: dict[str, tuple[str, ...]] = {
    "NL": ("America/St_Johns",), "NS": ("America/Halifax",), "PE": ("America/Halifax",),
    "NB": ("America/Moncton",), "QC": ("America/Toronto",), "ON": ("America/Toronto",),
    "MB": ("America/Winnipeg",), "SK": ("America/Regina",), "AB": ("America/Edmonton",),
    "BC": ("America/Vancouver",), "YT": ("America/Whitehorse",), "NT": ("America/Edmonton",),
    "NU": ("America/Iqaluit",),
}
# FSAs (partly) on another clock than their province's usual one: every zone the area could be in.
CA_FSA_ZONES: dict[str, tuple[str, ...]] = {
    # Labrador (Atlantic time; the south-east coast keeps Newfoundland time)
    "A0K": ("America/St_Johns", "America/Goose_Bay"), "A0P": ("America/Goose_Bay", "America/St_Johns"),
    "A0R": ("America/Goose_Bay",), "A2V": ("America/Goose_Bay",),
    # Quebec: Magdalen Islands (Atlantic); Lower North Shore east of Natashquan (Atlantic, no DST)
    "G4T": ("America/Halifax",), "G0G": ("America/Toronto", "America/Blanc-Sablon"),
    # Ontario west of 90°W keeps Central time (Ignace, in P0T, too); Atikokan keeps Eastern Standard all year
    "P0V": ("America/Winnipeg", "America/Toronto"), "P0W": ("America/Winnipeg",), "P0X": ("America/Winnipeg",),
    "P8N": ("America/Winnipeg",), "P8T": ("America/Winnipeg",), "P9A": ("America/Winnipeg",),
    "P9N": ("America/Winnipeg",), "P0T": ("America/Toronto", "America/Atikokan", "America/Winnipeg"),
    # Saskatchewan: Creighton keeps Central daylight time; Lloydminster and its area keep Alberta (Mountain) time
    "S0P": ("America/Regina", "America/Winnipeg"), "S9V": ("America/Edmonton",),
    "S0M": ("America/Regina", "America/Edmonton"),
    # British Columbia: East Kootenay on Mountain time (Creston on Mountain Standard all year); Peace River
    # region on Mountain Standard all year
    "V0A": ("America/Vancouver", "America/Edmonton"), "V0B": ("America/Edmonton", "America/Creston"),
    "V1A": ("America/Edmonton",), "V1C": ("America/Edmonton",), "V0C": ("America/Dawson_Creek",
                                                                       "America/Fort_Nelson"),
    "V1G": ("America/Dawson_Creek",), "V1J": ("America/Dawson_Creek",),
    # Northwest Territories: Inuvik region; Nunavut: Kitikmeot (Mountain), Kivalliq (Central; Coral Harbour
    # on Eastern Standard), Qikiqtaaluk (Eastern; Resolute on Central)
    "X0E": ("America/Edmonton", "America/Inuvik"), "X0A": ("America/Iqaluit", "America/Resolute"),
    "X0B": ("America/Cambridge_Bay",), "X0C": ("America/Rankin_Inlet", "America/Atikokan"),
}
_REGION_NAMES = {
    "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA", "colorado": "CO",
    "connecticut": "CT", "delaware": "DE", "district of columbia": "DC", "washington d.c.": "DC", "florida": "FL",
    "georgia": "GA", "hawaii": "HI", "idaho": "ID", "illinois": "IL", "indiana": "IN", "iowa": "IA",
    "kansas": "KS", "kentucky": "KY", "louisiana": "LA", "maine": "ME", "maryland": "MD", "massachusetts": "MA",
    "michigan": "MI", "minnesota": "MN", "mississippi": "MS", "missouri": "MO", "montana": "MT", "nebraska": "NE",
    "nevada": "NV", "new hampshire": "NH", "new jersey": "NJ", "new mexico": "NM", "new york": "NY",
    "north carolina": "NC", "north dakota": "ND", "ohio": "OH", "oklahoma": "OK", "oregon": "OR",
    "pennsylvania": "PA", "rhode island": "RI", "south carolina": "SC", "south dakota": "SD", "tennessee": "TN",
    "texas": "TX", "utah": "UT", "vermont": "VT", "virginia": "VA", "washington": "WA",
    "washington state": "WA", "west virginia": "WV", "wisconsin": "WI", "wyoming": "WY", "puerto rico": "PR",
    "alberta": "AB", "british columbia": "BC", "manitoba": "MB", "new brunswick": "NB",
    "newfoundland and labrador": "NL", "newfoundland": "NL", "nova scotia": "NS", "ontario": "ON",
    "prince edward island": "PE", "quebec": "QC", "saskatchewan": "SK", "yukon": "YT",
    "northwest territories": "NT", "nunavut": "NU",
}
_CA_CODES = {"AB", "BC", "MB", "NB", "NL", "NS", "ON", "PE", "QC", "SK", "YT", "NT", "NU"}
_SUFFIX = re.compile(r",\s*([A-Z]{2})$")


def _valid(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return bool(name)


def us_zips() -> list[tuple[str, str, str]]:
    """(zip5, zone, state) for every US ZIP with a valid zone."""
    import zipcodes  # type: ignore[import-not-found,unused-ignore]

    every = zipcodes.list_all()  # type: ignore[no-untyped-call,unused-ignore]
    rows = [(z["zip_code"], z["timezone"], z["state"]) for z in every
            if z["country"] == "US" and re.fullmatch(r"\d{5}", z["zip_code"]) and _valid(z["timezone"])
            and re.fullmatch(r"[A-Z]{2}", z["state"] or "")]
    return sorted(rows)


def ca_fsas() -> list[tuple[str, tuple[str, ...], str]]:
    """(FSA, zones, province) for every Canadian FSA."""
    path = resources.files("countrystatecity_postal_codes") / "data" / "by-country" / "CA" / "postcodes.json"
    rows = json.loads(path.read_text(encoding="utf-8"))
    out = {}
    for r in rows:
        fsa, prov = r["code"].upper(), r["stateCode"].upper()
        if re.fullmatch(r"[A-Z]\d[A-Z]", fsa) and prov in CA_PROVINCE_ZONES:
            out[fsa] = (CA_FSA_ZONES.get(fsa, CA_PROVINCE_ZONES[prov]), prov)
    return [(fsa, zones, prov) for fsa, (zones, prov) in sorted(out.items())]


def _regions(description: str) -> set[str]:
    found = set()
    m = _SUFFIX.search(description)
    if m:
        found.add(m.group(1))
    for part in description.split("/"):
        code = _REGION_NAMES.get(part.strip().lower())
        if code:
            found.add(code)
    return found


def area_codes() -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """(NPA, zones, regions) for every +1 area code of the US and Canada with zone data."""
    from phonenumbers.geodata import GEOCODE_DATA
    from phonenumbers.tzdata import TIMEZONE_DATA

    zones: dict[str, set[str]] = defaultdict(set)
    regions: dict[str, set[str]] = defaultdict(set)
    for prefix, names in TIMEZONE_DATA.items():
        if prefix.startswith("1") and len(prefix) >= 4:
            zones[prefix[1:4]].update(n for n in names if _valid(n))
    for prefix, text in GEOCODE_DATA.items():
        if prefix.startswith("1") and len(prefix) >= 4:
            regions[prefix[1:4]].update(_regions(text.get("en", "")))
    us_ca = set(_REGION_NAMES.values())
    out = []
    for npa in sorted(zones):
        regs = regions.get(npa, set()) & us_ca
        if regs and zones[npa]:
            out.append((npa, tuple(sorted(zones[npa])), tuple(sorted(regs))))
    return out


def render() -> str:
    zips, fsas, npas = us_zips(), ca_fsas(), area_codes()
    names = sorted({z for _, z, _ in zips} | {z for _, zs, _ in fsas for z in zs} | {z for _, zs, _ in npas
                                                                                       for z in zs})
    index = {n: i for i, n in enumerate(names)}
    # US: runs of consecutive known ZIPs with the same (zone, state) become one "first-last" line.
    runs: list[list[str]] = []
    for zip5, zone_name, state in zips:
        if runs and runs[-1][2] == str(index[zone_name]) and runs[-1][3] == state:
            runs[-1][1] = zip5
        else:
            runs.append([zip5, zip5, str(index[zone_name]), state])
    versions = {p: metadata.version(p) for p in ("zipcodes", "countrystatecity-postal-codes", "phonenumbers")}
    lines = [
        "# Where a customer could be: postal code / area code -> IANA zones and state/province.",
        "# GENERATED by `.venv/bin/python -m shared.compliance.build_locations` - do not edit by hand.",
        f"# Built {datetime.now(UTC).date().isoformat()} from " + ", ".join(f"{k} {v}" for k, v in versions.items())
        + " (+ CA_FSA_ZONES in build_locations.py).",
        "# Sections: [zones] index name | [us] first-last zone state (ZIP runs) | [ca] FSA zones province |"
        " [npa] area-code zones regions (zones are comma-separated indexes)",
        "[zones]", *(f"{i} {n}" for i, n in enumerate(names)),
        "[us]", *(f"{a}-{b} {z} {s}" if a != b else f"{a} {z} {s}" for a, b, z, s in runs),
        "[ca]", *(f"{fsa} {','.join(str(index[z]) for z in zs)} {p}" for fsa, zs, p in fsas),
        "[npa]", *(f"{npa} {','.join(str(index[z]) for z in zs)} {','.join(rs)}" for npa, zs, rs in npas),
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
