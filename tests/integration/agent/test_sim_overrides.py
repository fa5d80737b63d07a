"""A simulated call's what-if balance and days overdue replace the record's figures for that call only."""
from __future__ import annotations

from decimal import Decimal

from psycopg_pool import AsyncConnectionPool

from shared.agent.brains.rules import RulesBrain
from shared.agent.events import CallStarted
from shared.agent.session import start_session
from shared.db import customers
from shared.settings import Settings
from tests.integration.agent.test_engine import NOW, new_call
from tests.scenarios.harness import RecordingCallControl, RecordingWorkflows


async def _engine(pool: AsyncConnectionPool, settings: Settings, started: CallStarted):  # type: ignore[no-untyped-def]
    return await start_session(pool, started, settings=settings, call_control=RecordingCallControl(),
                               workflows=RecordingWorkflows(), brain=RulesBrain(), clock=lambda: NOW)


async def test_overrides_apply_to_simulations_only_and_leave_the_record(fresh_db: AsyncConnectionPool,
                                                                       rules_settings: Settings) -> None:
    started, customer = await new_call(fresh_db)
    what_if = {"balance": Decimal("99.00"), "days_overdue": 7}
    sim = await _engine(fresh_db, rules_settings, CallStarted(started.call_id, customer.id, started.tactic_name,
                                                              simulated=True, account_overrides=what_if))
    assert (sim.customer.balance, sim.customer.days_overdue) == (Decimal("99.00"), 7)
    await sim.close()
    real = await _engine(fresh_db, rules_settings, CallStarted(started.call_id, customer.id, started.tactic_name,
                                                               simulated=False, account_overrides=what_if))
    assert real.customer.balance == customer.balance  # a real call never takes what-if figures
    await real.close()
    async with fresh_db.connection() as conn:
        stored = await customers.get_customer(conn, customer.id)
    assert (stored.balance, stored.days_overdue) == (customer.balance, customer.days_overdue)
