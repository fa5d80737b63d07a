"""Scheduled jobs of the Function app: the audited retention purge (recordings at Twilio, then the database) on the
NCRONTAB schedule in the RETENTION_PURGE_SCHEDULE app setting (Bicep sets it; default 03:30 UTC daily), and the
callback re-arm every 15 minutes (a promised callback whose start never reached Durable is started then)."""
from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import azure.durable_functions as df
import azure.functions as func

from functions.workflows.callback_endpoint import start_callback
from shared.compliance.retention_job import run_retention
from shared.db.pool import open_pool
from shared.settings import get_settings
from shared.workflows.rearm import scheduled_callbacks

log = logging.getLogger("archer.retention")
bp = df.Blueprint()
REARM_GRACE = timedelta(minutes=5)           # the voice service's own retries get this long first


async def rearm_callbacks(client: df.DurableOrchestrationClient, rows: list[tuple[object, datetime]]) -> int:
    """Start the orchestration of each callback that has none (idempotent by callback id); return how many started."""
    started = 0
    for callback_id, scheduled_for in rows:
        answer = await start_callback(client, str(callback_id),
                                      json.dumps({"scheduled_for": scheduled_for.isoformat()}).encode())
        started += bool(answer.body.get("started"))
    return started


@bp.function_name("callback_rearm")
@bp.timer_trigger(schedule="0 */15 * * * *", arg_name="timer", run_on_startup=False, use_monitor=True)
@bp.durable_client_input(client_name="client")
async def callback_rearm(timer: func.TimerRequest, client: df.DurableOrchestrationClient) -> None:
    pool = await open_pool(max_size=2)
    try:
        async with pool.connection() as conn:
            rows = await scheduled_callbacks(conn, created_before=datetime.now(UTC) - REARM_GRACE)
    finally:
        await pool.close()
    started = await rearm_callbacks(client, list(rows))
    if started:
        log.warning("callbacks re-armed: their first start never reached Durable", extra={"started": started})


@bp.function_name("retention_purge")
@bp.timer_trigger(schedule="%RETENTION_PURGE_SCHEDULE%", arg_name="timer", run_on_startup=False, use_monitor=True)
async def retention_purge(timer: func.TimerRequest) -> None:
    if timer.past_due:
        log.warning("retention purge is running late")
    pool = await open_pool(max_size=2)
    try:
        await run_retention(pool, get_settings(), now=datetime.now(UTC))
    finally:
        await pool.close()
