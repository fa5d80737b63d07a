"""Request size limits for the HTTP app: a declared or streamed body over the limit is refused with 413
before it is buffered (imports get a larger allowance than JSON bodies)."""
from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
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
