"""The Archer guide agent: brain (llm or rules) → one typed tool → guarded sentences and browser actions.

Brain choice like the collection engine (Settings.brain): `llm` when a key is configured, else `rules`; an llm
failure or timeout answers with the rules brain. Tools act only with the signed-in user's role."""
from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from shared.guide import rules, tools
from shared.guide.guard import safe_say, sentences
from shared.guide.llm import GuideLlm, LlmUnavailable
from shared.pii import mask_mapping
from shared.settings import Settings

log = logging.getLogger(__name__)
PoolGetter = Callable[[], Awaitable[Any]]


@dataclass
class GuideTurn:
    """What one question produced, in order: sentences to say, actions, the tool run, a tour to start."""
    say: list[str] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    tool: dict[str, Any] | None = None
    tour: str | None = None
    brain: str = "rules"
    brain_ms: float = 0.0


class GuideAgent:
    def __init__(self, get_pool: PoolGetter, settings: Settings,
                 brain: Literal["llm", "rules"] | None = None) -> None:
        self.get_pool = get_pool
        self.settings = settings
        self.brain_name = brain or settings.brain
        self._llm: GuideLlm | None = None

    def _brain(self) -> GuideLlm | None:
        if self.brain_name != "llm":
            return None
        if self._llm is None:
            try:
                self._llm = GuideLlm(self.settings)
            except Exception as exc:
                log.warning("guide llm not available, using the rules", extra={"error": type(exc).__name__})
                self.brain_name = "rules"
                return None
        return self._llm

    async def decide(self, text: str, caller: tools.Caller) -> tuple[rules.Decision, str]:
        llm = self._brain()
        if llm is not None:
            try:
                return await llm.decide(text, current_page=caller.page_path), "llm"
            except LlmUnavailable:
                pass
        return rules.decide(text, current_page=caller.page_path), "rules"

    async def answer(self, text: str, caller: tools.Caller) -> GuideTurn:
        started = time.perf_counter()
        decision, brain = await self.decide(text, caller)
        turn = await self.run(decision, caller)
        turn.brain = brain
        turn.brain_ms = round((time.perf_counter() - started) * 1000, 1)
        return turn

    async def run(self, decision: rules.Decision, caller: tools.Caller) -> GuideTurn:
        turn = GuideTurn()
        if isinstance(decision, rules.Reply):
            turn.say = [safe_say(s) for s in sentences(decision.text)]
            return turn
        name, raw = decision.name, dict(decision.arguments)
        try:
            outcome = await self._run_tool(name, raw, caller)
        except tools.ToolError as exc:
            outcome = tools.ToolOutcome(say=[str(exc)], result={"error": str(exc)})
        except Exception as exc:
            log.warning("guide tool failed", extra={"tool": name, "error": type(exc).__name__})
            outcome = tools.ToolOutcome(say=["Sorry, I couldn't get that just now. Please try again."],
                                        result={"error": "unavailable"})
        turn.say = [safe_say(s) for line in outcome.say for s in sentences(line)]
        turn.actions = outcome.actions
        turn.tour = outcome.tour
        turn.tool = {"type": "tool", "name": name, "arguments": mask_mapping(raw), "result": outcome.result}
        return turn

    async def _run_tool(self, name: str, raw: dict[str, Any], caller: tools.Caller) -> tools.ToolOutcome:
        args = tools.parse_arguments(name, raw)
        if isinstance(args, tools.Navigate):
            return tools.navigate(args, caller)
        if isinstance(args, tools.Explain):
            return tools.explain(args, caller)
        if isinstance(args, tools.RunDemoFlow):
            return tools.run_demo_flow(args, caller)
        if isinstance(args, tools.LaunchTestCall) and caller.role not in tools.SUPERVISOR_ROLES:
            return await tools.launch_test_call(args, caller, None)  # type: ignore[arg-type]  # refused first
        pool = await self.get_pool()
        async with pool.connection() as conn:
            if isinstance(args, tools.LaunchTestCall):
                return await tools.launch_test_call(args, caller, conn)
            assert isinstance(args, tools.QueryAnalytics)
            return await tools.query_analytics(args, caller, conn)
