"""A local OpenAI-compatible chat-completions server for tests: POST /v1/chat/completions with real SSE streaming
(delta.content, delta.tool_calls[i].function.{name,arguments} fragments, finish_reason, [DONE]), scripted reply by
reply, with a configurable time to first token, a hang mode (for timeouts), nonsense, and HTTP errors.

Every request is validated the way the real endpoint does (`validate_request`): roles and keys, each assistant
tool call answered by a tool result before anything else, no tool result without its call, no empty assistant turn,
tool schemas that are valid JSON Schema and obey strict mode. A violation is answered with HTTP 400, as the real API
would, and kept in `violations` so the test fails. With `stream_options.include_usage` the stream ends with a usage
chunk whose `cached_tokens` simulate OpenAI's prompt cache (the longest prefix shared with an earlier request, from
1,024 tokens in 128-token steps; tokens counted by `count_tokens`).

Requests with `response_format` (structured advice) get a JSON answer from `advice` instead of the script."""
from __future__ import annotations

import asyncio
import itertools
import json
import logging
import re
import threading
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

try:  # jsonschema checks that each tool's parameters are a valid schema (a dev dependency)
    import jsonschema
except ImportError:  # pragma: no cover
    jsonschema = None

from tests.support.servers import free_port

log = logging.getLogger(__name__)


@dataclass
class Reply:
    text: str = ""
    tool_calls: list[tuple[str, str]] = field(default_factory=list)   # (name, arguments JSON text)
    ttft_s: float | None = None          # delay before the first chunk (None: the fake's default)
    hang: bool = False                   # never send a chunk (the client must time out)
    status: int | None = None            # answer with this HTTP error instead
    chunk_chars: int = 7                 # size of content / argument fragments


NONSENSE = Reply(text="Blorp the ledger is $99,999.99 owed immediately, zebra quantum.")


class OpenAIFake:
    def __init__(self, *, ttft_s: float = 0.0) -> None:
        self.ttft_s = ttft_s
        self.script: deque[Reply] = deque()
        self.requests: list[dict[str, Any]] = []
        self.advice: dict[str, Any] = {"counter_offer": 1.0, "talking_point": "We can work with you."}
        self.violations: list[str] = []
        self._prompts: list[str] = []          # rendered prompts seen, for the simulated prompt cache
        self.default = Reply(text="I'm sorry, could you repeat that?")
        self._lock = threading.Lock()
        self.port = free_port()
        app = Starlette(routes=[Route("/v1/chat/completions", self._completions, methods=["POST"])])
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="openai-fake", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> OpenAIFake:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("openai fake did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)

    def push(self, *replies: Reply) -> None:
        with self._lock:
            self.script.extend(replies)

    def reset(self) -> None:
        with self._lock:
            self.script.clear()
            self.requests.clear()
            self.violations.clear()
            self._prompts.clear()

    def _next(self) -> Reply:
        with self._lock:
            return self.script.popleft() if self.script else self.default

    async def _completions(self, request: Request) -> Response:
        body = await request.json()
        problems = validate_request(body)
        with self._lock:
            self.requests.append(body)
            self.violations.extend(problems)
        if problems:
            log.warning("openai fake rejected a request: %s", "; ".join(problems))
            return JSONResponse({"error": {"message": problems[0], "type": "invalid_request_error",
                                           "param": None, "code": None}}, status_code=400)
        if body.get("response_format"):
            return JSONResponse(_completion(body.get("model", "fake"), json.dumps(self.advice)))
        usage = self._usage(body) if (body.get("stream_options") or {}).get("include_usage") else None
        reply = self._next()
        if reply.status is not None:
            return JSONResponse({"error": {"message": "scripted failure", "type": "server_error"}},
                                status_code=reply.status)
        if not body.get("stream"):
            return JSONResponse(_completion(body.get("model", "fake"), reply.text))
        return StreamingResponse(self._sse(reply, body.get("model", "fake"), usage), media_type="text/event-stream")

    def _usage(self, body: dict[str, Any]) -> dict[str, Any]:
        prompt = render_prompt(body)
        with self._lock:
            shared = max((_common_prefix(prompt, p) for p in self._prompts[-16:]), default=0)
            self._prompts.append(prompt)
        total = count_tokens(prompt)
        cached_raw = count_tokens(prompt[:shared]) if shared else 0
        cached = 0 if cached_raw < 1024 else 1024 + (cached_raw - 1024) // 128 * 128
        return {"prompt_tokens": total, "prompt_tokens_details": {"cached_tokens": min(cached, total)}}

    async def _sse(self, reply: Reply, model: str, usage: dict[str, Any] | None) -> AsyncIterator[bytes]:
        if reply.hang:
            await asyncio.sleep(3600)
        await asyncio.sleep(self.ttft_s if reply.ttft_s is None else reply.ttft_s)
        for chunk in _chunks(reply, model):
            yield f"data: {json.dumps(chunk)}\n\n".encode()
        if usage is not None:
            completion = count_tokens(reply.text) + sum(count_tokens(a) + 4 for _n, a in reply.tool_calls)
            done = {**usage, "completion_tokens": completion, "total_tokens": usage["prompt_tokens"] + completion}
            yield f"data: {json.dumps({**_base(model), 'choices': [], 'usage': done})}\n\n".encode()
        yield b"data: [DONE]\n\n"


def _base(model: str) -> dict[str, Any]:
    return {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()), "model": model}


