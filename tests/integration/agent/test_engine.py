"""The engine under stress: a database blip mid-call, an LLM that stops answering, an LLM that states a wrong
balance, parallel and malformed tool calls, slow tools bridged with a filler line, barge-in truncation."""
from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from psycopg_pool import AsyncConnectionPool

from shared.agent.brains.llm import LlmBrain, make_client
from shared.agent.brains.rules import RulesBrain
from shared.agent.engine import BRIDGE_LINE, FILLER_LINE, Engine
from shared.agent.events import (
    AgentSpeech,
    CallStarted,
    ComplianceNotice,
    EndCall,
    EngineEvent,
    Interrupted,
    ToolEvent,
    UserUtterance,
)
from shared.agent.session import start_session
from shared.db import arrangements, calls, compliance_records, customers
from shared.settings import Settings
from tests.fakes.openai_fake import NONSENSE, OpenAIFake, Reply
from tests.fakes.pg_proxy import PgProxy
from tests.scenarios.harness import RecordingCallControl, RecordingWorkflows

MARIA = "+12125550101"
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


async def new_call(pool: AsyncConnectionPool, phone: str = MARIA) -> tuple[CallStarted, Any]:
    async with pool.connection() as conn:
        customer = await customers.find_by_phone(conn, phone)
        assert customer is not None
        # A test call, not a `simulated` one: these tests check the real effects a call has on the database.
        call = await calls.create_call(conn, calls.NewCall(direction="outbound", call_type="test",
                                                           customer_id=customer.id, status="in-progress"))
    return CallStarted(call.id, customer.id, "balanced_progression", simulated=True), customer


async def say(engine: Engine, text: str) -> list[EngineEvent]:
    return [ev async for ev in engine.handle(UserUtterance(text))]


def spoken(events: list[EngineEvent]) -> list[str]:
    return [e.text for e in events if isinstance(e, AgentSpeech)]


async def llm_engine(pool: AsyncConnectionPool, settings: Settings, **kw: Any) -> tuple[Engine, list[EngineEvent]]:
    started, _ = await new_call(pool)
    client, model = make_client(settings)
    engine = await start_session(pool, started, settings=settings, call_control=RecordingCallControl(),
                                 sandbox=False, workflows=RecordingWorkflows(),
                                 brain=LlmBrain(settings, client=client, model=model), clock=lambda: NOW, **kw)
    return engine, [ev async for ev in engine.handle(started)]


VERIFY = [Reply(tool_calls=[("verify_account", json.dumps({"account_last_4": "4821", "postal_code": "10001"}))]),
          Reply(tool_calls=[("get_customer_options", "{}")])]


async def test_database_blip_mid_call_loses_no_transcript_entry(database_url: str, fresh_db: AsyncConnectionPool,
                                                                 rules_settings: Settings) -> None:
    proxy = await PgProxy(database_url).start()
    pool = AsyncConnectionPool(proxy.url, min_size=1, max_size=4, open=False)
    await pool.open(wait=True)
    try:
        started, _ = await new_call(fresh_db)
        engine = await start_session(pool, started, settings=rules_settings, call_control=RecordingCallControl(),
                                     sandbox=False, workflows=RecordingWorkflows(), brain=RulesBrain(), clock=lambda: NOW)
        _ = [ev async for ev in engine.handle(started)]
        await say(engine, "Yes, this is Maria.")
        await say(engine, "4821 and 10001.")
        assert await engine.persist.drain(10)

        proxy.cut()                                            # the database goes away mid-call
        during = await say(engine, "Hmm, let me think about that for a second.")
        during += await say(engine, "Am I talking to a robot?")
        assert spoken(during), "the agent kept talking while the database was down"
        for _ in range(100):                                   # wait for the writer to hit the outage
            if engine.persist.retries:
                break
            await asyncio.sleep(0.05)
        assert engine.persist.pending > 0 and engine.persist.retries > 0

        proxy.restore()                                        # ...and comes back
        await say(engine, "I'll pay the full amount by bank transfer.")
        end = await say(engine, "No, that's all.")
        assert isinstance(end[-1], EndCall)
        await engine.close()
        assert engine.persist.pending == 0 and engine.persist.dropped == 0
    finally:
        await pool.close()
        await proxy.stop()

    async with fresh_db.connection() as conn:
        stored = await calls.list_transcript(conn, started.call_id)
        tools = await calls.list_tool_executions(conn, started.call_id)
        events = await compliance_records.events_for_call(conn, started.call_id)
        arr = await arrangements.list_for_customer(conn, started.customer_id)  # type: ignore[arg-type]
    assert [(t.speaker, t.text, t.interrupted) for t in stored] == engine.transcript
    assert [t.seq for t in stored] == list(range(len(engine.transcript)))
    texts = [t.text for t in stored]
    assert len(texts) == len(set(texts)), "an entry was stored twice"
    assert any("robot" in t for t in texts)
    assert len(tools) == len(engine.tool_log)
    assert "robot_question" in {e.code for e in events}
    assert [a.kind for a in arr] == ["full"]


