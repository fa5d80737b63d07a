"""CallControl for runs with no Twilio account (`make dev` on embedded defaults, keyless demos).

Nothing is sent or dialed: each SMS is recorded in `messages` with status 'not_sent' so the arrangement and
the customer's timeline stay truthful, and transfers/hang-ups are only logged.
"""
from __future__ import annotations

import logging
import uuid

from psycopg_pool import AsyncConnectionPool

from shared.pii import mask_phone
from shared.telephony.messages import record_message

log = logging.getLogger("archer.telephony.offline")


class OfflineCallControl:
    """Records what would have been sent; used only when TWILIO_ACCOUNT_SID is unset."""

    def __init__(self, pool: AsyncConnectionPool) -> None:
        self._pool = pool

    async def send_sms(self, *, to: str, body: str, call_id: uuid.UUID | None, customer_id: uuid.UUID | None) -> str:
        sid = f"SMoffline{uuid.uuid4().hex[:25]}"
        async with self._pool.connection() as conn:
            await record_message(conn, direction="outbound", phone=to, body=body, status="not_sent",
                                 message_sid=sid, customer_id=customer_id, call_id=call_id)
        log.info("sms not sent (Twilio not configured)", extra={"to": mask_phone(to), "call_id": str(call_id)})
        return sid

    async def transfer(self, *, call_sid: str, to_number: str, whisper: str) -> None:
        log.info("transfer not placed (Twilio not configured)", extra={"to": mask_phone(to_number)})

    async def hangup(self, *, call_sid: str) -> None:
        log.info("hang-up not sent (Twilio not configured)")
