"""Request limits for the HTTP app: a declared or streamed body over the limit is refused with 413 before it is
buffered (imports get a larger allowance than JSON bodies); a source address that keeps failing authentication
(401 on the admin API) or Twilio's signature check (403 on /api/twilio) is refused with 429 + Retry-After for the
rest of the window. Counting goes through the one limiter (shared/ratelimit.py)."""
from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.ratelimit import DoorLimits, Limiter, source_address

log = logging.getLogger("archer.api.limits")

DEFAULT_MAX_BODY = 1 * 1024 * 1024
IMPORT_MAX_BODY = 20 * 1024 * 1024
_LARGE_BODY_PATHS = ("/api/v1/customers/import",)


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit} bytes")


def body_limit_for(path: str) -> int:
    return IMPORT_MAX_BODY if path in _LARGE_BODY_PATHS else DEFAULT_MAX_BODY


class BodySizeLimitMiddleware:
    """Pure ASGI middleware: checks Content-Length, then counts streamed bytes as the app reads them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit_for(scope.get("path", ""))
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _send_413(scope, send, limit)
            return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)  # rendered as a 413 problem by the app's handlers
            return message

        await self.app(scope, counting_receive, send)


def _header(scope: Scope, wanted: bytes) -> str | None:
    """A request header's value (repeated headers joined with commas, as HTTP defines)."""
    values = [value.decode("latin-1") for name, value in scope.get("headers", []) if name == wanted]
    return ",".join(values) if values else None


def _content_length(scope: Scope) -> int | None:
    value = _header(scope, b"content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


async def _send_413(scope: Scope, send: Send, limit: int) -> None:
    import json

    body = json.dumps({"type": "https://archer.example/problems/content-too-large", "title": "Content too large",
                       "status": 413, "detail": f"the request body is larger than {limit} bytes",
                       "instance": scope.get("path", "")}).encode()
    headers: list[Any] = [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode()),
                          (b"connection", b"close")]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _door(path: str, limits: DoorLimits) -> tuple[str, int, int] | None:
    """(door, the response status that counts against the source, the limit) for a path, if limited."""
    if path.startswith("/api/twilio/"):
        return "unsigned_twilio", 403, limits.unsigned_twilio_per_source_per_minute
    if path.startswith("/api/v1/") and path != "/api/v1/health":      # probes are never refused
        return "unauthenticated", 401, limits.unauthenticated_per_source_per_minute
    return None


class SourceLimitMiddleware:
    """Pure ASGI: refuses a source already over its failure limit; counts each failed answer it gets."""

    def __init__(self, app: ASGIApp, *, redis_url: str | None = None, limits: DoorLimits | None = None) -> None:
        self.app = app
        self.limits = limits or DoorLimits()
        self.limiter = Limiter(redis_url)
        self._logged: set[str] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        door = _door(scope.get("path", ""), self.limits) if scope["type"] == "http" else None
        if door is None:
            await self.app(scope, receive, send)
            return
        name, failing_status, limit = door
        source = source_address((scope.get("client") or (None, 0))[0], _header(scope, b"x-forwarded-for"))
        verdict = await self.limiter.peek(name, source, limit=limit)
        if not verdict.allowed:
            if f"{name}:{source}" not in self._logged:      # one line per source and door, not one per request
                if len(self._logged) > 10_000:
                    self._logged.clear()
                self._logged.add(f"{name}:{source}")
                log.warning("source refused: too many failed requests", extra={"door": name})
            await _send_429(scope, send, verdict.retry_after_s)
            return
        self._logged.discard(f"{name}:{source}")
        status = 0

        async def watching_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, receive, watching_send)
        if status == failing_status:
            await self.limiter.hit(name, source, limit=limit)

    async def close(self) -> None:
        await self.limiter.close()


async def _send_429(scope: Scope, send: Send, retry_after_s: int) -> None:
    import json

    body = json.dumps({"type": "https://archer.example/problems/too-many-requests", "title": "Too many requests",
                       "status": 429, "detail": "too many failed requests from this address; retry later",
                       "instance": scope.get("path", "")}).encode()
    headers: list[Any] = [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode()),
                          (b"retry-after", str(retry_after_s).encode())]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": body})