async def test_llm_timeout_mid_call_falls_back_to_rules_with_a_bridge_line(
        fresh_db: AsyncConnectionPool, llm_settings: Settings, openai_fake: OpenAIFake) -> None:
    openai_fake.push(*VERIFY, Reply(text="Thank you. Your current balance is $1,250.00. How would you like to pay?"),
                     Reply(hang=True), Reply(hang=True))
    engine, _ = await llm_engine(fresh_db, llm_settings)
    await say(engine, "Yes, it's me.")
    verified = await say(engine, "4821 and 10001.")
    assert "Thank you. Your current balance is $1,250.00." in spoken(verified)
    assert not engine.fell_back

    turn = await say(engine, "I'd like to pay the full amount with a text link.")
    assert engine.fell_back
    assert BRIDGE_LINE in spoken(turn)
    assert any(isinstance(e, ComplianceNotice) and e.event == "llm_fallback" for e in turn)
    assert any(isinstance(e, ToolEvent) and e.name == "process_payment" and e.success for e in turn)
    end = await say(engine, "That's all, thanks.")
    assert isinstance(end[-1], EndCall)
    await engine.close()
    streamed = [r for r in openai_fake.requests if r.get("stream")]
    assert len(streamed) == 5                       # 3 answered, then the hung request and its one retry
    async with fresh_db.connection() as conn:
        arr = await arrangements.list_for_customer(conn, engine.customer.id)  # type: ignore[union-attr]
        call = await calls.get_call(conn, engine.call_id)
        events = await compliance_records.events_for_call(conn, engine.call_id)
    assert [(a.kind, str(a.total_amount)) for a in arr] == [("full", "1250.00")]
    assert call.outcome == "payment_arranged"
    assert "llm_fallback" in {e.code for e in events}


async def test_llm_reply_with_a_wrong_balance_is_never_spoken(
        fresh_db: AsyncConnectionPool, llm_settings: Settings, openai_fake: OpenAIFake) -> None:
    openai_fake.push(*VERIFY, Reply(text="Thanks. Your balance is $2,500.00 and it is due today. "
                                         "What would you like to do?"))
    engine, _ = await llm_engine(fresh_db, llm_settings)
    await say(engine, "Yes.")
    turn = await say(engine, "4821 and 10001")
    said = " ".join(spoken(turn))
    assert "$2,500.00" not in said
    assert "Let me make sure I give you the exact figure from your account." in said   # no tool figure to use
    assert any(isinstance(e, ComplianceNotice) and e.event == "guard_block" for e in turn)
    openai_fake.push(Reply(text="Okay."))
    await say(engine, "Hmm.")
    history = json.dumps([r for r in openai_fake.requests if r.get("stream")][-1]["messages"])
    assert "exact figure" in history and "$2,500.00" not in history   # the model sees what was actually said
    await engine.close()
    async with fresh_db.connection() as conn:
        events = await compliance_records.events_for_call(conn, engine.call_id)
        transcript = await calls.list_transcript(conn, engine.call_id)
    assert any(e.category == "guard_block" and "amount_mismatch" in e.details["violations"] for e in events)
    assert all("2,500" not in t.text for t in transcript if t.speaker == "agent")


