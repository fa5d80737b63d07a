"""What the workflow activities need from compliance and telephony: a pre-dial gate and a dial.

The default implementation calls the pre-dial gate (`shared.compliance.predial`) and the dialer
(`shared.telephony.dialer`); both are imported lazily so planning code and replay tests stay light.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from psycopg import AsyncConnection


@dataclass(frozen=True)
class GateResult:
    allowed: bool
    reason_code: str
    next_allowed_at: datetime | None = None


@dataclass(frozen=True)
class DialResult:
    dialed: bool
    call_id: uuid.UUID | None
    reason_code: str
    next_allowed_at: datetime | None = None


class Dialing(Protocol):
    async def gate(self, conn: AsyncConnection, customer_id: uuid.UUID, *, now: datetime, purpose: str,
                   source: str) -> GateResult: ...

    async def dial(self, conn: AsyncConnection, customer_id: uuid.UUID, *, now: datetime, purpose: str,
                   source: str, campaign_id: uuid.UUID | None = None, callback_id: uuid.UUID | None = None,
                   tactic_id: int | None = None) -> DialResult: ...


class ComplianceDialing:
    """The production wiring: a preview gate (not recorded) and the dialer (gate recorded, then Twilio)."""

    async def gate(self, conn: AsyncConnection, customer_id: uuid.UUID, *, now: datetime, purpose: str,
                   source: str) -> GateResult:
        from shared.compliance import predial
        from shared.db import customers

        customer = await customers.get_customer(conn, customer_id)
        decision: Any = await predial.check(conn, customer, now=now, purpose=purpose, source=source,
                                            record=False)
        return GateResult(bool(decision.allowed), str(decision.reason_code), decision.next_allowed_at)

    async def dial(self, conn: AsyncConnection, customer_id: uuid.UUID, *, now: datetime, purpose: str,
                   source: str, campaign_id: uuid.UUID | None = None, callback_id: uuid.UUID | None = None,
                   tactic_id: int | None = None) -> DialResult:
        from shared.telephony import dialer

        result: Any = await dialer.dial(conn, customer_id, now=now, purpose=purpose, source=source,
                                        campaign_id=campaign_id, callback_id=callback_id, tactic_id=tactic_id)
        return DialResult(bool(result.dialed), result.call_id, str(result.reason_code),
                          getattr(result, "next_allowed_at", None))
