"""Every scenario, twice: with the rules brain, and with the llm brain (real openai SDK, streaming SSE with tool-call
fragments) against the local OpenAI fake scripted with that scenario's brain steps. DB state is read back from
PostgreSQL; expectations are in the YAML."""
from __future__ import annotations

import json

import pytest
from psycopg_pool import AsyncConnectionPool

from shared.agent.brains.llm import LlmAdvisor, LlmBrain, make_client
from shared.agent.brains.rules import RulesBrain
from shared.agent.engine import BrainStep
from shared.settings import Settings
from tests.fakes.openai_fake import OpenAIFake, Reply
from tests.scenarios.conftest import reseed
from tests.scenarios.harness import Scenario, check, load_all, run_scenario

SCENARIOS = load_all()
# The rules run's brain steps, kept for the llm run of the same scenario (computed there if the rules test did not run).
REFERENCE_STEPS: dict[str, list[BrainStep]] = {}


def test_there_are_at_least_sixty_scenarios() -> None:
    assert len(SCENARIOS) >= 60


def script_from(steps: list[BrainStep]) -> list[Reply]:
    """The rules brain's decisions as an LLM would stream them: text, then (parallel) tool calls."""
    return [Reply(text=s.text, tool_calls=[(c["name"], json.dumps(c["arguments"])) for c in s.tool_calls])
            for s in steps]


@pytest.mark.parametrize("sc", SCENARIOS, ids=[s.name for s in SCENARIOS])
async def test_scenario_with_rules_brain(sc: Scenario, fresh_db: AsyncConnectionPool, rules_settings: Settings) -> None:
    result = await run_scenario(fresh_db, sc, settings=rules_settings, brain=RulesBrain())
    assert check(result) == [], "\n".join(result.spoken)
    REFERENCE_STEPS[sc.name] = result.steps


@pytest.mark.parametrize("sc", SCENARIOS, ids=[s.name for s in SCENARIOS])
async def test_scenario_with_llm_brain(sc: Scenario, fresh_db: AsyncConnectionPool, rules_settings: Settings,
                                       llm_settings: Settings, openai_fake: OpenAIFake) -> None:
    steps = REFERENCE_STEPS.get(sc.name)
    if steps is None:
        steps = (await run_scenario(fresh_db, sc, settings=rules_settings, brain=RulesBrain())).steps
        await reseed(fresh_db)
    openai_fake.push(*script_from(steps))
    client, model = make_client(llm_settings)
    brain = LlmBrain(llm_settings, client=client, model=model)
    result = await run_scenario(fresh_db, sc, settings=llm_settings, brain=brain,
                                advisor=LlmAdvisor(client, model, llm_settings.llm_timeout_s))
    assert check(result) == [], "\n".join(result.spoken)
    assert not result.engine.fell_back
    # the llm brain reported its first-token time through the telemetry hook, once per turn it spoke in
    assert any(t.llm_ttft_ms is not None for t in result.engine.timings) == bool(steps)
    assert [s.brain for s in result.steps] == ["llm"] * len(steps)
    streamed = [r for r in openai_fake.requests if r.get("stream")]
    assert len(streamed) == len(steps)
    # every tool result went back to the model with the id it gave the call
    for req in streamed:
        ids = {tc["id"] for m in req["messages"] if m["role"] == "assistant" for tc in m.get("tool_calls") or []}
        assert all(m["tool_call_id"] in ids for m in req["messages"] if m["role"] == "tool")
        assert {t["function"]["name"] for t in req["tools"]} >= {"verify_account", "process_payment"}
