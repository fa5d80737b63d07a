"""Activity bodies by name: each opens a pooled connection, runs its step from shared/workflows/steps.py.

Shared by the Durable blueprint (Azure) and the local driver, so both hosts run exactly the same work.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from psycopg_pool import AsyncConnectionPool

from functions.workflows import names
from shared.workflows import steps
from shared.workflows.dialing import Dialing

Activity = Callable[[dict[str, Any]], Awaitable[Any]]


def build_activities(pool: AsyncConnectionPool, dialing: Dialing, now: Callable[[], datetime]) -> dict[str, Activity]:
    """Every activity the orchestrators call, bound to a pool, a Dialing and a clock."""

    def plain(step: Callable[..., Awaitable[Any]]) -> Activity:
        async def run(params: dict[str, Any]) -> Any:
            async with pool.connection() as conn:
                return await step(conn, params)
        return run

    def dialing_step(step: Callable[..., Awaitable[Any]]) -> Activity:
        async def run(params: dict[str, Any]) -> Any:
            async with pool.connection() as conn:
                return await step(conn, params, now=now(), dialing=dialing)
        return run

    return {
        names.ACT_CALLBACK_GATE: dialing_step(steps.callback_gate),
        names.ACT_CALLBACK_DIAL: dialing_step(steps.callback_dial),
        names.ACT_CALLBACK_FINISH: plain(steps.callback_finish),
        names.ACT_CAMPAIGN_LOAD: plain(steps.campaign_load),
        names.ACT_CAMPAIGN_PAGE: plain(steps.campaign_page),
        names.ACT_CAMPAIGN_STATUS: plain(steps.campaign_status),
        names.ACT_TARGET_GATE: dialing_step(steps.target_gate),
        names.ACT_TARGET_DIAL: dialing_step(steps.target_dial),
        names.ACT_TARGET_RECORD: plain(steps.target_record),
    }
