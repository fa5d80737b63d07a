"""Demo data for local runs and tests: the four tactics, a default policy, ~20 customers (`make seed`, idempotent).

Every phone number is in the fictional 555-01XX range; names and accounts are invented.
"""
from __future__ import annotations

import asyncio
import sys
from decimal import Decimal

from psycopg import AsyncConnection

from shared.db import compliance_records, customers, policies, tactics
from shared.settings import SettingsError, get_settings

TACTICS: dict[str, tuple[str, dict[str, int], str]] = {
    "aggressive_anchor": ("aggressive", {"urgency": 8, "empathy": 2, "persistence": 9, "authority": 7},
                          "Opens with the full balance and holds firm before conceding, within policy."),
    "empathetic_gradual": ("empathetic", {"urgency": 3, "empathy": 9, "persistence": 5, "authority": 4},
                           "Listens first, acknowledges hardship, and builds to a plan the customer can keep."),
    "balanced_progression": ("balanced", {"urgency": 5, "empathy": 6, "persistence": 7, "authority": 6},
                             "Moves steadily from full payment to plans, matching the customer's pace."),
    "stern": ("stern", {"urgency": 7, "empathy": 3, "persistence": 6, "authority": 9},
              "Formal and direct about the account status and the options available."),
}

DEFAULT_POLICY = dict(name="standard_consumer", is_default=True, settlement_floor_pct=Decimal("70.00"),
                      settlement_anchor_pct=Decimal("100.00"), negotiation_step_pct=Decimal("5.00"),
                      plan_lengths=[3, 6, 12], max_plan_months=12, min_instalment=Decimal("25.00"),
                      hardship_deferral_days=30, hardship_min_days_overdue=30,
                      approved_by="Compliance Counsel (demo sign-off)")

# first, last, phone, last4, postal, balance, days overdue, tz, country, region, phone type
DEMO_CUSTOMERS: list[tuple[str, str, str, str, str, str, int, str | None, str, str, str]] = [
    ("Maria", "Gonzalez", "+12125550101", "4821", "10001", "1250.00", 45, "America/New_York", "US", "NY", "mobile"),
    ("James", "Whitfield", "+13105550102", "7730", "90012", "3420.50", 62, "America/Los_Angeles", "US", "CA", "mobile"),
    ("Aisha", "Rahman", "+16175550103", "1946", "02108", "890.00", 31, "America/New_York", "US", "MA", "mobile"),
    ("Daniel", "Kowalski", "+13125550104", "5512", "60601", "5100.00", 95, "America/Chicago", "US", "IL", "landline"),
    ("Grace", "Liu", "+12065550105", "3307", "98101", "760.25", 28, "America/Los_Angeles", "US", "WA", "mobile"),
    ("Robert", "Okafor", "+17135550106", "6640", "77002", "2275.00", 120, "America/Chicago", "US", "TX", "mobile"),
    ("Emily", "Nguyen", "+13055550107", "9081", "33130", "1540.80", 54, "America/New_York", "US", "FL", "mobile"),
    ("Carlos", "Mendoza", "+16025550108", "2219", "85004", "4310.00", 75, "America/Phoenix", "US", "AZ", "mobile"),
    ("Hannah", "Schmidt", "+13035550109", "8472", "80202", "615.40", 33, "America/Denver", "US", "CO", "voip"),
    ("Marcus", "Bell", "+14045550110", "3398", "30303", "2980.00", 88, "America/New_York", "US", "GA", "mobile"),
    ("Priya", "Patel", "+19725550111", "7154", "75201", "1875.00", 41, "America/Chicago", "US", "TX", "mobile"),
    ("Thomas", "Brennan", "+12155550112", "4026", "19103", "3650.75", 150, "America/New_York", "US", "PA", "landline"),
    ("Sofia", "Rossi", "+17025550113", "5863", "89101", "940.00", 36, "America/Los_Angeles", "US", "NV", "mobile"),
    ("Kevin", "Yamamoto", "+18085550114", "1207", "96813", "2140.00", 67, "Pacific/Honolulu", "US", "HI", "mobile"),
    ("Olivia", "Tremblay", "+14165550115", "6391", "M5V 2T6", "1320.00", 58, "America/Toronto", "CA", "ON", "mobile"),
    ("Lucas", "Gagnon", "+15145550116", "8830", "H2X 1Y4", "2760.00", 83, "America/Toronto", "CA", "QC", "mobile"),
    ("Chloe", "Wilson", "+16045550117", "2745", "V6B 1A1", "1095.50", 47, "America/Vancouver", "CA", "BC", "mobile"),
    ("Nathan", "Brooks", "+16155550118", "9926", "37203", "480.00", 30, None, "US", "TN", "unknown"),
    ("Isabel", "Ferreira", "+14155550119", "3581", "94103", "6200.00", 110, "America/Los_Angeles", "US", "CA", "mobile"),
    ("Samuel", "Adeyemi", "+16175550120", "7468", "02139", "1725.00", 52, "America/New_York", "US", "MA", "landline"),
]

DNC_PHONE = "+13125550104"       # Daniel Kowalski asked the bank never to call this number
CEASE_PHONE = "+17135550106"     # Robert Okafor said "stop calling me"
ATTORNEY_PHONE = "+12155550112"  # Thomas Brennan is represented by counsel


async def seed(conn: AsyncConnection) -> dict[str, int]:
    """Create or refresh the demo data; running it twice changes nothing the second time."""
    for name, (archetype, config, description) in TACTICS.items():
        await tactics.upsert_tactic(conn, name=name, archetype=archetype, config=config, description=description)
    await policies.upsert_policy(conn, **DEFAULT_POLICY)  # type: ignore[arg-type]
    created = 0
    for first, last, phone, last4, postal, balance, overdue, tz, country, region, ptype in DEMO_CUSTOMERS:
        found = await customers.find_by_phone(conn, phone)
        if found is None:
            found = await customers.create_customer(conn, customers.NewCustomer(
                first_name=first, last_name=last, phone=phone, account_last_4=last4, postal_code=postal,
                balance=Decimal(balance), days_overdue=overdue, timezone=tz, country=country, region=region,
                phone_type=ptype, consent_source="account_application", external_ref=f"DEMO-{last4}"))
            created += 1
        if phone == CEASE_PHONE:
            await customers.set_flag(conn, found.id, "cease")
        if phone == ATTORNEY_PHONE:
            await customers.set_flag(conn, found.id, "attorney", {"firm": "Demo & Partners LLP"})
    await compliance_records.add_dnc(conn, DNC_PHONE, source="consumer_request", reason="demo suppression",
                                     created_by="seed")
    await conn.commit()
    return {"tactics": len(TACTICS), "customers_created": created, "customers": len(DEMO_CUSTOMERS)}


async def _main() -> int:
    url = get_settings().database_url
    if not url:
        raise SettingsError("invalid setting DATABASE_URL: required to seed")
    async with await AsyncConnection.connect(url) as conn:
        counts = await seed(conn)
    print(f"archer: seeded {counts}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(_main()))
    except SettingsError as exc:
        print(f"archer: {exc}", file=sys.stderr)
        sys.exit(2)
