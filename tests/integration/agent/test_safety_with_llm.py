"""With the llm brain the intent layer stays the safety net: a model that keeps pitching after a safety or legal
intent never gets its payment tool run, and a Spanish speaker who chooses to go on with the agent gets a model told
to speak Spanish (and Spanish-speaking voice marks on the speech)."""
from __future__ import annotations

import json

from psycopg_pool import AsyncConnectionPool

from shared.agent.brains.base import ToolCallRequest
from shared.agent.events import AgentSpeech, ToolEvent
from shared.settings import Settings
from tests.fakes.openai_fake import OpenAIFake, Reply
from tests.integration.agent.test_engine import llm_engine, say


async def test_a_model_that_pitches_after_a_dispute_gets_no_payment_tool(
        fresh_db: AsyncConnectionPool, llm_settings: Settings, openai_fake: OpenAIFake) -> None:
    openai_fake.push(Reply(tool_calls=[("verify_account", json.dumps({"account_last_4": "4821",
                                                                      "postal_code": "10001"}))]),
                     Reply(text="Thank you. How would you like to pay today?"),
                     Reply(tool_calls=[("process_payment", json.dumps({"amount": "1250.00",
                                                                       "payment_method": "sms_link"}))]),
                     Reply(text="Okay."))
    engine, _ = await llm_engine(fresh_db, llm_settings)
    await say(engine, "Yes, this is Maria.")
    await say(engine, "4821 and 10001")
    events = await say(engine, "I dispute this debt, I don't owe it.")
    assert engine.flows.collection_stopped and any(isinstance(e, ToolEvent) and e.name == "record_dispute"
                                                    for e in events)
    # the caller declines the specialist; the call ends without the model being asked anything
    events = await say(engine, "No thanks.")
    assert engine.state.ended
    # even if the model is asked later, a payment tool is refused while collection is stopped
    outcome = await engine._execute(ToolCallRequest("x", "process_payment", {"amount": "1250.00",
                                                                            "payment_method": "sms_link"}))
    assert not outcome.success and "collection has stopped" in outcome.result["error"]
    await engine.close()


async def test_a_spanish_speaker_who_stays_gets_a_model_told_to_speak_spanish(
        fresh_db: AsyncConnectionPool, llm_settings: Settings, openai_fake: OpenAIFake) -> None:
    openai_fake.push(Reply(tool_calls=[("verify_account", json.dumps({"account_last_4": "4821",
                                                                      "postal_code": "10001"}))]),
                     Reply(text="Gracias. Su saldo actual es de $1,250.00. ¿Cómo le gustaría continuar?"))
    engine, _ = await llm_engine(fresh_db, llm_settings)
    offer = await say(engine, "no hablo mucho inglés")
    assert any("en español" in e.text for e in offer if isinstance(e, AgentSpeech))
    assert engine.language == "es"
    events = await say(engine, "sigamos con usted, sí soy yo")
    spoken = [e for e in events if isinstance(e, AgentSpeech)]
    assert spoken and all(e.language == "es" for e in spoken) and "dígitos" in spoken[0].text
    events = await say(engine, "4821 y 10001")
    spoken = [e for e in events if isinstance(e, AgentSpeech)]
    assert engine.state.verified and all(e.language == "es" for e in spoken)
    assert any("Esta es una comunicación para cobrar una deuda" in e.text for e in spoken)   # Mini-Miranda, Spanish
    streamed = [r for r in openai_fake.requests if r.get("stream")]
    assert streamed and any("reply only in Spanish" in (m.get("content") or "") for m in streamed[-1]["messages"])
    await engine.close()
