"""The `llm` brain through the OpenAI fake (real SDK, strict tool schemas validated by the fake): a free question
becomes a scripted query_analytics tool call whose typed query the tools answer from the admin data; a model that
hangs or answers nonsense tool arguments falls back to the rules brain."""
from __future__ import annotations

import json

from tests.fakes.openai_fake import OpenAIFake, Reply
from tests.integration.api import factories
from tests.integration.guide.conftest import guide_stack
from tests.integration.guide.support import open_guide, said


def llm_settings(fake: OpenAIFake) -> dict:
    return {"agent_brain": "llm", "openai_api_key": "test-openai-key-not-real", "openai_base_url": fake.base_url,
            "llm_timeout_s": 0.5}


async def test_llm_brain_maps_a_free_question_to_the_typed_query(seeded, pool):
    customer = await factories.customer(seeded)
    await factories.call(seeded, customer_id=customer.id, outcome="promise_to_pay")
    await factories.call(seeded, customer_id=customer.id, outcome="refused")
    fake = OpenAIFake().start()
    try:
        fake.push(Reply(tool_calls=[("query_analytics", json.dumps({
            "question": "how are we converting today?", "metric": "success_rate", "window": "today", "days": None,
            "tactic": None, "latency": "voice_to_voice"}))]))
        async with guide_stack(pool, settings_extra=llm_settings(fake)) as stack:
            cm, g, _ = await open_guide(stack.base, "viewer-token")
            try:
                seen = await g.ask("how are we converting today?")
            finally:
                await cm.__aexit__(None, None, None)
        assert not fake.violations, fake.violations
        request = fake.requests[-1]
        assert {t["function"]["name"] for t in request["tools"]} == {
            "query_analytics", "navigate", "explain", "run_demo_flow", "launch_test_call"}
        assert all(t["function"]["strict"] for t in request["tools"])
        tool = next(m for m in seen if m["type"] == "tool")
        assert tool["name"] == "query_analytics" and tool["result"]["query"]["metric"] == "success_rate"
        assert "The success rate today is 50 percent: 1 of 2 connected calls" in said(seen)
    finally:
        fake.stop()


async def test_a_hung_or_careless_model_falls_back_to_the_rules(seeded, pool):
    fake = OpenAIFake().start()
    try:
        fake.push(Reply(hang=True), Reply(tool_calls=[("navigate", "{not json")]),
                  Reply(text="Your success rate is 97 percent."))
        async with guide_stack(pool, settings_extra=llm_settings(fake)) as stack:
            cm, g, _ = await open_guide(stack.base, "viewer-token")
            try:
                seen = await g.ask("go to the tactics page")          # hangs → timeout → rules
                assert {"type": "action", "action": "navigate", "path": "/tactics"} in seen
                seen = await g.ask("how many calls today?")           # bad arguments → rules
                assert "There were 0 calls today" in said(seen)
                seen = await g.ask("what is the success rate today?")  # a made-up figure → rules
                assert "97" not in said(seen) and "no success rate today" in said(seen)
            finally:
                await cm.__aexit__(None, None, None)
    finally:
        fake.stop()
