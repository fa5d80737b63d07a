"""WorkflowStarter for processes outside the Function app (the voice service): starts the callback orchestration
through the Function app's authenticated HTTP endpoint (functions/workflows/callback_endpoint.py).

The request carries the callback id as its idempotency key and the endpoint derives the Durable instance id from it,
so retries after a lost response or a cold Function app start at most one orchestration per promised callback.
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import aiohttp
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

log = logging.getLogger("archer.workflows.remote")

CALLBACKS_PATH = "/api/workflows/callbacks"
ATTEMPT_TIMEOUT_S = 5.0
MAX_ATTEMPTS = 5


class WorkflowEndpointError(Exception):
    """The Function app refused the request (4xx other than 408/429): retrying would not help."""

    def __init__(self, status: int) -> None:
        super().__init__(f"workflow endpoint refused the request ({status})")
        self.status = status


class _Retryable(Exception):
    """A transient answer (408, 429, 5xx): try again."""


KeyProvider = Callable[[bool], "str | None"]      # refresh=True after a 401: read the (rotated) key again


class FunctionAppWorkflowStarter:
    """Starts and cancels callback orchestrations over HTTPS with the Function app's key (`x-functions-key`).

    The key is read when first needed (Key Vault in Azure, off the event loop) and read again once after a 401/403,
    so a rotated key is picked up without a restart."""

    def __init__(self, base_url: str, function_key: str | KeyProvider | None, *, max_attempts: int = MAX_ATTEMPTS,
                 initial_wait_s: float = 0.2, max_wait_s: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._provider: KeyProvider = function_key if callable(function_key) else (lambda _refresh: function_key)
        self._key: str | None = None
        self._key_read = False
        self._max_attempts = max_attempts
        self._initial_wait_s, self._max_wait_s = initial_wait_s, max_wait_s
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=ATTEMPT_TIMEOUT_S))
        return self._session

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _function_key(self, refresh: bool = False) -> str | None:
        if refresh or not self._key_read:
            self._key = await asyncio.to_thread(self._provider, refresh)
            self._key_read = True
        return self._key

    async def _post(self, path: str, body: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        try:
            return await self._post_with_retries(path, body, idempotency_key, await self._function_key())
        except WorkflowEndpointError as exc:
            if exc.status not in (401, 403):
                raise
            log.warning("workflow endpoint refused the function key; reading it again")
            return await self._post_with_retries(path, body, idempotency_key, await self._function_key(refresh=True))

    async def _post_with_retries(self, path: str, body: dict[str, Any], idempotency_key: str,
                                 key: str | None) -> dict[str, Any]:
        headers = {"Idempotency-Key": idempotency_key}
        if key:
            headers["x-functions-key"] = key
        url = f"{self.base_url}{path}"
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._max_attempts),
            wait=wait_exponential_jitter(multiplier=self._initial_wait_s, max=self._max_wait_s, jitter=self._initial_wait_s),
            retry=retry_if_exception_type((_Retryable, aiohttp.ClientError, asyncio.TimeoutError)),
            reraise=True,
            before_sleep=lambda state: log.warning(
                "workflow endpoint attempt failed; retrying",
                extra={"attempt": state.attempt_number, "path": path,
                       "error": type(state.outcome.exception()).__name__ if state.outcome else None}),
        )
        async for attempt in retrying:
            with attempt:
                async with self._client().post(url, json=body, headers=headers) as response:
                    if response.status in (408, 429) or response.status >= 500:
                        raise _Retryable(f"workflow endpoint answered {response.status}")
                    if response.status >= 400:
                        raise WorkflowEndpointError(response.status)
                    answer: dict[str, Any] = await response.json(content_type=None)
                    return answer
        raise AssertionError("unreachable")  # pragma: no cover - AsyncRetrying re-raises the last error

    async def start_callback(self, callback_id: uuid.UUID, scheduled_for: datetime) -> str:
        answer = await self._post(f"{CALLBACKS_PATH}/{callback_id}", {"scheduled_for": scheduled_for.isoformat()},
                                  str(callback_id))
        return str(answer["instance_id"])

    async def cancel_callback(self, callback_id: uuid.UUID, reason: str) -> None:
        await self._post(f"{CALLBACKS_PATH}/{callback_id}/cancel", {"reason": reason}, f"cancel-{callback_id}")

    async def start_campaign(self, campaign_id: uuid.UUID) -> str:
        raise NotImplementedError("campaigns are started by the admin API inside the Function app")

    async def signal_campaign(self, campaign_id: uuid.UUID, signal: str) -> None:
        raise NotImplementedError("campaigns are signalled by the admin API inside the Function app")

    async def notify_call_outcome(self, call_id: uuid.UUID, status: str, outcome: str | None) -> None:
        raise NotImplementedError("call outcomes reach the workflows through the Twilio status webhook")
