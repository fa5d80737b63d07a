"""A recording WorkflowStarter for API tests: remembers every start, signal and cancel; can be told to fail."""
from __future__ import annotations

import uuid
from datetime import datetime


class RecordingStarter:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []
        self.fail = False

    def _note(self, what: str, ident: uuid.UUID, extra: str = "") -> None:
        if self.fail:
            raise ConnectionError("workflow host unreachable")
        self.calls.append((what, str(ident), extra))

    async def start_callback(self, callback_id: uuid.UUID, scheduled_for: datetime) -> str:
        self._note("start_callback", callback_id, scheduled_for.isoformat())
        return f"callback-{callback_id}"

    async def cancel_callback(self, callback_id: uuid.UUID, reason: str) -> None:
        self._note("cancel_callback", callback_id, reason)

    async def start_campaign(self, campaign_id: uuid.UUID) -> str:
        self._note("start_campaign", campaign_id)
        return f"campaign-{campaign_id}"

    async def signal_campaign(self, campaign_id: uuid.UUID, signal: str) -> None:
        self._note("signal_campaign", campaign_id, signal)

    async def notify_call_outcome(self, call_id: uuid.UUID, status: str, outcome: str | None) -> None:
        self._note("notify_call_outcome", call_id, status)
