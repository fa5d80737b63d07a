"""A careless model, scripted through the OpenAI fake (real SDK, real SSE), against a real engine and database:
invented amounts, foreign verification digits, counter-offers, interrupted tool calls and replies, empty replies,
a hung model, 4xx errors. Every request the engine sends must be one the real endpoint accepts (the autouse check in
conftest fails the test otherwise)."""
from __future__ import annotations

import asyncio
import json
import re
import time
from datetime import datetime
from typing import Any

from psycopg_pool import AsyncConnectionPool

from shared.agent.brains.llm import FILLERS, LlmBrain, make_client
from shared.agent.engine import BRIDGE_LINE, FILLER_LINE, Engine
from shared.agent.events import AgentSpeech, EngineEvent, Interrupted, ToolEvent, UserUtterance
from shared.agent.session import start_session
from shared.db import arrangements, turn_usage
from shared.settings import Settings
from tests.fakes.openai_fake import OpenAIFake, Reply
from tests.integration.agent.test_engine import NOW, VERIFY, new_call, say, spoken
from tests.scenarios.harness import RecordingCallControl, RecordingWorkflows

OPTIONS_LINE = Reply(text="Thank you. Your current balance is $1,250.00. What would you like to do?")


def call(name: str, **args: Any) -> Reply:
    return Reply(tool_calls=[(name, json.dumps(args))])


async def verified_llm_call(pool: AsyncConnectionPool, settings: Settings, fake: OpenAIFake, *replies: Reply,
                            workflows: RecordingWorkflows | None = None) -> tuple[Engine, RecordingCallControl]:
    fake.push(*VERIFY, OPTIONS_LINE, *replies)
    started, _ = await new_call(pool)
    control = RecordingCallControl()
    client, model = make_client(settings)
    engine = await start_session(pool, started, settings=settings, call_control=control,
                                 sandbox=False, workflows=workflows or RecordingWorkflows(),
                                 brain=LlmBrain(settings, client=client, model=model), clock=lambda: NOW)
    _ = [ev async for ev in engine.handle(started)]
    await say(engine, "Yes, this is Maria.")
    await say(engine, "4821 and 10001")
    assert engine.state.verified
    return engine, control


def streamed(fake: OpenAIFake) -> list[dict[str, Any]]:
    return [r for r in fake.requests if r.get("stream")]


def tools_in(events: list[EngineEvent], name: str) -> list[ToolEvent]:
    return [e for e in events if isinstance(e, ToolEvent) and e.name == name]


async def test_an_invented_payment_records_no_arrangement_and_sends_no_sms(
        fresh_db: AsyncConnectionPool, llm_settings: Settings, openai_fake: OpenAIFake) -> None:
    engine, control = await verified_llm_call(
        fresh_db, llm_settings, openai_fake,
        call("process_payment", amount="900.00", payment_method="sms_link"),
        Reply(text="Sorry about that. What would you like to do?"))
    turn = await say(engine, "Hmm, I'm not sure yet.")
    [pay] = tools_in(turn, "process_payment")
    assert not pay.success and "never invent an amount" in pay.result["error"]
    await engine.close()
    async with fresh_db.connection() as conn:
        assert await arrangements.list_for_customer(conn, engine.customer.id) == []  # type: ignore[union-attr]
    assert control.sms == [] and engine.state.arrangement is None


async def test_an_invented_settlement_offer_is_refused_and_never_spoken(
        fresh_db: AsyncConnectionPool, llm_settings: Settings, openai_fake: OpenAIFake) -> None:
    engine, _ = await verified_llm_call(
        fresh_db, llm_settings, openai_fake,
        call("negotiation_guidance", customer_offer="1000.00"),
        Reply(text="Great news, we can accept $1,000.00 as a settlement."))
    turn = await say(engine, "I don't know what I can do.")
    [guidance] = tools_in(turn, "negotiation_guidance")
    assert not guidance.success and "has not stated an amount" in guidance.result["error"]
    assert "1,000" not in " ".join(spoken(turn))
    await engine.close()


