"""A Dialing for the workflow tests until the real gate and dialer are merged in (issue-4 predial, issue-5 dialer).

It applies the calling window (08:00-21:00 in the customer's zone) and 7-in-7 with `now` from the driver's
clock, appends contact_attempts, and dials through the REAL twilio SDK against the Twilio REST fake.
"""
from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from psycopg import AsyncConnection

from shared.db import calls, compliance_records, customers
from shared.telephony.twilio_client import TwilioClients
from shared.workflows.dialing import DialResult, GateResult

OPENS, CLOSES, CAP, WINDOW = time(8, 0), time(21, 0), 7, timedelta(days=7)


class StandInDialing:
    def __init__(self, clients: TwilioClients, from_number: str, public_base: str) -> None:
        self.clients, self.from_number, self.public_base = clients, from_number, public_base

    async def gate(self, conn: AsyncConnection, customer_id: uuid.UUID, *, now: datetime, purpose: str,
                   source: str) -> GateResult:
        customer = await customers.get_customer(conn, customer_id)
        local = now.astimezone(ZoneInfo(customer.timezone or "America/New_York"))
        if not OPENS <= local.time() < CLOSES:
            day = local.date() if local.time() < OPENS else local.date() + timedelta(days=1)
            opens = datetime.combine(day, OPENS, tzinfo=local.tzinfo)
            return GateResult(False, "outside_calling_hours", opens)
        cur = await conn.execute(
            "SELECT decided_at FROM contact_attempts WHERE customer_id = %s AND decision = 'allow' "
            "AND decided_at > %s ORDER BY decided_at", (customer_id, now - WINDOW))
        recent = [row[0] for row in await cur.fetchall()]
        if len(recent) >= CAP:
            return GateResult(False, "seven_in_seven", recent[-CAP] + WINDOW)
        return GateResult(True, "allowed")

    async def dial(self, conn: AsyncConnection, customer_id: uuid.UUID, *, now: datetime, purpose: str,
                   source: str, campaign_id: uuid.UUID | None = None, callback_id: uuid.UUID | None = None,
                   tactic_id: int | None = None) -> DialResult:
        gate = await self.gate(conn, customer_id, now=now, purpose=purpose, source=source)
        customer = await customers.get_customer(conn, customer_id)
        attempt = await compliance_records.record_attempt(
            conn, customer_id=customer_id, phone=customer.phone, purpose=purpose, source=source,
            decision="allow" if gate.allowed else "deny", reason_code=gate.reason_code,
            next_allowed_at=gate.next_allowed_at, decided_at=now)
        if not gate.allowed:
            return DialResult(False, None, gate.reason_code, gate.next_allowed_at)
        created = await self.clients.get().calls.create_async(
            to=customer.phone, from_=self.from_number, url=f"{self.public_base}/api/twilio/voice",
            status_callback=f"{self.public_base}/api/twilio/status")
        call = await calls.create_call(conn, calls.NewCall(
            direction="outbound", call_type=source, customer_id=customer_id, call_sid=created.sid,
            status="queued", tactic_id=tactic_id, campaign_id=campaign_id, callback_id=callback_id,
            contact_attempt_id=attempt.id, from_number=self.from_number, to_number=customer.phone))
        return DialResult(True, call.id, "allowed")
