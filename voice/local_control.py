"""CallControl for local runs without Twilio settings (`make dev`, /sim): SMS is recorded in `messages` with status
`simulated`, transfers and hang-ups are logged. Never used when Twilio is configured or in production."""
from __future__ import annotations

import logging
import uuid
from typing import Any

from shared.pii import mask_phone
from shared.telephony.messages import record_message

log = logging.getLogger(__name__)


class LocalCallControl:
    def __init__(self, pool: Any) -> None:
        self._pool = pool

    async def send_sms(self, *, to: str, body: str, call_id: uuid.UUID | None, customer_id: uuid.UUID | None) -> str:
        sid = f"SM{uuid.uuid4().hex}"
        async with self._pool.connection() as conn:
            await record_message(conn, direction="outbound", phone=to, body=body, status="simulated",
                                 message_sid=sid, customer_id=customer_id, call_id=call_id)
        log.info("sms recorded, not sent (no Twilio configured)", extra={"to": mask_phone(to)})
        return sid

    async def transfer(self, *, call_sid: str, to_number: str, whisper: str) -> None:
        log.info("transfer requested (no Twilio configured)", extra={"to": mask_phone(to_number)})

    async def hangup(self, *, call_sid: str) -> None:
        log.info("hang-up requested (no Twilio configured)")
