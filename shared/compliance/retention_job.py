"""The scheduled retention run: delete the recordings of calls past retention at Twilio, then run the audited
database purge (shared/compliance/retention.py). The Function app's timer calls it; nothing here knows about hosts.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from psycopg_pool import AsyncConnectionPool

from shared.compliance.retention import PurgeResult, purge_expired
from shared.settings import Settings

log = logging.getLogger(__name__)

# The calls the purge will delete (its `calls` step runs after events older than the cutoff are gone).
_EXPIRED_RECORDINGS = """
SELECT k.recording_sid FROM calls k
 WHERE k.recording_sid IS NOT NULL AND k.started_at < %(cutoff)s AND (k.ended_at IS NULL OR k.ended_at < %(cutoff)s)
   AND NOT EXISTS (SELECT 1 FROM compliance_events e WHERE e.call_id = k.id AND e.occurred_at >= %(cutoff)s)
"""


async def delete_recordings(client: Any, recording_sids: Iterable[str]) -> int:
    """Delete each recording at Twilio through the SDK; one already gone (404) counts as deleted. Any other failure
    propagates before the database purge, so the rows stay and the next run tries again."""
    from twilio.base.exceptions import TwilioRestException

    deleted = 0
    for sid in recording_sids:
        try:
            await client.recordings(sid).delete_async()
        except TwilioRestException as exc:
            if exc.status != 404:
                raise
        deleted += 1
    return deleted


@dataclass(frozen=True)
class RetentionRun:
    purge: PurgeResult
    recordings_deleted: int


async def run_retention(pool: AsyncConnectionPool, settings: Settings, *, now: datetime) -> RetentionRun:
    cutoff = now - timedelta(days=settings.retention_days)
    async with pool.connection() as conn:
        rows = await (await conn.execute(_EXPIRED_RECORDINGS, {"cutoff": cutoff})).fetchall()
    sids = [str(row[0]) for row in rows]
    deleted = 0
    if sids:
        from shared.telephony.twilio_client import build_async_client, close_client

        client = build_async_client(settings)
        try:
            deleted = await delete_recordings(client, sids)
        finally:
            await close_client(client)
    async with pool.connection() as conn:
        result = await purge_expired(conn, now=now, retention_days=settings.retention_days)
    log.info("retention run finished", extra={"recordings_deleted": deleted, "calls_deleted": result.calls})
    return RetentionRun(purge=result, recordings_deleted=deleted)
