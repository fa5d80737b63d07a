"""Compliance on simulated calls through the real engine (rules brain, real database): identification and the
recording notice first, the mini-Miranda only after verification, nothing about the debt before it, the third-party
script for someone else, and every caller intent acted on with the database showing it (COMPLIANCE §5)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from shared.agent.brains.rules import RulesBrain
from shared.agent.engine import Engine
from shared.agent.events import AgentSpeech, CallStarted, EngineEvent, ToolEvent, UserUtterance
from shared.agent.session import start_session
from shared.compliance.disclosures import MINI_MIRANDA, DisclosureKind, disclosure_text
from shared.compliance.guard import GuardContext, find_violations
from shared.compliance.intents import ACTION_CODE, Intent
from shared.db import calls, compliance_records, customers
from shared.settings import Settings, load_settings
from tests.scenarios.harness import RecordingCallControl, RecordingWorkflows

NOW = datetime(2026, 6, 10, 16, 0, tzinfo=UTC)   # 12:00 in New York
UNVERIFIED = GuardContext(verified=False)


@dataclass
class SimCall:
    call_id: uuid.UUID
    events: list[EngineEvent]
    engine: Engine

    @property
    def spoken(self) -> list[str]:
        return [e.text for e in self.events if isinstance(e, AgentSpeech)]

    def index(self, predicate: Any) -> int:
        return next(i for i, e in enumerate(self.events) if predicate(e))


@pytest.fixture(autouse=True)
async def _seed(seeded: AsyncConnection) -> None:
    """The demo seed provides the collection policy and tactics the engine loads."""


@pytest.fixture
def settings(database_url: str) -> Settings:
    return load_settings(database_url=database_url, agent_brain="rules", human_transfer_number="+18005550199")


async def simulate(pool: AsyncConnectionPool, settings: Settings, customer: customers.Customer,
                   lines: list[str]) -> SimCall:
    # A test call (not `simulated`): these checks need the call to count as a real conversation with the customer.
    async with pool.connection() as conn:
        call = await calls.create_call(conn, calls.NewCall(direction="outbound", call_type="test",
                                                           customer_id=customer.id, status="in-progress"))
    started = CallStarted(call.id, customer.id, "balanced_progression", simulated=True)
    engine = await start_session(pool, started, settings=settings, call_control=RecordingCallControl(),
                                 sandbox=False, workflows=RecordingWorkflows(), brain=RulesBrain(), clock=lambda: NOW)
    events = [ev async for ev in engine.handle(started)]
    for line in lines:
        if engine.state.ended:
            break
        events += [ev async for ev in engine.handle(UserUtterance(line))]
    await engine.close()
    return SimCall(call.id, events, engine)


def _text(settings: Settings, kind: DisclosureKind) -> str:
    return disclosure_text(kind, bank_name=settings.bank_name, agent_name=settings.agent_name,
                           callback_number=settings.callback_number)


def _is_verification(e: EngineEvent) -> bool:
    return isinstance(e, ToolEvent) and e.name == "verify_account" and bool(e.result.get("verified"))


async def _disclosures(conn: AsyncConnection, call_id: uuid.UUID) -> list[str]:
    return [e.code for e in await compliance_records.events_for_call(conn, call_id) if e.category == "disclosure"]


async def test_verified_call_discloses_in_order(conn: AsyncConnection, pool: AsyncConnectionPool,
                                                settings: Settings, make_customer) -> None:
    customer = await make_customer()
    sim = await simulate(pool, settings, customer, ["Yes, this is John.", "1234, and my zip is 10001."])

    # AI + business identification, then the recording notice, before anything else is said.
    assert sim.spoken[:2] == [_text(settings, DisclosureKind.AI_IDENTIFICATION),
                              _text(settings, DisclosureKind.RECORDING_NOTICE)]
    assert settings.bank_name in sim.spoken[0] and "automated AI agent" in sim.spoken[0]
    # The mini-Miranda comes after a successful verification, word for word.
    verified_at = sim.index(_is_verification)
    miranda_at = sim.index(lambda e: isinstance(e, AgentSpeech) and e.text == MINI_MIRANDA)
    assert verified_at < miranda_at
    # Nothing said before verification reveals a debt, a balance or an amount.
    before = [e.text for e in sim.events[:verified_at] if isinstance(e, AgentSpeech)]
    assert before and all(find_violations(text, UNVERIFIED) == () for text in before), before
    assert str(customer.balance) not in " ".join(before)

    assert await _disclosures(conn, sim.call_id) == ["ai_identification", "recording_notice", "mini_miranda_first"]
    events = [e for e in await compliance_records.events_for_call(conn, sim.call_id) if e.category == "disclosure"]
    assert [e.occurred_at for e in events] == sorted(e.occurred_at for e in events)
    call = await calls.get_call(conn, sim.call_id)
    assert call.verified and call.conversation_at is not None
    # The transcript in the database tells the same story.
    transcript = await calls.list_transcript(conn, sim.call_id)
    agent_lines = [t.text for t in transcript if t.speaker == "agent"]
    assert agent_lines[0].startswith(_text(settings, DisclosureKind.AI_IDENTIFICATION))
    assert any(MINI_MIRANDA in line for line in agent_lines)


async def test_a_later_call_gives_the_subsequent_form(conn: AsyncConnection, pool: AsyncConnectionPool,
                                                      settings: Settings, make_customer) -> None:
    customer = await make_customer()
    await simulate(pool, settings, customer, ["Yes, this is John.", "1234, and my zip is 10001."])
    second = await simulate(pool, settings, customer, ["Yes, this is John.", "1234, and my zip is 10001."])
    assert await _disclosures(conn, second.call_id) == ["ai_identification", "recording_notice",
                                                        "mini_miranda_subsequent"]
    assert MINI_MIRANDA not in second.spoken


async def test_failed_verification_never_hears_the_mini_miranda(conn: AsyncConnection, pool: AsyncConnectionPool,
                                                                settings: Settings, make_customer) -> None:
    customer = await make_customer()
    sim = await simulate(pool, settings, customer, ["Yes, speaking.", "9999 and 90210.", "8888 and 60601."])
    assert sim.engine.state.ended and not sim.engine.state.verified
    assert all(find_violations(text, UNVERIFIED) == () for text in sim.spoken), sim.spoken
    assert await _disclosures(conn, sim.call_id) == ["ai_identification", "recording_notice"]


async def test_someone_else_gets_only_the_third_party_script(conn: AsyncConnection, pool: AsyncConnectionPool,
                                                             settings: Settings, make_customer) -> None:
    customer = await make_customer()
    sim = await simulate(pool, settings, customer, ["No, this is his wife. He's at work.", "Try after six."])
    assert _text(settings, DisclosureKind.THIRD_PARTY_LOCATION) in sim.spoken
    assert all(find_violations(text, UNVERIFIED) == () for text in sim.spoken), sim.spoken
    assert await _disclosures(conn, sim.call_id) == ["ai_identification", "recording_notice",
                                                     "third_party_location"]
    assert not any(isinstance(e, ToolEvent) and e.name == "verify_account" for e in sim.events)


async def test_wrong_person_is_apologized_to_and_the_number_flagged(conn: AsyncConnection,
                                                                   pool: AsyncConnectionPool, settings: Settings,
                                                                   make_customer) -> None:
    customer = await make_customer()
    sim = await simulate(pool, settings, customer, ["This isn't John, you have the wrong number."])
    assert sim.engine.state.ended
    assert all(find_violations(text, UNVERIFIED) == () for text in sim.spoken), sim.spoken
    assert await compliance_records.is_dnc(conn, customer.phone)
    codes = [(e.category, e.code) for e in await compliance_records.events_for_call(conn, sim.call_id)]
    assert ("intent", "wrong_party") in codes and ("action", "number_flagged") in codes
    assert "mini_miranda_first" not in [c for _, c in codes]


FLAG = {Intent.STOP_CALLING: "cease_requested_at", Intent.ATTORNEY: "attorney_at", Intent.BANKRUPTCY: "bankruptcy_at",
        Intent.DISPUTE: "disputed_at", Intent.HARDSHIP: "hardship_at"}
SAYS = {Intent.STOP_CALLING: "Quit ringing me.", Intent.ATTORNEY: "Talk to my lawyer.",
        Intent.BANKRUPTCY: "I filed chapter 7 last month.", Intent.DISPUTE: "I don't owe that, it's not my debt.",
        Intent.HARDSHIP: "I lost my job and I'm struggling.", Intent.ROBOT_QUESTION: "Wait, are you a real person?",
        Intent.HUMAN_REQUEST: "I want to speak to a manager."}


@pytest.mark.parametrize("intent", list(SAYS))
async def test_each_caller_intent_triggers_its_action(conn: AsyncConnection, pool: AsyncConnectionPool,
                                                      settings: Settings, make_customer, intent: Intent) -> None:
    customer = await make_customer()
    sim = await simulate(pool, settings, customer, ["Yes, this is John.", "1234, and my zip is 10001.", SAYS[intent]])
    assert any(n.event == f"intent_{intent.value}" for n in sim.engine.notices)
    codes = [(e.category, e.code) for e in await compliance_records.events_for_call(conn, sim.call_id)]
    assert ("intent", intent.value) in codes and ("action", ACTION_CODE[intent]) in codes, codes
    after = await customers.get_customer(conn, customer.id)
    if intent in FLAG:
        assert getattr(after, FLAG[intent]) is not None
    if intent is Intent.ROBOT_QUESTION:
        assert any("AI" in text or "automated" in text for text in sim.spoken[-3:])
    if intent in (Intent.STOP_CALLING, Intent.ATTORNEY):
        assert sim.engine.state.ended
