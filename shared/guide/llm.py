"""The guide's `llm` brain: the openai SDK (OpenAI, Azure OpenAI or a compatible OPENAI_BASE_URL, made like the
collection engine's, shared/agent/brains/llm.py), streaming, strict tool schemas, exactly one tool call or a short
reply. Free questions are mapped onto the SAME typed analytics query the rules brain produces; the tools, not the
model, produce every figure (a reply of the model's own that holds a number is not used). Any failure, a timeout or
such a reply raises LlmUnavailable and the agent answers with the rules."""
from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any

from shared.guide.analytics import LATENCY_KINDS, METRICS, WINDOWS
from shared.guide.catalog import load_catalog
from shared.guide.rules import Decision, Reply, ToolCall
from shared.guide.tour import DEMO_FLOWS
from shared.settings import Settings

log = logging.getLogger(__name__)
MAX_TOKENS = 200


class LlmUnavailable(Exception):
    """The model did not answer usefully in time: the rules brain answers instead."""


def _fn(name: str, description: str, properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "function", "function": {
        "name": name, "description": description, "strict": True,
        "parameters": {"type": "object", "properties": properties, "required": list(properties),
                       "additionalProperties": False}}}


def tool_schemas() -> list[dict[str, Any]]:
    catalog = load_catalog()
    return [
        _fn("query_analytics", "Answer a question about calls, outcomes, tactics, latency or compliance with figures "
            "from the console's data. Window 'custom' means the last `days` days.", {
                "question": {"type": "string", "description": "the user's question, verbatim"},
                "metric": {"type": "string", "enum": list(METRICS)},
                "window": {"type": "string", "enum": list(WINDOWS)},
                "days": {"type": ["integer", "null"], "description": "for window custom: 1 to 365"},
                "tactic": {"type": ["string", "null"], "description": "a tactic name, or null for all tactics"},
                "latency": {"type": "string", "enum": list(LATENCY_KINDS)}}),
        _fn("navigate", "Show a page of the console.", {
            "page": {"type": "string", "enum": [p.id for p in catalog.pages]},
            "explain": {"type": "boolean", "description": "also summarise the page"}}),
        _fn("explain", "Explain a part of the screen and highlight it; 'this' = the page the user is on.", {
            "element": {"type": "string", "enum": [e.id for e in catalog.elements] + ["this"]}}),
        _fn("run_demo_flow", "Start a scripted demo, such as the quick tour of the console.", {
            "name": {"type": "string", "enum": list(DEMO_FLOWS)}}),
        _fn("launch_test_call", "Launch a simulated test call (never dials) with a customer and a tactic.", {
            "customer": {"type": "string", "description": "a customer name, phone number or account last four"},
            "tactic": {"type": "string", "description": "a tactic name, or empty for the default"}}),
    ]


SYSTEM = ("You are Archer, the guide of a bank collections console. Answer in one or two short spoken sentences, "
          "or call exactly one tool. Never state a figure yourself: figures come only from query_analytics. "
          "Never say a phone or account number.")


class GuideLlm:
    def __init__(self, settings: Settings) -> None:
        from shared.agent.brains.llm import make_client

        self.client, self.model = make_client(settings)
        self.timeout_s = settings.llm_timeout_s
        self.tools = tool_schemas()

    async def decide(self, text: str, *, current_page: str | None = None) -> Decision:
        messages = [{"role": "system", "content": SYSTEM},
                    {"role": "user", "content": f"(The user is on {current_page or '/'}.) {text}"}]
        try:
            async with asyncio.timeout(self.timeout_s):
                return await self._ask(messages)
        except LlmUnavailable:
            raise
        except Exception as exc:                       # timeouts, connection errors, HTTP errors
            log.warning("guide llm unavailable", extra={"error": type(exc).__name__})
            raise LlmUnavailable(type(exc).__name__) from exc

    async def _ask(self, messages: list[dict[str, Any]]) -> Decision:
        stream = await self.client.chat.completions.create(
            model=self.model, messages=messages, tools=self.tools, parallel_tool_calls=False,  # type: ignore[arg-type]
            stream=True, max_tokens=MAX_TOKENS, temperature=0)
        text: list[str] = []
        call: dict[str, str] = {"name": "", "arguments": ""}
        async for chunk in stream:  # type: ignore[union-attr]
            for choice in chunk.choices:
                delta = choice.delta
                if delta.content:
                    text.append(delta.content)
                for tc in delta.tool_calls or ():
                    if tc.index != 0:
                        continue
                    if tc.function is not None:
                        call["name"] += tc.function.name or ""
                        call["arguments"] += tc.function.arguments or ""
        if call["name"]:
            try:
                args = json.loads(call["arguments"] or "{}")
            except ValueError:
                raise LlmUnavailable("tool arguments were not JSON") from None
            if not isinstance(args, dict):
                raise LlmUnavailable("tool arguments were not an object")
            return ToolCall(call["name"], {k: v for k, v in args.items() if v is not None})
        reply = "".join(text).strip()
        if not reply:
            raise LlmUnavailable("empty reply")
        if re.search(r"\d", reply):
            # figures come only from the tools: a number the model wrote itself is not spoken
            raise LlmUnavailable("a figure outside a tool result")
        return Reply(reply[:600])
