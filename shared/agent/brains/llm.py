"""The LLM brain: the openai SDK (OpenAI, Azure OpenAI or any compatible OPENAI_BASE_URL), streaming text and
tool calls with strict schemas, one tool call at a time, a prompt ordered for caching.

The clock is the caller's: a first-token budget of 1.5 s with a spoken filler at 1 s, at most one retry (on a
timeout, a dropped connection or a 5xx — never on a 4xx), so the caller hears something within ~2 s and the engine
can hand the call to the rules brain (BrainUnavailable) with the thread kept in the shared call state. An empty
reply is re-asked once and never stored. The brain reports its first token through the telemetry hook and its
token usage (prompt, cached, completion) as a `BrainMetrics` step output."""
from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import openai

from shared.agent.brains.base import (
    BrainMetrics,
    BrainUnavailable,
    Filler,
    StepOutput,
    TextDelta,
    ToolCallRequest,
    TurnInput,
)
from shared.agent.prompt import PROMPT_VERSION, Persona, build_messages
from shared.agent.tools import TOOLS
from shared.settings import Settings
from shared.telemetry.latency import note_llm_first_token

log = logging.getLogger(__name__)

FIRST_TOKEN_BUDGET_S = 1.5      # first attempt: request sent → first streamed chunk
RETRY_BUDGET_S = 1.0            # the one retry gets what is left of a ~2.5 s worst case
FILLER_AFTER_S = 1.0            # no first token by then: say a filler so the caller is not left in silence
MAX_TOKENS = 300                # two short spoken sentences and a tool call fit easily
FILLERS = ("One moment.", "Just a second.", "Let me see.")
EMPTY_REPLY_NUDGE = ("Your previous reply was empty. Reply to the caller now in one or two short spoken sentences, "
                     "or call a tool.")


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


_INLINE_MD = re.compile(r"\*\*|__|(?<!\w)\*(?=\w)|(?<=\w)\*(?!\w)|`+|~~")
_LINE_MD = re.compile(r"\n[ \t]*(?:#{1,6}[ \t]*|(?:[-*+•]|\d{1,2}[.)])[ \t]+)?")


class SpeechText:
    """Streams model text as speakable text: newlines, list markers, headings and emphasis removed on the fly (a
    few characters after a line break are held back until it is clear whether a list marker follows)."""

    def __init__(self) -> None:
        self._held = "\n"            # the stream starts at a line start

    def feed(self, delta: str) -> str:
        text = self._held + delta
        nl = text.rfind("\n")
        if nl != -1 and len(text) - nl <= 5:
            ready, self._held = text[:nl], text[nl:]
        else:
            ready, self._held = text, ""
        return self._clean(ready)

    def flush(self) -> str:
        rest, self._held = self._held, ""
        return self._clean(rest).rstrip()

    @staticmethod
    def _clean(text: str) -> str:
        out = _INLINE_MD.sub("", _LINE_MD.sub(" ", text))
        return out


