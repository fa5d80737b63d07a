"""Scheduled jobs of the Function app: the audited retention purge (recordings at Twilio, then the database), on the
NCRONTAB schedule in the RETENTION_PURGE_SCHEDULE app setting (Bicep sets it; default 03:30 UTC daily)."""
from __future__ import annotations

import logging
from datetime import UTC, datetime

import azure.functions as func

from shared.compliance.retention_job import run_retention
from shared.db.pool import open_pool
from shared.settings import get_settings

log = logging.getLogger("archer.retention")
bp = func.Blueprint()


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