def _delta(model: str, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {**_base(model), "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


def _pieces(text: str, n: int) -> list[str]:
    return [text[i:i + n] for i in range(0, len(text), n)] or [""]


_CALL_IDS = itertools.count(1)        # unique across replies, as the real API's ids are


def _chunks(reply: Reply, model: str) -> list[dict[str, Any]]:
    out = [_delta(model, {"role": "assistant", "content": ""})]
    if reply.text:
        out += [_delta(model, {"content": piece}) for piece in _pieces(reply.text, reply.chunk_chars)]
    # Parallel tool calls: open every call first, then interleave their argument fragments, as the API may.
    for i, (name, _args) in enumerate(reply.tool_calls):
        out.append(_delta(model, {"tool_calls": [{"index": i, "id": f"call_{next(_CALL_IDS)}_{name}", "type": "function",
                                                  "function": {"name": name, "arguments": ""}}]}))
    frags = [_pieces(args, reply.chunk_chars) for _name, args in reply.tool_calls]
    for step in range(max((len(f) for f in frags), default=0)):
        for i, f in enumerate(frags):
            if step < len(f):
                out.append(_delta(model, {"tool_calls": [{"index": i, "function": {"arguments": f[step]}}]}))
    out.append(_delta(model, {}, "tool_calls" if reply.tool_calls else "stop"))
    return out


def _completion(model: str, content: str) -> dict[str, Any]:
    return {"id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}


# ---- the real endpoint's request checks -------------------------------------------------------------------------
_TOP_KEYS = {"model", "messages", "tools", "tool_choice", "parallel_tool_calls", "stream", "stream_options",
             "temperature", "top_p", "max_tokens", "max_completion_tokens", "prompt_cache_key", "response_format",
             "user", "seed", "metadata", "store", "n", "stop", "frequency_penalty", "presence_penalty", "logprobs"}
_MESSAGE_KEYS = {"system": {"role", "content", "name"}, "developer": {"role", "content", "name"},
                 "user": {"role", "content", "name"},
                 "assistant": {"role", "content", "name", "tool_calls", "refusal", "audio"},
                 "tool": {"role", "content", "tool_call_id"}}
_STRICT_UNSUPPORTED = {"default", "minLength", "maxLength", "minItems", "maxItems", "patternProperties",
                       "unevaluatedProperties", "if", "then", "else", "not", "dependentRequired"}


def validate_request(body: dict[str, Any]) -> list[str]:
    """What the real chat-completions endpoint would reject in this request (empty: it would accept it)."""
    problems = [f"Unrecognized request argument supplied: {k}" for k in body if k not in _TOP_KEYS]
    if not isinstance(body.get("model"), str) or not body.get("model"):
        problems.append("'model' is required")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return [*problems, "'messages' must be a non-empty array"]
    problems += _validate_messages(messages)
    tools = body.get("tools")
    if tools is not None:
        problems += _validate_tools(tools)
    elif "parallel_tool_calls" in body or "tool_choice" in body:
        problems.append("'parallel_tool_calls' and 'tool_choice' are only allowed when 'tools' are specified")
    if "stream_options" in body and not body.get("stream"):
        problems.append("'stream_options' is only allowed when 'stream' is true")
    for key in ("max_tokens", "max_completion_tokens"):
        if key in body and (not isinstance(body[key], int) or body[key] < 1):
            problems.append(f"'{key}' must be a positive integer")
    if "prompt_cache_key" in body and not isinstance(body["prompt_cache_key"], str):
        problems.append("'prompt_cache_key' must be a string")
    return problems


def _validate_messages(messages: list[Any]) -> list[str]:
    problems: list[str] = []
    pending: dict[str, int] = {}          # tool_call_id → index of the assistant message that made the call
    for i, m in enumerate(messages):
        role = m.get("role") if isinstance(m, dict) else None
        if role not in _MESSAGE_KEYS:
            problems.append(f"messages[{i}].role {role!r} is not one of {sorted(_MESSAGE_KEYS)}")
            continue
        extra = set(m) - _MESSAGE_KEYS[role]
        if extra:
            problems.append(f"messages[{i}]: additional properties are not allowed ({sorted(extra)})")
        if role != "tool" and pending:
            problems.append(f"messages[{i}]: an assistant message with 'tool_calls' must be followed by tool messages "
                            f"responding to each 'tool_call_id' (missing {sorted(pending)})")
            pending = {}
        content = m.get("content")
        if role in ("system", "developer", "user"):
            if not (isinstance(content, str) and content.strip()) and not isinstance(content, list):
                problems.append(f"messages[{i}].content must be a non-empty string")
        elif role == "assistant":
            calls = m.get("tool_calls")
            if calls is not None and (not isinstance(calls, list) or not calls):
                problems.append(f"messages[{i}].tool_calls must be a non-empty array")
                calls = None
            if not calls and not (isinstance(content, str) and content.strip()):
                problems.append(f"messages[{i}]: an assistant message needs 'content' or 'tool_calls'")
            for j, call in enumerate(calls or []):
                fn = call.get("function") if isinstance(call, dict) else None
                if not (isinstance(call, dict) and isinstance(call.get("id"), str) and call.get("type") == "function"
                        and isinstance(fn, dict) and isinstance(fn.get("name"), str)
                        and isinstance(fn.get("arguments"), str)):
                    problems.append(f"messages[{i}].tool_calls[{j}] is malformed")
                    continue
                pending[call["id"]] = i
        else:                              # tool
            call_id = m.get("tool_call_id")
            if call_id not in pending:
                problems.append(f"messages[{i}]: messages with role 'tool' must be a response to a preceding message "
                                f"with 'tool_calls' (tool_call_id {call_id!r})")
            pending.pop(call_id, None)
            if not isinstance(content, str):
                problems.append(f"messages[{i}].content must be a string")
    if pending:
        problems.append(f"an assistant message with 'tool_calls' must be followed by tool messages responding to each "
                        f"'tool_call_id' (missing {sorted(pending)})")
    return problems


def _validate_tools(tools: Any) -> list[str]:
    if not isinstance(tools, list) or not tools:
        return ["'tools' must be a non-empty array"]
    problems: list[str] = []
    names: set[str] = set()
    for i, t in enumerate(tools):
        fn = t.get("function") if isinstance(t, dict) else None
        if not isinstance(fn, dict) or t.get("type") != "function":
            problems.append(f"tools[{i}] must be {{'type': 'function', 'function': {{...}}}}")
            continue
        name = fn.get("name")
        if not isinstance(name, str) or not re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", name) or name in names:
            problems.append(f"tools[{i}].function.name {name!r} is invalid or repeated")
        names.add(str(name))
        params = fn.get("parameters", {})
        if jsonschema is not None:
            try:
                jsonschema.Draft202012Validator.check_schema(params)
            except jsonschema.SchemaError as exc:
                problems.append(f"tools[{i}].function.parameters is not a valid JSON Schema: {exc.message}")
        if fn.get("strict"):
            problems += [f"tools[{i}] ({name}): {p}" for p in _strict_problems(params, "parameters")]
    return problems


def _strict_problems(schema: Any, where: str) -> list[str]:
    """OpenAI strict mode: objects close their properties and require all of them; some keywords are unsupported."""
    if not isinstance(schema, dict):
        return []
    problems = [f"{where}: '{k}' is not supported in strict mode" for k in schema if k in _STRICT_UNSUPPORTED]
    types = schema.get("type")
    if types == "object" or (isinstance(types, list) and "object" in types):
        props = schema.get("properties", {})
        if schema.get("additionalProperties") is not False:
            problems.append(f"{where}: 'additionalProperties' must be false")
        if sorted(schema.get("required", [])) != sorted(props):
            problems.append(f"{where}: every property must be listed in 'required'")
        for key, sub in props.items():
            problems += _strict_problems(sub, f"{where}.{key}")
    for key in ("items", "anyOf"):
        sub = schema.get(key)
        for k, s in enumerate(sub if isinstance(sub, list) else [sub] if sub else []):
            problems += _strict_problems(s, f"{where}.{key}[{k}]")
    return problems


# ---- tokens and the simulated prompt cache ---------------------------------------------------------------------
_TOKEN_RE = re.compile(r"[A-Za-z]+|\d{1,3}|\s+|[^\sA-Za-z\d]")


def count_tokens(text: str) -> int:
    """Tokens of `text`: tiktoken's o200k_base when its encoding is available offline, else an approximation of it
    (letters in pieces of up to 6 characters with their leading space, digits in threes, each symbol one token;
    within ~10% of o200k_base on English prompt text)."""
    enc = _encoding()
    if enc is not None:
        return len(enc.encode(text))
    n = 0
    for m in _TOKEN_RE.finditer(text):
        tok = m.group(0)
        if tok.isspace():
            n += tok.count("\n") and 1
        elif tok[0].isalpha():
            n += -(-len(tok) // 6)
        else:
            n += 1
    return n


_ENC: list[Any] = []


def _encoding() -> Any:
    if not _ENC:
        try:
            import tiktoken

            _ENC.append(tiktoken.get_encoding("o200k_base"))
        except Exception:  # not installed, or the encoding file cannot be fetched offline
            _ENC.append(None)
    return _ENC[0]


def render_prompt(body: dict[str, Any]) -> str:
    """The request as the model sees it, in order — what the prompt cache keys on: the leading system message, the
    tool definitions (rendered into the system part, as chat models do), then every other message."""
    messages = list(body.get("messages") or [])
    head = messages.pop(0) if messages and messages[0].get("role") in ("system", "developer") else None
    parts = [_render(head)] if head else []
    parts.append(json.dumps(body.get("tools") or [], sort_keys=True))
    parts += [_render(m) for m in messages]
    return "".join(parts)


def _render(m: dict[str, Any]) -> str:
    calls = json.dumps(m.get("tool_calls"), sort_keys=True) if m.get("tool_calls") else ""
    return f"<|{m.get('role')}|>{m.get('content') or ''}{calls}{m.get('tool_call_id') or ''}<|end|>"


def _common_prefix(a: str, b: str) -> int:
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:                       # binary search on slice equality: C speed on long prompts
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo
