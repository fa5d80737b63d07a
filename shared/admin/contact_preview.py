"""Whether a customer may be called now, as the pre-dial gate would decide it — a preview for the admin UI that
records nothing — with the customer's local time in the zone the gate uses."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from psycopg import AsyncConnection

from shared.compliance import predial
from shared.compliance.zones import customer_zones, zone
from shared.db.customers import Customer


@dataclass(frozen=True)
class ContactPreview:
    allowed: bool
    reason_code: str
    reasons: list[str]            # every rule that refuses the call (empty when allowed)
    next_allowed_at: datetime | None
    local_time: datetime | None   # None when the customer could be in more than one zone
    timezone: str | None


def customer_zone(customer: Customer) -> str | None:
    """The recorded zone, else the only zone the number and address allow; None when several are possible."""
    zones = customer_zones(customer.timezone, customer.phone, customer.postal_code, customer.country,
                           customer.region)
    return zones[0] if len(zones) == 1 else None


async def preview_contact(conn: AsyncConnection, customer: Customer, *, now: datetime) -> ContactPreview:
    """The gate's decision for a manual collection call at `now`, without writing a contact_attempts row."""
    decision = await predial.check(conn, customer, now=now, purpose="collection", source="manual", record=False)
    name = customer_zone(customer)
    local = now.astimezone(zone(name)) if name else None
    return ContactPreview(allowed=decision.allowed, reason_code=decision.reason_code, reasons=list(decision.reasons),
                          next_allowed_at=decision.next_allowed_at, local_time=local, timezone=name)
