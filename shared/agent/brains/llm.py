"""The LLM brain: the openai SDK (OpenAI, Azure OpenAI or any compatible OPENAI_BASE_URL), streaming text and
tool calls (fragments assembled, parallel calls), a first-token timeout with one retry; failures raise
BrainUnavailable so the engine can hand the call to the rules brain."""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import openai

from shared.agent.brains.base import BrainUnavailable, StepOutput, TextDelta, ToolCallRequest, TurnInput
from shared.agent.prompt import Persona, build_system_prompt
from shared.agent.tools import TOOLS
from shared.settings import Settings

log = logging.getLogger(__name__)


def make_client(settings: Settings) -> tuple[openai.AsyncOpenAI, str]:
    """The SDK client and the model (or Azure deployment) name; the SDK's own retries are off (we retry)."""
    key = settings.secret("openai_api_key")
    timeout = settings.llm_timeout_s * 4
    if settings.azure_openai_endpoint:
        client: openai.AsyncOpenAI = openai.AsyncAzureOpenAI(
            azure_endpoint=settings.azure_openai_endpoint, api_key=key, api_version=settings.azure_openai_api_version,
            azure_deployment=settings.azure_openai_deployment, max_retries=0, timeout=timeout)
        return client, settings.azure_openai_deployment or settings.openai_model
    client = openai.AsyncOpenAI(api_key=key or "not-needed-for-local", base_url=settings.openai_base_url,
                                max_retries=0, timeout=timeout)
    return client, settings.openai_model


@dataclass
class _Fragments:
    """Tool-call deltas by index → complete calls (ids and names arrive once, arguments in pieces)."""

    calls: dict[int, dict[str, str]] = field(default_factory=dict)

    def add(self, delta: Any) -> None:
        slot = self.calls.setdefault(delta.index, {"id": "", "name": "", "arguments": ""})
        if delta.id:
            slot["id"] = delta.id
        if delta.function is not None:
            slot["name"] += delta.function.name or ""
            slot["arguments"] += delta.function.arguments or ""

    def complete(self) -> list[ToolCallRequest]:
        out = []
        for index in sorted(self.calls):
            c = self.calls[index]
            try:
                args = json.loads(c["arguments"] or "{}")
                parsed: dict[str, Any] | None = args if isinstance(args, dict) else None
            except json.JSONDecodeError:
                parsed = None
            out.append(ToolCallRequest(c["id"] or f"call_{index}", c["name"], parsed, c["arguments"]))
        return out


class LlmBrain:
    name = "llm"

    def __init__(self, settings: Settings, *, client: openai.AsyncOpenAI | None = None,
                 model: str | None = None) -> None:
        self._settings = settings
        if client is None:
            client, model = make_client(settings)
        self._client = client
        self._model = model or settings.openai_model
        self._timeout = settings.llm_timeout_s
        self._tools = [spec.schema() for spec in TOOLS.values()]
        self.last_ttft_ms: float | None = None

    async def aclose(self) -> None:
        await self._client.close()

    def _messages(self, turn: TurnInput) -> list[dict[str, Any]]:
        persona = Persona(turn.agent_name, turn.bank_name, turn.callback_number)
        tactic_cfg = turn.tactic.config if turn.tactic else {}
        system = build_system_prompt(persona=persona, tactic_name=turn.tactic.name if turn.tactic else "default",
                                     tactic_config=tactic_cfg, customer=turn.customer, state=turn.state)
        return [{"role": "system", "content": system}, *turn.conversation.messages]

    async def _open(self, messages: list[dict[str, Any]]) -> tuple[Any, Any]:
        """Open the stream and wait for its first chunk, within the first-token timeout."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        stream: Any = await asyncio.wait_for(self._client.chat.completions.create(
            model=self._model, messages=messages, tools=self._tools, stream=True,  # type: ignore[arg-type]
            parallel_tool_calls=True, temperature=0.3), self._timeout)
        iterator = stream.__aiter__()
        try:
            first = await asyncio.wait_for(iterator.__anext__(), self._timeout)
        except BaseException:
            await stream.close()
            raise
        self.last_ttft_ms = (loop.time() - started) * 1000
        return stream, (iterator, first)

    async def step(self, turn: TurnInput) -> AsyncIterator[StepOutput]:  # type: ignore[override]
        messages = self._messages(turn)
        opened = None
        for attempt in (1, 2):                      # one retry, only before the first token
            try:
                opened = await self._open(messages)
                break
            except (TimeoutError, openai.APIError, StopAsyncIteration) as exc:
                log.warning("llm first token failed (attempt %d): %s", attempt, type(exc).__name__)
        if opened is None:
            raise BrainUnavailable("no first token")
        stream, (iterator, first) = opened
        if self.last_ttft_ms is not None:
            turn.report("llm_ttft_ms", self.last_ttft_ms)
        fragments = _Fragments()
        try:
            chunk = first
            while True:
                for choice in chunk.choices or []:
                    delta = choice.delta
                    if delta is not None and delta.content:
                        yield TextDelta(delta.content)
                    for tc in (delta.tool_calls or []) if delta is not None else []:
                        fragments.add(tc)
                try:
                    chunk = await asyncio.wait_for(iterator.__anext__(), self._timeout)
                except StopAsyncIteration:
                    break
        except (TimeoutError, openai.APIError) as exc:
            raise BrainUnavailable(f"stream failed: {type(exc).__name__}") from exc
        finally:
            await stream.close()
        for call in fragments.complete():
            yield call


class LlmAdvisor:
    """negotiation_guidance's optional advice: a JSON-schema response, clamped by the tool to the policy band."""

    SCHEMA = {"name": "settlement_advice", "strict": True, "schema": {
        "type": "object", "additionalProperties": False, "required": ["counter_offer", "talking_point"],
        "properties": {"counter_offer": {"type": "number"}, "talking_point": {"type": "string"}}}}

    def _response_format(self) -> Any:
        return {"type": "json_schema", "json_schema": self.SCHEMA}

    def __init__(self, client: openai.AsyncOpenAI, model: str, timeout_s: float) -> None:
        self._client, self._model, self._timeout = client, model, timeout_s

    async def advise(self, *, balance: str, floor: str, anchor: str, customer_offer: str,
                     counters_made: int) -> dict[str, Any]:
        prompt = (f"A customer owes {balance}. Policy: settlements between {floor} and {anchor}. The customer "
                  f"offered {customer_offer}; we have countered {counters_made} times. Suggest one counter offer "
                  "and one short, respectful talking point.")
        messages: Any = [{"role": "user", "content": prompt}]
        resp: Any = await asyncio.wait_for(self._client.chat.completions.create(
            model=self._model, messages=messages,
            response_format=self._response_format()), self._timeout)
        content = resp.choices[0].message.content or "{}"
        data = json.loads(content)
        return data if isinstance(data, dict) else {}
