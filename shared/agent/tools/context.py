"""What a tool may use: the call, the customer and policy, the state, settings, telephony and workflows."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from psycopg import AsyncConnection

from shared.agent.state import CallState
from shared.db.customers import Customer
from shared.db.policies import CollectionPolicy
from shared.settings import Settings
from shared.telephony.call_control import CallControl
from shared.workflows.starter import WorkflowStarter


class NegotiationAdvisor(Protocol):
    """Optional structured advice (an LLM); its counter is always clamped to the policy band by the caller."""

    async def advise(self, *, balance: str, floor: str, anchor: str, customer_offer: str,
                     counters_made: int) -> dict[str, Any]: ...


@dataclass
class ToolContext:
    call_id: uuid.UUID
    call_sid: str | None
    simulated: bool
    customer: Customer | None
    policy: CollectionPolicy | None
    state: CallState
    settings: Settings
    call_control: CallControl
    workflows: WorkflowStarter
    clock: Callable[[], datetime]
    db: Callable[[], AbstractAsyncContextManager[AsyncConnection]]
    advisor: NegotiationAdvisor | None = None

    def require_customer(self) -> Customer:
        from shared.agent.tools.registry import ToolRefused

        if self.customer is None:
            raise ToolRefused("no customer is associated with this call")
        return self.customer

    def require_policy(self) -> CollectionPolicy:
        from shared.agent.tools.registry import ToolRefused

        if self.policy is None:
            raise ToolRefused("no collection policy is configured")
        return self.policy
