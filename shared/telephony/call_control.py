"""CallControl: what the engine's tools may do to a live call and to the customer's phone, host-agnostic.

Implemented over the twilio SDK in shared/telephony (pointed at TWILIO_API_BASE in tests); simulated calls
use the same implementation for SMS and record transfers/hang-ups without a live call.
"""
from __future__ import annotations

import uuid
from typing import Protocol


class CallControl(Protocol):
    async def send_sms(self, *, to: str, body: str, call_id: uuid.UUID | None, customer_id: uuid.UUID | None) -> str:
        """Send an SMS (recorded in `messages`); return the message SID."""
        ...

    async def transfer(self, *, call_sid: str, to_number: str, whisper: str) -> None:
        """Redirect the live call to <Dial> to_number, with a whisper/context note for the human."""
        ...

    async def hangup(self, *, call_sid: str) -> None:
        """End the live call (status=completed)."""
        ...
