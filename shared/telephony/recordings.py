"""Recording status callbacks: the recording's SID, URL, duration and channels, stored on its call.

Only a `completed` recording is stored; repeating the same callback writes the same values (idempotent).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from psycopg import AsyncConnection

from shared.db.calls import update_call
from shared.telephony.call_status import lock_call

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecordingEvent:
    call_sid: str
    recording_sid: str
    url: str
    status: str
    duration_s: int | None
    channels: int | None


async def record_recording(conn: AsyncConnection, event: RecordingEvent) -> bool:
    """Store the recording on its call; False when there is nothing to store (not completed, unknown call)."""
    if event.status != "completed":
        log.info("recording_not_completed", extra={"call_sid": event.call_sid, "status": event.status})
        return False
    call = await lock_call(conn, call_sid=event.call_sid)
    if call is None:
        log.warning("recording_unknown_call", extra={"call_sid": event.call_sid})
        return False
    channels = event.channels if event.channels in (1, 2) else None
    duration = event.duration_s if event.duration_s is not None and event.duration_s >= 0 else None
    await update_call(conn, call.id, recording_sid=event.recording_sid, recording_url=event.url,
                      recording_duration_s=duration, recording_channels=channels)
    log.info("recording_stored", extra={"call_id": str(call.id), "recording_sid": event.recording_sid})
    return True