class LlmBrain:
    name = "llm"

    def __init__(self, settings: Settings, *, client: openai.AsyncOpenAI | None = None, model: str | None = None,
                 first_token_budget_s: float = FIRST_TOKEN_BUDGET_S, retry_budget_s: float = RETRY_BUDGET_S,
                 filler_after_s: float = FILLER_AFTER_S, max_tokens: int = MAX_TOKENS) -> None:
        self._settings = settings
        if client is None:
            client, model = make_client(settings)
        self._client = client
        self._model = model or settings.openai_model
        self._stream_timeout = settings.llm_timeout_s        # between chunks, once the reply has started
        cap = settings.llm_timeout_s                          # LLM_TIMEOUT_S can only shorten the budgets
        self._budgets = (min(first_token_budget_s, cap), min(retry_budget_s, cap))
        self._filler_after = filler_after_s
        self._max_tokens = max_tokens
        self._tools = [spec.schema() for spec in TOOLS.values()]
        self._fillers = 0

    async def aclose(self) -> None:
        await self._client.close()

    def messages(self, turn: TurnInput) -> list[dict[str, Any]]:
        persona = Persona(turn.agent_name, turn.bank_name, turn.callback_number)
        tactic_name = turn.tactic.name if turn.tactic else "default"
        history = turn.conversation.sendable()
        return build_messages(persona=persona, tactic_name=tactic_name,
                              tactic_config=turn.tactic.config if turn.tactic else {}, customer=turn.customer,
                              state=turn.state, history=history, now_iso=turn.now_iso,
                              interrupted_after=turn.conversation.interrupted_after)

    def request(self, messages: list[dict[str, Any]], tactic_name: str) -> dict[str, Any]:
        """The chat.completions arguments (the fake validates them as the real endpoint would)."""
        return {"model": self._model, "messages": messages, "tools": self._tools, "tool_choice": "auto",
                "parallel_tool_calls": False, "stream": True, "stream_options": {"include_usage": True},
                "temperature": 0.3, "max_tokens": self._max_tokens,
                "prompt_cache_key": f"archer-{PROMPT_VERSION}-{tactic_name}"[:64]}

    async def _open(self, kwargs: dict[str, Any], budget: float) -> tuple[Any, Any, Any]:
        """Open the stream and wait for its first chunk, all within `budget` seconds."""
        async with asyncio.timeout(budget):
            stream: Any = await self._client.chat.completions.create(**kwargs)
            iterator = stream.__aiter__()
            try:
                first = await iterator.__anext__()
            except BaseException:
                await stream.close()
                raise
        return stream, iterator, first

    async def step(self, turn: TurnInput) -> AsyncIterator[StepOutput]:  # type: ignore[override]
        loop = asyncio.get_running_loop()
        started = loop.time()
        metrics = BrainMetrics()
        tactic = turn.tactic.name if turn.tactic else "default"
        kwargs = self.request(self.messages(turn), tactic)
        said_anything = False
        for reprompt in (False, True):
            if reprompt:
                kwargs = {**kwargs, "messages": [*kwargs["messages"], {"role": "system", "content": EMPTY_REPLY_NUDGE}]}
            opened: tuple[Any, Any, Any] | None = None
            async for item in self._first_chunk(kwargs, started, metrics):
                if isinstance(item, Filler):
                    yield item
                else:
                    opened = item
            if opened is None:
                raise BrainUnavailable("no first token")
            if metrics.ttft_ms is None:
                metrics.ttft_ms = (loop.time() - started) * 1000
                note_llm_first_token()
                turn.report("llm_ttft_ms", metrics.ttft_ms)       # the telemetry hook of this turn
            calls: list[ToolCallRequest] = []
            async for out in self._read(opened, metrics):
                if isinstance(out, TextDelta):
                    said_anything = said_anything or bool(out.text.strip())
                    yield out
                elif isinstance(out, ToolCallRequest):
                    calls.append(out)
            for call in calls:
                yield call
            if said_anything or calls:
                break
            log.warning("llm reply was empty%s", " again" if reprompt else "; asking once more")
        else:
            yield TextDelta(_reprompt_line(turn))          # never an empty turn: the caller hears a question
        yield metrics

    async def _first_chunk(self, kwargs: dict[str, Any], started: float,
                           metrics: BrainMetrics) -> AsyncIterator[Filler | tuple[Any, Any, Any]]:
        """Up to two attempts at a first chunk; a filler is yielded once if the turn reaches FILLER_AFTER_S."""
        loop = asyncio.get_running_loop()
        filler_due = started + self._filler_after
        for attempt, budget in enumerate(self._budgets, 1):
            metrics.requests += 1
            task = asyncio.ensure_future(self._open(kwargs, budget))
            try:
                while not task.done():
                    wait = filler_due - loop.time()
                    if wait > 0 and metrics.fillers == 0:
                        await asyncio.wait({task}, timeout=wait)
                        continue
                    if metrics.fillers == 0:
                        metrics.fillers += 1
                        yield Filler(FILLERS[self._fillers % len(FILLERS)])
                        self._fillers += 1
                        continue
                    await asyncio.wait({task})
                yield task.result()
                return
            except openai.APIStatusError as exc:
                if exc.status_code < 500:
                    raise BrainUnavailable(f"request rejected ({exc.status_code})") from exc   # a retry would be too
                log.warning("llm attempt %d failed: HTTP %d", attempt, exc.status_code)
            except (TimeoutError, openai.APIConnectionError, openai.APITimeoutError, StopAsyncIteration) as exc:
                log.warning("llm attempt %d failed: %s", attempt, type(exc).__name__)
            finally:
                if not task.done():
                    task.cancel()

    async def _read(self, opened: tuple[Any, Any, Any], metrics: BrainMetrics) -> AsyncIterator[StepOutput]:
        stream, iterator, chunk = opened
        fragments = _Fragments()
        speech = SpeechText()
        try:
            while True:
                for choice in chunk.choices or []:
                    delta = choice.delta
                    if delta is not None and delta.content:
                        text = speech.feed(delta.content)
                        if text:
                            yield TextDelta(text)
                    for tc in (delta.tool_calls or []) if delta is not None else []:
                        fragments.add(tc)
                usage = getattr(chunk, "usage", None)
                if usage is not None:
                    metrics.add_usage(usage)
                try:
                    chunk = await asyncio.wait_for(iterator.__anext__(), self._stream_timeout)
                except StopAsyncIteration:
                    break
        except (TimeoutError, openai.APIError) as exc:
            raise BrainUnavailable(f"stream failed: {type(exc).__name__}") from exc
        finally:
            await stream.close()
        rest = speech.flush()
        if rest:
            yield TextDelta(rest)
        for call in fragments.complete():
            yield call


def _reprompt_line(turn: TurnInput) -> str:
    if not turn.state.verified:
        return "Could you tell me the last four digits of your account number and your ZIP or postal code?"
    return "Sorry, I missed that. How would you like to go ahead?"


class LlmAdvisor:
    """negotiation_guidance's optional advice: a JSON-schema response, clamped by the tool to the policy band."""

    SCHEMA = {"name": "settlement_advice", "strict": True, "schema": {
        "type": "object", "additionalProperties": False, "required": ["counter_offer", "talking_point"],
        "properties": {"counter_offer": {"type": "string", "pattern": r"^\d{1,7}(\.\d{1,2})?$"},
                       "talking_point": {"type": "string"}}}}

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
            model=self._model, messages=messages, max_tokens=200,
            response_format=self._response_format()), self._timeout)
        content = resp.choices[0].message.content or "{}"
        data = json.loads(content)
        return data if isinstance(data, dict) else {}
