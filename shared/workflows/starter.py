"""WorkflowStarter: how the engine and the admin API start and cancel durable work, without knowing the host.

Implemented by the Durable Functions client in Azure and by the in-process local driver under `make dev`.
"""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol


class WorkflowStarter(Protocol):
    async def start_callback(self, callback_id: uuid.UUID, scheduled_for: datetime) -> str:
        """Start (or find, deduplicated by the callback id) the callback orchestration; return its instance id."""
        ...

    async def cancel_callback(self, callback_id: uuid.UUID, reason: str) -> None:
        """Raise the cancel event on the callback's orchestration (no-op if it already finished)."""
        ...

    async def start_campaign(self, campaign_id: uuid.UUID) -> str: ...

    async def signal_campaign(self, campaign_id: uuid.UUID, signal: str) -> None:
        """Raise 'pause', 'resume' or 'cancel' on the campaign orchestration."""
        ...

    async def notify_call_outcome(self, call_id: uuid.UUID, status: str, outcome: str | None) -> None:
        """Tell whichever orchestration waits on this call (campaign target, callback) that it finished."""
        ...
