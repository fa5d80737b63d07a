"""An inbound caller from an unknown number is identified from what they can give: last four + postal code, and
their name when two accounts share those; same attempt limit, nothing disclosed until verified."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from psycopg_pool import AsyncConnectionPool

from shared.agent.brains.rules import RulesBrain
from shared.agent.events import AgentSpeech, CallStarted, UserUtterance
from shared.agent.session import start_session
from shared.db import calls, customers
from shared.settings import Settings
from tests.scenarios.harness import RecordingCallControl, RecordingWorkflows


async def _twin(pool: AsyncConnectionPool) -> customers.Customer:
    """A second customer with Maria Gonzalez's last four and ZIP (seeded: 4821, 10001)."""
    async with pool.connection() as conn:
        return await customers.create_customer(conn, customers.NewCustomer(
            first_name="Peter", last_name="Quill", phone="+12125550177", account_last_4="4821", postal_code="10001",
            balance=Decimal("333.00"), days_overdue=40, timezone="America/New_York", region="NY",
            consent_source="account_application"))


async def test_two_accounts_sharing_last_four_and_zip_need_the_name(fresh_db: AsyncConnectionPool,
                                                                    rules_settings: Settings) -> None:
    twin = await _twin(fresh_db)
    async with fresh_db.connection() as conn:
        call = await calls.create_call(conn, calls.NewCall(direction="inbound", call_type="simulated",
                                                           customer_id=None, status="in-progress"))
    started = CallStarted(call.id, None, "balanced_progression", direction="inbound", simulated=True)
    engine = await start_session(fresh_db, started, settings=rules_settings, call_control=RecordingCallControl(),
                                 workflows=RecordingWorkflows(), brain=RulesBrain(),
                                 clock=lambda: datetime(2026, 11, 24, 15, 0, tzinfo=UTC))
    spoken: list[str] = []
    for event in (started, UserUtterance("4821 and 10001")):
        spoken += [e.text async for e in engine.handle(event) if isinstance(e, AgentSpeech)]
    assert "$" not in " ".join(spoken) and not engine.state.verified       # nothing disclosed while ambiguous
    spoken += [e.text async for e in engine.handle(UserUtterance("It's Peter Quill.")) if isinstance(e, AgentSpeech)]
    await engine.close()
    assert any("full name" in s for s in spoken)
    assert engine.state.verified and engine.customer is not None and engine.customer.id == twin.id
    assert engine.state.verification_attempts == 1           # the ambiguity did not cost an attempt
    assert any("$333.00" in s for s in spoken)
    async with fresh_db.connection() as conn:
        assert (await calls.get_call(conn, call.id)).customer_id == twin.id
    assert isinstance(twin.id, uuid.UUID)
