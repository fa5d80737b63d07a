"""Recording analysis as durable work: Twilio's recording callback starts a one-activity orchestration that fetches
the dual-channel recording and stores the per-turn gaps heard on it (shared/quality/recording_analysis.py).

In Azure the Durable host runs it (retried on failure); under the dev host and in tests, where the workflow starter
is not the Durable client, the same activity body runs in-process after the webhook has answered.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
import uuid
from collections.abc import Generator
from typing import Any

import azure.durable_functions as df
from fastapi import FastAPI
from psycopg_pool import AsyncConnectionPool

from functions.workflows import names
from functions.workflows.activities import Activity
from shared.quality.recording_analysis import analyze_call_recording
from shared.settings import Settings, get_settings

log = logging.getLogger(__name__)

RECORDING_ORCHESTRATOR = names.RECORDING_ORCHESTRATOR
ACT_RECORDING_ANALYZE = names.ACT_RECORDING_ANALYZE
RETRY_FIRST_MS = 60_000
RETRY_ATTEMPTS = 3


def instance_id(call_id: uuid.UUID) -> str:
    return f"recording-{call_id}"


def build_activity(pool: AsyncConnectionPool, settings: Settings) -> Activity:
    """The activity body: analyse one call's recording; returns the outcome as JSON-safe data."""
    async def run(params: dict[str, Any]) -> Any:
        call_id = uuid.UUID(str(params["call_id"]))

        async def fetch(url: str) -> bytes:
            from shared.telephony.recording_media import fetch_recording  # aiohttp: only when there is work

            return await fetch_recording(settings, url)

        async with pool.connection() as conn:
            outcome = await analyze_call_recording(conn, call_id, fetch)
        return {**dataclasses.asdict(outcome), "call_id": str(outcome.call_id)}
    return run


def recording_analysis_orchestrator(context: Any) -> Generator[Any, Any, Any]:
    retry = df.RetryOptions(first_retry_interval_in_milliseconds=RETRY_FIRST_MS,
                            max_number_of_attempts=RETRY_ATTEMPTS)
    result = yield context.call_activity_with_retry(ACT_RECORDING_ANALYZE, retry, context.get_input())
    return result


_activity: Activity | None = None
_lock = asyncio.Lock()


def register(bp: df.Blueprint) -> None:
    """Add the orchestrator and its activity to the Durable blueprint (the activity opens its pool on first use)."""
    bp.function_name(RECORDING_ORCHESTRATOR)(bp.orchestration_trigger(context_name="context")(
        recording_analysis_orchestrator))

    async def wf_recording_analyze(params: dict[str, Any]) -> Any:
        global _activity
        async with _lock:
            if _activity is None:
                from shared.db.pool import open_pool

                _activity = build_activity(await open_pool(wait=False, max_size=2), get_settings())
        return await _activity(params)

    bp.function_name(ACT_RECORDING_ANALYZE)(bp.activity_trigger(input_name="params")(wf_recording_analyze))


async def request_analysis(app: FastAPI, call_id: uuid.UUID) -> None:
    """Start the analysis of a call's recording: a Durable orchestration in the Function app, else in-process."""
    from functions.workflows.durable_starter import DurableWorkflowStarter, client_binding_from_env

    try:
        if isinstance(getattr(app.state, "workflow_starter", None), DurableWorkflowStarter):
            client = df.DurableOrchestrationClient(client_binding_from_env())
            await client.start_new(RECORDING_ORCHESTRATOR, instance_id(call_id), {"call_id": str(call_id)})
            return
        from functions.deps import get_pool

        await build_activity(await get_pool(app), get_settings())({"call_id": str(call_id)})
    except Exception as exc:  # the webhook has answered already: log it, never raise into the server
        log.warning("recording_analysis_error", extra={"call_id": str(call_id), "error": type(exc).__name__})