async def test_nonsense_and_malformed_tool_calls_never_reach_the_caller(
        fresh_db: AsyncConnectionPool, llm_settings: Settings, openai_fake: OpenAIFake) -> None:
    openai_fake.push(Reply(tool_calls=[("verify_account", '{"account_last_4": "48')]),   # truncated JSON
                     Reply(tool_calls=[("launch_rockets", "{}")]),
                     NONSENSE)
    engine, _ = await llm_engine(fresh_db, llm_settings)
    await say(engine, "Yes.")
    turn = await say(engine, "4821 and 10001")
    results = [e for e in turn if isinstance(e, ToolEvent)]
    assert [(r.name, r.success) for r in results] == [("verify_account", False), ("launch_rockets", False)]
    assert "not valid JSON" in results[0].result["error"]
    said = " ".join(spoken(turn))
    assert "99,999" not in said and "owed" not in said       # unverified: no amounts, no debt words
    assert not engine.state.verified
    await engine.close()


async def test_parallel_tool_calls_are_assembled_and_all_answered(
        fresh_db: AsyncConnectionPool, llm_settings: Settings, openai_fake: OpenAIFake) -> None:
    openai_fake.push(VERIFY[0], Reply(tool_calls=[
        ("get_customer_options", "{}"),
        ("calculate_payment_plan", json.dumps({"months": 6, "down_payment": "0.00"}))], chunk_chars=3),
        Reply(text="That's 6 payments of $208.33, and a last one of $208.35."))
    engine, _ = await llm_engine(fresh_db, llm_settings)
    await say(engine, "Yes.")
    turn = await say(engine, "4821 and 10001")
    tools = [e for e in turn if isinstance(e, ToolEvent)]
    assert [t.name for t in tools] == ["verify_account", "get_customer_options", "calculate_payment_plan"]
    assert tools[2].result["instalment"] == "208.33" and tools[2].result["last_instalment"] == "208.35"
    assert "That's 6 payments of $208.33, and a last one of $208.35." in spoken(turn)
    last = [r for r in openai_fake.requests if r.get("stream")][-1]
    tool_msgs = [m for m in last["messages"] if m["role"] == "tool"]
    assert [json.loads(m["content"]).get("months") for m in tool_msgs[-2:]] == [None, 6]
    await engine.close()


class SlowWorkflows(RecordingWorkflows):
    async def start_callback(self, callback_id: Any, scheduled_for: datetime) -> str:
        await asyncio.sleep(0.6)
        return await super().start_callback(callback_id, scheduled_for)


async def test_a_slow_tool_is_bridged_with_a_filler_line(fresh_db: AsyncConnectionPool,
                                                         rules_settings: Settings) -> None:
    started, _ = await new_call(fresh_db)
    engine = await start_session(fresh_db, started, settings=rules_settings, call_control=RecordingCallControl(),
                                 sandbox=False, workflows=SlowWorkflows(), brain=RulesBrain(), clock=lambda: NOW)
    _ = [ev async for ev in engine.handle(started)]
    await say(engine, "Yes.")
    quick = await say(engine, "4821 and 10001")
    assert FILLER_LINE not in spoken(quick)
    turn = await say(engine, "Call me back tomorrow at 10 please.")
    kinds = [(type(e).__name__, getattr(e, "text", getattr(e, "name", ""))) for e in turn]
    filler = kinds.index(("AgentSpeech", FILLER_LINE))
    tool = kinds.index(("ToolEvent", "schedule_callback"))
    assert filler < tool
    await engine.close()


async def test_barge_in_stores_only_what_the_caller_heard(fresh_db: AsyncConnectionPool,
                                                          rules_settings: Settings) -> None:
    started, _ = await new_call(fresh_db)
    engine = await start_session(fresh_db, started, settings=rules_settings, call_control=RecordingCallControl(),
                                 sandbox=False, workflows=RecordingWorkflows(), brain=RulesBrain(), clock=lambda: NOW)
    stream = engine.handle(started)
    first = await anext(stream)                      # the transport stops listening after the first chunk
    assert isinstance(first, AgentSpeech)
    await stream.aclose()
    _ = [ev async for ev in engine.handle(Interrupted(heard_text="Hello, this is Alex"))]
    await say(engine, "Yes, this is Maria.")
    await engine.close()
    async with fresh_db.connection() as conn:
        transcript = await calls.list_transcript(conn, engine.call_id)
    assert (transcript[0].speaker, transcript[0].text, transcript[0].interrupted) == (
        "agent", "Hello, this is Alex", True)
    assert transcript[1].speaker == "caller" and not transcript[2].interrupted


async def test_transfer_on_a_live_call_redirects_it_to_the_human_line(
        fresh_db: AsyncConnectionPool, rules_settings: Settings, twilio_fake: Any) -> None:
    from shared.telephony.twilio_call_control import TwilioCallControl

    live = twilio_fake.add_inbound_call(from_=MARIA, to="+18005550198")
    async with fresh_db.connection() as conn:
        customer = await customers.find_by_phone(conn, MARIA)
        assert customer is not None
        call = await calls.create_call(conn, calls.NewCall(direction="outbound", call_type="manual",
                                                           customer_id=customer.id, call_sid=live.sid,
                                                           status="in-progress"))
    started = CallStarted(call.id, customer.id, "stern")
    control = TwilioCallControl(fresh_db, rules_settings)
    engine = await start_session(fresh_db, started, settings=rules_settings, call_control=control,
                                 sandbox=False, workflows=RecordingWorkflows(), brain=RulesBrain(), clock=lambda: NOW)
    _ = [ev async for ev in engine.handle(started)]
    turn = await say(engine, "I want to talk to a real person.")
    await engine.close()
    await control.aclose()
    assert type(turn[-1]).__name__ == "TransferCall"
    updates = [u for sid, u in twilio_fake.call_updates if sid == live.sid]
    assert len(updates) == 1 and "<Dial" in updates[0]["Twiml"] and "+18005550199" in updates[0]["Twiml"]


async def test_a_first_token_timeout_is_retried_once_before_falling_back(
        fresh_db: AsyncConnectionPool, llm_settings: Settings, openai_fake: OpenAIFake) -> None:
    openai_fake.push(Reply(hang=True), *VERIFY, Reply(text="Thank you, you're verified."))
    engine, _ = await llm_engine(fresh_db, llm_settings)
    await say(engine, "Yes.")
    turn = await say(engine, "4821 and 10001")
    assert not engine.fell_back and engine.state.verified
    assert "Thank you, you're verified." in spoken(turn)
    await engine.close()


async def test_llm_settlement_advice_is_clamped_to_the_policy_floor(
        fresh_db: AsyncConnectionPool, llm_settings: Settings, openai_fake: OpenAIFake) -> None:
    from shared.agent.brains.llm import LlmAdvisor

    openai_fake.advice = {"counter_offer": 100.0, "talking_point": "Offer them a hundred."}
    openai_fake.push(*VERIFY, Reply(text="What would you like to do?"),
                     Reply(tool_calls=[("negotiation_guidance", json.dumps({"customer_offer": 600}))]),
                     Reply(text="The lowest one-time settlement I can offer is $875.00."))
    client, model = make_client(llm_settings)
    engine, _ = await llm_engine(fresh_db, llm_settings, advisor=LlmAdvisor(client, model, 2.0))
    await say(engine, "Yes.")
    await say(engine, "4821 and 10001")
    turn = await say(engine, "I can give you six hundred.")
    guidance = next(e for e in turn if isinstance(e, ToolEvent) and e.name == "negotiation_guidance")
    assert guidance.result["decision"] == "counter"
    assert guidance.result["amount"] == "875.00" and guidance.result["advice_clamped"] is True
    assert "The lowest one-time settlement I can offer is $875.00." in spoken(turn)
    advice_requests = [r for r in openai_fake.requests if r.get("response_format")]
    assert advice_requests and advice_requests[0]["response_format"]["type"] == "json_schema"
    await engine.close()


async def test_a_repeated_payment_call_records_one_arrangement_and_sends_one_sms(
        fresh_db: AsyncConnectionPool, llm_settings: Settings, openai_fake: OpenAIFake, twilio_fake: Any) -> None:
    from shared.telephony.twilio_call_control import TwilioCallControl

    pay = ("process_payment", json.dumps({"amount": "1250.00", "payment_method": "sms_link"}))
    openai_fake.push(*VERIFY, Reply(text="Your balance is $1,250.00."), Reply(tool_calls=[pay, pay]),
                     Reply(text="Done. I've texted you the link for $1,250.00."))
    started, customer = await new_call(fresh_db)
    control = TwilioCallControl(fresh_db, llm_settings)
    client, model = make_client(llm_settings)
    engine = await start_session(fresh_db, started, settings=llm_settings, call_control=control,
                                 sandbox=False, workflows=RecordingWorkflows(), brain=LlmBrain(llm_settings, client=client,
                                                                                model=model), clock=lambda: NOW)
    _ = [ev async for ev in engine.handle(started)]
    await say(engine, "Yes.")
    await say(engine, "4821 and 10001")
    sent_before = len(twilio_fake.messages)
    turn = await say(engine, "Pay it all, text me.")
    results = [e.result for e in turn if isinstance(e, ToolEvent) and e.name == "process_payment"]
    assert [r["already_recorded"] for r in results] == [False, True]
    assert results[0]["arrangement_id"] == results[1]["arrangement_id"]
    assert len(twilio_fake.messages) == sent_before + 1
    await engine.close()
    await control.aclose()
    async with fresh_db.connection() as conn:
        assert len(await arrangements.list_for_customer(conn, customer.id)) == 1


async def test_tools_that_need_verification_refuse_before_it(
        fresh_db: AsyncConnectionPool, llm_settings: Settings, openai_fake: OpenAIFake) -> None:
    openai_fake.push(Reply(tool_calls=[("get_customer_options", "{}"),
                                       ("process_payment", json.dumps({"amount": "1250.00",
                                                                       "payment_method": "sms_link"}))]),
                     Reply(text="First, I need the last four digits of your account and your ZIP code."))
    engine, _ = await llm_engine(fresh_db, llm_settings)
    await say(engine, "Yes.")
    turn = await say(engine, "Just tell me what I owe and take my payment.")
    results = [e for e in turn if isinstance(e, ToolEvent)]
    assert [(r.name, r.success) for r in results] == [("get_customer_options", False), ("process_payment", False)]
    assert all("not verified" in r.result["error"] for r in results)
    await engine.close()
    async with fresh_db.connection() as conn:
        assert await arrangements.list_for_customer(conn, engine.customer.id) == []  # type: ignore[union-attr]


async def test_a_stop_request_is_acted_on_even_if_the_model_would_ignore_it(
        fresh_db: AsyncConnectionPool, llm_settings: Settings, openai_fake: OpenAIFake) -> None:
    openai_fake.push(*VERIFY, Reply(text="Your balance is $1,250.00. What would you like to do?"),
                     Reply(text="I hear you, but let's talk about paying $1,250.00 today."))   # never reached
    engine, _ = await llm_engine(fresh_db, llm_settings)
    await say(engine, "Yes.")
    await say(engine, "4821 and 10001")
    asked = len(openai_fake.requests)
    turn = await say(engine, "Stop calling me, I mean it.")
    assert len(openai_fake.requests) == asked            # the engine acted without asking the model
    assert [e.name for e in turn if isinstance(e, ToolEvent)] == ["record_cease_request", "end_call"]
    assert isinstance(turn[-1], EndCall)
    assert not any("paying" in t for t in spoken(turn))
    await engine.close()
    async with fresh_db.connection() as conn:
        customer = await customers.get_customer(conn, engine.customer.id)  # type: ignore[union-attr]
        call = await calls.get_call(conn, engine.call_id)
    assert customer.cease_requested_at is not None and customer.consent_revoked_at is not None
    assert call.outcome == "cease_requested"


async def test_a_phone_call_whose_twiml_played_the_recording_notice_does_not_repeat_it(
        fresh_db: AsyncConnectionPool, rules_settings: Settings) -> None:
    from shared.compliance.disclosures import DisclosureKind, disclosure_text

    notice = disclosure_text(DisclosureKind.RECORDING_NOTICE, bank_name=rules_settings.bank_name,
                             agent_name=rules_settings.agent_name, callback_number=rules_settings.callback_number)
    for already_played in (False, True):
        simulated, _ = await new_call(fresh_db)
        started = CallStarted(simulated.call_id, simulated.customer_id, simulated.tactic_name,
                              simulated=True, recording_notice_played=already_played)
        engine = await start_session(fresh_db, started, settings=rules_settings, call_control=RecordingCallControl(),
                                     sandbox=False, workflows=RecordingWorkflows(), brain=RulesBrain(), clock=lambda: NOW)
        greeting = spoken([ev async for ev in engine.handle(started)])
        await engine.close()
        async with fresh_db.connection() as conn:
            codes = [e.code for e in await compliance_records.events_for_call(conn, started.call_id)]
        assert (notice in greeting) is (not already_played)
        assert ("recording_notice" in codes) is (not already_played)
        assert "ai_identification" in codes
