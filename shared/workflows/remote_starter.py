"""WorkflowStarter for processes outside the Function app (the voice service): starts the callback orchestration
through the Function app's authenticated HTTP endpoint (functions/workflows/callback_endpoint.py).

The request carries the callback id as its idempotency key and the endpoint derives the Durable instance id from it,
so retries after a lost response or a cold Function app start at most one orchestration per promised callback.
"""
from __future__ import annotations

import asyncio
import logging
import uuid
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


class _Retryable(Exception):
    """A transient answer (408, 429, 5xx): try again."""


class FunctionAppWorkflowStarter:
    """Starts and cancels callback orchestrations over HTTPS with the Function app's key (`x-functions-key`)."""

    def __init__(self, base_url: str, function_key: str | None, *, max_attempts: int = MAX_ATTEMPTS,
                 initial_wait_s: float = 0.2, max_wait_s: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._key = function_key
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

    async def _post(self, path: str, body: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        headers = {"Idempotency-Key": idempotency_key}
        if self._key:
            headers["x-functions-key"] = self._key
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
                        raise WorkflowEndpointError(f"workflow endpoint refused the request ({response.status})")
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
