"""What the workflow activities need from compliance and telephony: a pre-dial gate and a dial.

The default implementation calls the pre-dial gate (`shared.compliance.predial`) and the dialer
(`shared.telephony.dialer`); both are imported lazily so planning code and replay tests stay light.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, cast

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
                   source: str, callback_id: uuid.UUID | None = None) -> GateResult: ...

    async def dial(self, conn: AsyncConnection, customer_id: uuid.UUID, *, now: datetime, purpose: str,
                   source: str, campaign_id: uuid.UUID | None = None, callback_id: uuid.UUID | None = None,
                   tactic_id: int | None = None) -> DialResult: ...


class TransientDialError(Exception):
    """Twilio failed without placing a call: raised so the activity's retry options try again."""


class ComplianceDialing:
    """The production wiring: a preview gate (not recorded) and the dialer (gate recorded, then Twilio).

    `dialer` is a `shared.telephony.dialer.Dialer`; by default the dialer module's process-wide one.
    """

    def __init__(self, dialer: Any | None = None) -> None:
        self._dialer = dialer

    async def gate(self, conn: AsyncConnection, customer_id: uuid.UUID, *, now: datetime, purpose: str,
                   source: str, callback_id: uuid.UUID | None = None) -> GateResult:
        from shared.compliance import predial
        from shared.db import customers

        customer = await customers.get_customer(conn, customer_id)
        decision = await predial.check(conn, customer, now=now, purpose=cast(Any, purpose),
                                       source=cast(Any, source), record=False, callback_id=callback_id)
        return GateResult(decision.allowed, decision.reason_code, decision.next_allowed_at)

    async def dial(self, conn: AsyncConnection, customer_id: uuid.UUID, *, now: datetime, purpose: str,
                   source: str, campaign_id: uuid.UUID | None = None, callback_id: uuid.UUID | None = None,
                   tactic_id: int | None = None) -> DialResult:
        from shared.db import customers
        from shared.telephony import dialer

        if self._dialer is None:
            result = await dialer.dial(conn, customer_id, now=now, purpose=purpose, source=source,
                                       campaign_id=campaign_id, callback_id=callback_id, tactic_id=tactic_id)
        else:
            request = dialer.DialRequest(customer=await customers.get_customer(conn, customer_id),
                                         call_type=cast(Any, source), purpose=cast(Any, purpose),
                                         tactic_id=tactic_id, campaign_id=campaign_id, callback_id=callback_id)
            result = await self._dialer.dial(conn, request, now=now)
        if not result.dialed and not result.denied and result.error is not None:
            raise TransientDialError(f"dial failed: {result.reason_code}")
        return DialResult(result.dialed, result.call_id, result.reason_code, result.next_allowed_at)
