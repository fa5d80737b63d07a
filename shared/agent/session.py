"""start_session: the one way a transport (voice pipeline, /sim, tests, demo) gets a ConversationEngine for a call.

    engine = await start_session(pool, started, settings=..., call_control=..., workflows=...)
    async for event in engine.handle(started): ...        # the greeting (the agent speaks first)
    async for event in engine.handle(UserUtterance("...")): ...
    await engine.close()                                  # flushes the write-behind queue
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime

from psycopg_pool import AsyncConnectionPool

from shared.agent.brains.base import Brain
from shared.agent.brains.rules import RulesBrain
from shared.agent.engine import Engine
from shared.agent.events import CallStarted, ConversationEngine
from shared.agent.sandbox import SandboxCallControl, SandboxPool, SandboxWorkflows
from shared.agent.tools.context import NegotiationAdvisor
from shared.db import calls, customers, policies, tactics
from shared.db.customers import Customer
from shared.db.errors import NotFoundError
from shared.db.policies import CollectionPolicy
from shared.db.tactics import Tactic
from shared.settings import Settings
from shared.telephony.call_control import CallControl
from shared.workflows.starter import WorkflowStarter

DEFAULT_TACTIC = "balanced_progression"


def _utcnow() -> datetime:
    return datetime.now(UTC)


def default_brain(settings: Settings) -> tuple[Brain, NegotiationAdvisor | None]:
    """AGENT_BRAIN (default: llm when a key or Azure endpoint is set, else rules)."""
    if settings.brain == "llm":
        from shared.agent.brains.llm import LlmAdvisor, LlmBrain, make_client

        client, model = make_client(settings)
        return LlmBrain(settings, client=client, model=model), LlmAdvisor(client, model, settings.llm_timeout_s)
    return RulesBrain(), None


async def start_session(pool: AsyncConnectionPool, started: CallStarted, *, settings: Settings,
                        call_control: CallControl, workflows: WorkflowStarter, brain: Brain | None = None,
                        advisor: NegotiationAdvisor | None = None,
                        clock: Callable[[], datetime] = _utcnow, sandbox: bool | None = None) -> Engine:
    """Load the call's customer, policy and tactic and build its engine. The call row must exist
    (`started.call_id`); its call SID (if any) is used for live transfers and hang-ups.

    A simulated call runs in the sandbox (shared/agent/sandbox.py): whatever the caller passed, it never sends,
    dials, starts workflows or changes a real customer. Only engine tests that check real effects on a test database
    pass `sandbox=False`."""
    if started.simulated if sandbox is None else sandbox:
        boxed = SandboxPool(pool, started.call_id)
        pool = boxed  # type: ignore[assignment]  # same interface for everything the engine borrows
        call_control = SandboxCallControl(boxed)
        workflows = SandboxWorkflows()
    customer: Customer | None = None
    policy: CollectionPolicy | None = None
    async with pool.connection() as conn:
        call = await calls.get_call(conn, started.call_id)
        if started.customer_id is not None:
            customer = await customers.get_customer(conn, started.customer_id)
            if started.simulated and started.account_overrides:
                overrides = {k: v for k, v in started.account_overrides.items() if k in ("balance", "days_overdue")}
                customer = dataclasses.replace(customer, **overrides)
            policy = await policies.policy_for_customer(conn, customer.policy_id)
        tactic = await _tactic(conn, started.tactic_name)
        if tactic is not None and call.tactic_id is None:
            await calls.update_call(conn, call.id, tactic_id=tactic.id, tactic_version=tactic.version)
    if brain is None:
        brain, default_advisor = default_brain(settings)
        advisor = advisor or default_advisor
    return Engine(started=started, pool=pool, settings=settings, call_control=call_control, workflows=workflows,
                  brain=brain, customer=customer, policy=policy, tactic=tactic, call_sid=call.call_sid, clock=clock,
                  advisor=advisor)


async def _tactic(conn: object, name: str) -> Tactic | None:
    from psycopg import AsyncConnection

    assert isinstance(conn, AsyncConnection)
    for candidate in (name, DEFAULT_TACTIC):
        try:
            return await tactics.get_tactic_by_name(conn, candidate)
        except NotFoundError:
            continue
    return None


def _conforms(engine: Engine) -> ConversationEngine:
    """Static check (mypy): the engine satisfies the transports' ConversationEngine protocol."""
    return engine
