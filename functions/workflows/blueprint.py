"""The Durable Functions blueprint: the three orchestrators and the activities, registered by name.

function_app.py registers it with `app.register_functions(bp)`; activities share one lazily opened pool.
"""
from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import azure.durable_functions as df
from psycopg_pool import AsyncConnectionPool

from functions.workflows import names, orchestrators, recording_activities
from functions.workflows.activities import Activity, build_activities
from shared.db.pool import open_pool
from shared.workflows.dialing import ComplianceDialing

bp = df.Blueprint()
_activities: dict[str, Activity] | None = None
_lock = asyncio.Lock()


async def _activity(name: str) -> Activity:
    """Activities bound to a pool opened on first use in this worker."""
    global _activities
    async with _lock:
        if _activities is None:
            pool: AsyncConnectionPool = await open_pool(wait=False)
            _activities = build_activities(pool, ComplianceDialing(), lambda: datetime.now(UTC))
    return _activities[name]


for _name, _fn in ((names.CALLBACK_ORCHESTRATOR, orchestrators.callback_orchestrator),
                   (names.CAMPAIGN_ORCHESTRATOR, orchestrators.campaign_orchestrator),
                   (names.TARGET_ORCHESTRATOR, orchestrators.campaign_target_orchestrator)):
    bp.function_name(_name)(bp.orchestration_trigger(context_name="context")(_fn))


def _register_activity(name: str) -> None:
    async def run(params: dict[str, Any]) -> Any:
        return await (await _activity(name))(params)
    run.__name__ = name
    bp.function_name(name)(bp.activity_trigger(input_name="params")(run))


for _activity_name in (names.ACT_CALLBACK_GATE, names.ACT_CALLBACK_DIAL, names.ACT_CALLBACK_FINISH,
                       names.ACT_CAMPAIGN_LOAD, names.ACT_CAMPAIGN_PAGE, names.ACT_CAMPAIGN_STATUS,
                       names.ACT_TARGET_GATE, names.ACT_TARGET_DIAL, names.ACT_TARGET_RECORD):
    _register_activity(_activity_name)
recording_activities.register(bp)  # recording analysis (quality report): its own orchestrator and activity
