"""A local OpenAI-compatible chat-completions server for tests: POST /v1/chat/completions with real SSE streaming
(delta.content, delta.tool_calls[i].function.{name,arguments} fragments, finish_reason, [DONE]), scripted reply by
reply, with a configurable time to first token, a hang mode (for timeouts), nonsense, and HTTP errors.

Requests with `response_format` (structured advice) get a JSON answer from `advice` instead of the script."""
from __future__ import annotations

import asyncio
import json
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

from tests.support.servers import free_port


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

    def _next(self) -> Reply:
        with self._lock:
            return self.script.popleft() if self.script else self.default

    async def _completions(self, request: Request) -> Response:
        body = await request.json()
        with self._lock:
            self.requests.append(body)
        if body.get("response_format"):
            return JSONResponse(_completion(body.get("model", "fake"), json.dumps(self.advice)))
        reply = self._next()
        if reply.status is not None:
            return JSONResponse({"error": {"message": "scripted failure", "type": "server_error"}},
                                status_code=reply.status)
        if not body.get("stream"):
            return JSONResponse(_completion(body.get("model", "fake"), reply.text))
        return StreamingResponse(self._sse(reply, body.get("model", "fake")), media_type="text/event-stream")

    async def _sse(self, reply: Reply, model: str) -> AsyncIterator[bytes]:
        if reply.hang:
            await asyncio.sleep(3600)
        await asyncio.sleep(self.ttft_s if reply.ttft_s is None else reply.ttft_s)
        for chunk in _chunks(reply, model):
            yield f"data: {json.dumps(chunk)}\n\n".encode()
        yield b"data: [DONE]\n\n"


def _base(model: str) -> dict[str, Any]:
    return {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()), "model": model}


def _delta(model: str, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {**_base(model), "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


def _pieces(text: str, n: int) -> list[str]:
    return [text[i:i + n] for i in range(0, len(text), n)] or [""]


def _chunks(reply: Reply, model: str) -> list[dict[str, Any]]:
    out = [_delta(model, {"role": "assistant", "content": ""})]
    if reply.text:
        out += [_delta(model, {"content": piece}) for piece in _pieces(reply.text, reply.chunk_chars)]
    # Parallel tool calls: open every call first, then interleave their argument fragments, as the API may.
    for i, (name, _args) in enumerate(reply.tool_calls):
        out.append(_delta(model, {"tool_calls": [{"index": i, "id": f"call_{i}_{name}", "type": "function",
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