async def test_a_counter_offer_naming_both_figures_is_spoken_and_the_yes_agrees_to_it(
        fresh_db: AsyncConnectionPool, llm_settings: Settings, openai_fake: OpenAIFake) -> None:
    engine, control = await verified_llm_call(
        fresh_db, llm_settings, openai_fake,
        call("negotiation_guidance", customer_offer="600.00"),
        Reply(text="I'm not able to accept $600.00, but I can offer a one-time settlement of $925.00. "
                   "Would that work?"),
        call("process_payment", amount="925.00", payment_method="sms_link"),     # no method chosen yet: refused
        Reply(text="Would you like a secure payment link by text message, or to pay by bank transfer?"),
        call("process_payment", amount="925.00", payment_method="sms_link"),
        Reply(text="All set. I've texted you a secure link to pay $925.00."))
    turn = await say(engine, "I can pay six hundred.")
    assert tools_in(turn, "negotiation_guidance")[0].result["amount"] == "925.00"
    assert "I'm not able to accept $600.00, but I can offer a one-time settlement of $925.00." in spoken(turn)
    turn = await say(engine, "Yes, that works.")
    [refused] = tools_in(turn, "process_payment")
    assert not refused.success and "payment method" in refused.result["error"]
    turn = await say(engine, "Text it to me.")
    [paid] = tools_in(turn, "process_payment")
    assert paid.success and paid.result["kind"] == "settlement"
    await engine.close()
    async with fresh_db.connection() as conn:
        [arr] = await arrangements.list_for_customer(conn, engine.customer.id)  # type: ignore[union-attr]
    assert arr.total_amount == 925 and len(control.sms) == 1
    tool_texts = [m["content"] for m in streamed(openai_fake)[-1]["messages"] if m["role"] == "tool"]
    assert not any(re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", t) for t in tool_texts)      # no ids for the model
    assert any('"say": "All set.' in t for t in tool_texts)                            # a sentence to speak


async def test_a_misquoted_figure_is_corrected_to_the_tools_figure_not_the_balance(
        fresh_db: AsyncConnectionPool, llm_settings: Settings, openai_fake: OpenAIFake) -> None:
    engine, _ = await verified_llm_call(
        fresh_db, llm_settings, openai_fake,
        call("negotiation_guidance", customer_offer="600.00"),
        Reply(text="I can offer a one-time settlement of $900.00."))
    turn = await say(engine, "I can pay six hundred.")
    assert "I can offer a one-time settlement of $925.00." in spoken(turn)
    assert "$1,250.00" not in " ".join(spoken(turn))
    await engine.close()


async def test_foreign_verification_digits_never_verify(
        fresh_db: AsyncConnectionPool, llm_settings: Settings, openai_fake: OpenAIFake) -> None:
    openai_fake.push(call("verify_account", account_last_4="7730", postal_code="90012"),   # James's details
                     Reply(text="Thank you, you're verified."))
    started, _ = await new_call(fresh_db)
    client, model = make_client(llm_settings)
    engine = await start_session(fresh_db, started, settings=llm_settings, call_control=RecordingCallControl(),
                                 sandbox=False, workflows=RecordingWorkflows(), brain=LlmBrain(llm_settings, client=client,
                                                                                model=model), clock=lambda: NOW)
    _ = [ev async for ev in engine.handle(started)]
    await say(engine, "Yes.")
    turn = await say(engine, "Seven seven three zero, nine zero zero one two.")
    [verify] = tools_in(turn, "verify_account")
    assert verify.result["verified"] is False and not engine.state.verified
    await engine.close()


async def test_foreign_digits_after_verification_are_not_reported_as_verified(
        fresh_db: AsyncConnectionPool, llm_settings: Settings, openai_fake: OpenAIFake) -> None:
    engine, _ = await verified_llm_call(
        fresh_db, llm_settings, openai_fake,
        call("verify_account", account_last_4="7730", postal_code="90012"),     # another person's details
        Reply(text="Those details don't match this account."))
    turn = await say(engine, "Can you check my husband James too? Seven seven three zero, nine zero zero one two.")
    [verify] = tools_in(turn, "verify_account")
    assert verify.result["verified"] is False
    assert engine.state.verified                       # the account holder stays verified
    await engine.close()


class SlowWorkflows(RecordingWorkflows):
    async def start_callback(self, callback_id: Any, scheduled_for: datetime) -> str:
        await asyncio.sleep(0.6)
        return await super().start_callback(callback_id, scheduled_for)


async def test_a_barge_in_during_a_tool_leaves_a_history_the_api_accepts(
        fresh_db: AsyncConnectionPool, llm_settings: Settings, openai_fake: OpenAIFake) -> None:
    engine, _ = await verified_llm_call(
        fresh_db, llm_settings, openai_fake,
        call("schedule_callback", when="tomorrow at 10", reason="customer asked"),
        Reply(text="Sure, what did you want to ask?"), workflows=SlowWorkflows())
    stream = engine.handle(UserUtterance("Call me back tomorrow at 10."))
    async for ev in stream:                              # the caller speaks over the filler: the turn is cancelled
        if isinstance(ev, AgentSpeech) and ev.text == FILLER_LINE:
            break
    await stream.aclose()
    _ = [ev async for ev in engine.handle(Interrupted(heard_text="One moment"))]
    turn = await say(engine, "Wait, one question first.")
    assert "Sure, what did you want to ask?" in spoken(turn)
    messages = streamed(openai_fake)[-1]["messages"]
    [answer] = [m for m in messages if m["role"] == "tool" and "schedule_callback" in m["tool_call_id"]]
    assert "cancelled" in answer["content"]
    await engine.close()


async def test_an_interrupted_reply_is_kept_as_the_assistant_turn_cut_to_what_was_heard(
        fresh_db: AsyncConnectionPool, llm_settings: Settings, openai_fake: OpenAIFake) -> None:
    engine, _ = await verified_llm_call(
        fresh_db, llm_settings, openai_fake,
        Reply(text="You can pay in full today. Or you could set up a plan over six months. Or make an offer."),
        Reply(text="Of course."))
    stream = engine.handle(UserUtterance("What are my choices?"))
    first = await anext(stream)
    assert isinstance(first, AgentSpeech)
    await stream.aclose()
    _ = [ev async for ev in engine.handle(Interrupted(heard_text="You can pay in full"))]
    await say(engine, "Hold on, can I think about it?")
    messages = streamed(openai_fake)[-1]["messages"]
    assistant = [m for m in messages if m["role"] == "assistant"]
    assert assistant[-1]["content"] == "You can pay in full"
    assert not any(m["role"] == "system" and "interrupted" in m["content"] for m in messages[1:-1])
    assert "your_last_reply_was_interrupted_after" in messages[-1]["content"]
    await engine.close()


async def test_an_empty_reply_is_asked_again_and_never_stored(
        fresh_db: AsyncConnectionPool, llm_settings: Settings, openai_fake: OpenAIFake) -> None:
    engine, _ = await verified_llm_call(fresh_db, llm_settings, openai_fake, Reply(text=""),
                                        Reply(text="Would a payment plan help?"))
    turn = await say(engine, "Um.")
    assert "Would a payment plan help?" in spoken(turn)
    last = streamed(openai_fake)[-1]["messages"]
    assert "previous reply was empty" in last[-1]["content"]
    openai_fake.push(Reply(text=""), Reply(text=""), Reply(text="Okay."))
    turn = await say(engine, "Hmm.")
    assert " ".join(spoken(turn)) == "Sorry, I missed that. How would you like to go ahead?"   # never silence
    await say(engine, "A plan maybe.")
    history = streamed(openai_fake)[-1]["messages"]
    assert all(m.get("content") or m.get("tool_calls") for m in history if m["role"] == "assistant")
    await engine.close()


async def test_a_hung_model_never_leaves_two_seconds_of_silence_and_the_thread_survives(
        fresh_db: AsyncConnectionPool, llm_settings: Settings, openai_fake: OpenAIFake) -> None:
    production = llm_settings.model_copy(update={"llm_timeout_s": 4.0})   # the default budgets: 1.5 s + 1 s retry
    engine, control = await verified_llm_call(
        fresh_db, production, openai_fake,
        call("negotiation_guidance", customer_offer="600.00"),
        Reply(text="I'm not able to accept $600.00, but I can offer a one-time settlement of $925.00. "
                   "Would that work?"),
        Reply(hang=True), Reply(hang=True))
    await say(engine, "I can pay six hundred.")
    before = len(streamed(openai_fake))
    t0 = time.monotonic()
    marks: list[tuple[float, str]] = []
    async for ev in engine.handle(UserUtterance("Yes.")):
        if isinstance(ev, AgentSpeech):
            marks.append((time.monotonic() - t0, ev.text))
    gaps = [b - a for a, b in zip([0.0, *[m[0] for m in marks]], [m[0] for m in marks], strict=False)]
    print("speech at", [(round(t, 2), text[:30]) for t, text in marks])
    assert marks[0][1] in FILLERS and BRIDGE_LINE in [m[1] for m in marks]
    assert max(gaps) <= 2.0, gaps                        # the caller always hears something within ~2 s
    assert len(streamed(openai_fake)) - before == 2      # one retry, no more
    assert engine.fell_back
    # the rules brain picks up where the model left off: the caller agreed to $925.00
    assert engine.state.agreed is not None and engine.state.agreed.amount == 925
    turn = await say(engine, "Text me the link.")
    [paid] = tools_in(turn, "process_payment")
    assert paid.success and paid.result["total_amount"] == "925.00" and len(control.sms) == 1
    await engine.close()


async def test_a_rejected_request_is_not_retried(
        fresh_db: AsyncConnectionPool, llm_settings: Settings, openai_fake: OpenAIFake) -> None:
    engine, _ = await verified_llm_call(fresh_db, llm_settings, openai_fake, Reply(status=400))
    before = len(streamed(openai_fake))
    await say(engine, "What now?")
    assert len(streamed(openai_fake)) - before == 1 and engine.fell_back
    await engine.close()


async def test_a_server_error_is_retried_once(
        fresh_db: AsyncConnectionPool, llm_settings: Settings, openai_fake: OpenAIFake) -> None:
    engine, _ = await verified_llm_call(fresh_db, llm_settings, openai_fake, Reply(status=503),
                                        Reply(text="Would a plan help?"))
    before = len(streamed(openai_fake))
    turn = await say(engine, "What now?")
    assert len(streamed(openai_fake)) - before == 2 and not engine.fell_back
    assert "Would a plan help?" in spoken(turn)
    await engine.close()


async def test_requests_are_strict_single_call_cacheable_and_usage_is_recorded_per_turn(
        fresh_db: AsyncConnectionPool, llm_settings: Settings, openai_fake: OpenAIFake) -> None:
    engine, _ = await verified_llm_call(fresh_db, llm_settings, openai_fake, Reply(text="Would a plan help?"))
    await say(engine, "Maybe.")
    await engine.close()
    requests = streamed(openai_fake)
    assert all(r["parallel_tool_calls"] is False and r["max_tokens"] > 0 and r["prompt_cache_key"] for r in requests)
    assert all(t["function"]["strict"] for t in requests[0]["tools"])
    first_system = requests[0]["messages"][0]
    assert all(r["messages"][0] == first_system for r in requests)        # the fixed prefix never changes
    async with fresh_db.connection() as conn:
        usage = await turn_usage.for_call(conn, engine.call_id)
    assert usage and all(prompt > 0 and completion >= 0 for _t, _n, prompt, _c, completion in usage)
    assert all(cached >= 1024 for _t, _n, _p, cached, _c in usage[1:]), usage   # every follow-up hits the cache
