"""Calls and what happens on them: the call row, transcript entries, tool executions and per-turn latencies.

Child rows carry a per-call `seq`, so a write-behind retry of the same entry is a no-op, never a duplicate.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from shared.db.errors import NotFoundError, domain_errors


@dataclass(frozen=True)
class Call:
    id: uuid.UUID
    call_sid: str | None
    customer_id: uuid.UUID | None
    direction: str
    call_type: str
    status: str
    outcome: str | None
    tactic_id: int | None
    tactic_version: int | None
    campaign_id: uuid.UUID | None
    callback_id: uuid.UUID | None
    contact_attempt_id: int | None
    from_number: str | None
    to_number: str | None
    answered_by: str | None
    recording_sid: str | None
    recording_url: str | None
    recording_duration_s: int | None
    recording_channels: int | None
    verified: bool
    conversation_at: datetime | None
    error_code: str | None
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    duration_s: int | None
    last_status_seq: int | None
    created_at: datetime
    updated_at: datetime
    ended_reason: str | None = None         # e.g. 'process_died' when finalized by the next start
    handled_by: str | None = None           # the voice process that ran the call


@dataclass(frozen=True)
class NewCall:
    direction: str
    call_type: str
    customer_id: uuid.UUID | None = None
    call_sid: str | None = None
    status: str = "queued"
    tactic_id: int | None = None
    tactic_version: int | None = None
    campaign_id: uuid.UUID | None = None
    callback_id: uuid.UUID | None = None
    contact_attempt_id: int | None = None
    from_number: str | None = None
    to_number: str | None = None
    handled_by: str | None = None


@dataclass(frozen=True)
class TranscriptEntry:
    call_id: uuid.UUID
    seq: int
    speaker: str
    text: str
    interrupted: bool
    spoken_at: datetime


@dataclass(frozen=True)
class ToolExecution:
    call_id: uuid.UUID
    seq: int
    name: str
    arguments: dict[str, Any]
    result: Any
    success: bool
    error: str | None
    duration_ms: Decimal
    executed_at: datetime


@dataclass(frozen=True)
class TurnMetrics:
    call_id: uuid.UUID
    turn: int
    speech_end_at: datetime | None = None
    stt_ms: float | None = None
    llm_ttft_ms: float | None = None
    first_sentence_ms: float | None = None
    tts_ttfb_ms: float | None = None
    first_frame_ms: float | None = None
    voice_to_voice_ms: float | None = None
    overhead_ms: float | None = None
    interrupted: bool = False
    tool_ms: float | None = None           # the engine's time in tools this turn (voice/call/observation.py)


_NEW_CALL_COLUMNS = ("direction", "call_type", "customer_id", "call_sid", "status", "tactic_id", "tactic_version",
                     "campaign_id", "callback_id", "contact_attempt_id", "from_number", "to_number", "handled_by")


async def create_call(conn: AsyncConnection, new: NewCall) -> Call:
    """Insert a call; a call SID already recorded raises DuplicateError."""
    cols = ", ".join(_NEW_CALL_COLUMNS)
    placeholders = ", ".join(["%s"] * len(_NEW_CALL_COLUMNS))
    with domain_errors():
        async with conn.cursor(row_factory=class_row(Call)) as cur:
            await cur.execute(f"INSERT INTO calls ({cols}) VALUES ({placeholders}) RETURNING *",
                              [getattr(new, c) for c in _NEW_CALL_COLUMNS])
            row = await cur.fetchone()
    assert row is not None
    return row


async def get_call(conn: AsyncConnection, call_id: uuid.UUID) -> Call:
    async with conn.cursor(row_factory=class_row(Call)) as cur:
        await cur.execute("SELECT * FROM calls WHERE id = %s", (call_id,))
        row = await cur.fetchone()
    if row is None:
        raise NotFoundError("call not found")
    return row


async def find_by_sid(conn: AsyncConnection, call_sid: str) -> Call | None:
    async with conn.cursor(row_factory=class_row(Call)) as cur:
        await cur.execute("SELECT * FROM calls WHERE call_sid = %s", (call_sid,))
        return await cur.fetchone()


_UPDATABLE = {"call_sid", "status", "outcome", "answered_by", "recording_sid", "recording_url",
              "recording_duration_s", "recording_channels", "verified", "conversation_at", "error_code",
              "answered_at", "ended_at", "duration_s", "last_status_seq", "customer_id", "tactic_id",
              "tactic_version"}


async def update_call(conn: AsyncConnection, call_id: uuid.UUID, **fields: Any) -> Call:
    """Set the given columns on a call (column names are checked against an allow-list)."""
    unknown = set(fields) - _UPDATABLE
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    # started_at is stamped by the database's clock and ended_at by whichever host saw the end (this app, the
    # engine, Twilio): a host clock behind the database's must not end a call before it started (the CHECK).
    assignments = ", ".join("ended_at = GREATEST(%s, started_at)" if name == "ended_at" and value is not None
                            else f"{name} = %s" for name, value in fields.items())
    with domain_errors():
        async with conn.cursor(row_factory=class_row(Call)) as cur:
            await cur.execute(f"UPDATE calls SET {assignments} WHERE id = %s RETURNING *",
                              [*fields.values(), call_id])
            row = await cur.fetchone()
    if row is None:
        raise NotFoundError("call not found")
    return row


async def add_transcript_entry(conn: AsyncConnection, call_id: uuid.UUID, seq: int, speaker: str, text: str, *,
                               interrupted: bool = False, spoken_at: datetime | None = None) -> bool:
    """Store one transcript entry; returns False when (call, seq) was already stored (an idempotent retry)."""
    cur = await conn.execute(
        "INSERT INTO call_transcript_entries (call_id, seq, speaker, text, interrupted, spoken_at) "
        "VALUES (%s, %s, %s, %s, %s, COALESCE(%s, now())) ON CONFLICT (call_id, seq) DO NOTHING",
        (call_id, seq, speaker, text, interrupted, spoken_at))
    return cur.rowcount == 1


async def list_transcript(conn: AsyncConnection, call_id: uuid.UUID) -> list[TranscriptEntry]:
    async with conn.cursor(row_factory=class_row(TranscriptEntry)) as cur:
        await cur.execute(
            "SELECT call_id, seq, speaker, text, interrupted, spoken_at FROM call_transcript_entries "
            "WHERE call_id = %s ORDER BY seq", (call_id,))
        return await cur.fetchall()


async def add_tool_execution(conn: AsyncConnection, call_id: uuid.UUID, seq: int, name: str, arguments: dict[str, Any],
                             result: Any, *, success: bool, duration_ms: float, error: str | None = None,
                             executed_at: datetime | None = None) -> bool:
    """Store one tool execution (arguments already PII-masked by the caller); idempotent on (call, seq)."""
    cur = await conn.execute(
        "INSERT INTO tool_executions (call_id, seq, name, arguments, result, success, error, duration_ms, executed_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, COALESCE(%s, now())) ON CONFLICT (call_id, seq) DO NOTHING",
        (call_id, seq, name, Jsonb(arguments), Jsonb(result), success, error, round(duration_ms, 2), executed_at))
    return cur.rowcount == 1


async def list_tool_executions(conn: AsyncConnection, call_id: uuid.UUID) -> list[ToolExecution]:
    async with conn.cursor(row_factory=class_row(ToolExecution)) as cur:
        await cur.execute(
            "SELECT call_id, seq, name, arguments, result, success, error, duration_ms, executed_at "
            "FROM tool_executions WHERE call_id = %s ORDER BY seq", (call_id,))
        return await cur.fetchall()


async def record_turn_metrics(conn: AsyncConnection, m: TurnMetrics) -> None:
    """Upsert one turn's latency breakdown; figures merge, so the engine (LLM timings) and the voice pipeline
    (speech, TTS, frame timings) can each write the part they measure, and a retried write never duplicates."""
    await conn.execute(
        """INSERT INTO turn_metrics (call_id, turn, speech_end_at, stt_ms, llm_ttft_ms, first_sentence_ms,
               tts_ttfb_ms, first_frame_ms, voice_to_voice_ms, overhead_ms, interrupted, tool_ms)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
           ON CONFLICT (call_id, turn) DO UPDATE SET
               speech_end_at = COALESCE(EXCLUDED.speech_end_at, turn_metrics.speech_end_at),
               stt_ms = COALESCE(EXCLUDED.stt_ms, turn_metrics.stt_ms),
               llm_ttft_ms = COALESCE(EXCLUDED.llm_ttft_ms, turn_metrics.llm_ttft_ms),
               first_sentence_ms = COALESCE(EXCLUDED.first_sentence_ms, turn_metrics.first_sentence_ms),
               tts_ttfb_ms = COALESCE(EXCLUDED.tts_ttfb_ms, turn_metrics.tts_ttfb_ms),
               first_frame_ms = COALESCE(EXCLUDED.first_frame_ms, turn_metrics.first_frame_ms),
               voice_to_voice_ms = COALESCE(EXCLUDED.voice_to_voice_ms, turn_metrics.voice_to_voice_ms),
               overhead_ms = COALESCE(EXCLUDED.overhead_ms, turn_metrics.overhead_ms),
               interrupted = EXCLUDED.interrupted OR turn_metrics.interrupted,
               tool_ms = COALESCE(EXCLUDED.tool_ms, turn_metrics.tool_ms)""",
        (m.call_id, m.turn, m.speech_end_at, m.stt_ms, m.llm_ttft_ms, m.first_sentence_ms, m.tts_ttfb_ms,
         m.first_frame_ms, m.voice_to_voice_ms, m.overhead_ms, m.interrupted, m.tool_ms))


async def finish_call(conn: AsyncConnection, call_id: uuid.UUID, *, ended_at: datetime | None = None) -> None:
    """Close a call record from the media side: ended_at and duration once, and a still-live status → completed.

    Idempotent and order-tolerant: a status callback that already finalised the call keeps its values.
    """
    await conn.execute(
        """UPDATE calls SET ended_at = COALESCE(ended_at, GREATEST(COALESCE(%s, now()), started_at)),
               duration_s = COALESCE(duration_s, GREATEST(0, EXTRACT(EPOCH FROM COALESCE(%s, now())
                            - COALESCE(answered_at, started_at)))::int),
               status = CASE WHEN status IN ('queued', 'initiated', 'ringing', 'in-progress') THEN 'completed'
                             ELSE status END,
               updated_at = now()
           WHERE id = %s""", (ended_at, ended_at, call_id))


async def claim_stream(conn: AsyncConnection, call_id: uuid.UUID, instance: str) -> bool:
    """Take the call's one media stream for this voice process; False when it was already taken (a replayed stream
    token or voice webhook never starts a second pipeline on a call)."""
    cur = await conn.execute(
        "UPDATE calls SET handled_by = %s WHERE id = %s AND handled_by IS NULL RETURNING id", (instance, call_id))
    return await cur.fetchone() is not None


OPEN_STATUSES = ("queued", "initiated", "ringing", "in-progress")

_FINALIZE_ORPHANS = """
UPDATE calls c SET
  status = 'completed',
  ended_reason = 'process_died',
  outcome = COALESCE(c.outcome,
    CASE WHEN EXISTS (SELECT 1 FROM payment_arrangements a WHERE a.call_id = c.id) THEN 'payment_arranged'
         WHEN EXISTS (SELECT 1 FROM callbacks b WHERE b.requested_on_call_id = c.id) THEN 'callback_scheduled'
    END),
  ended_at = COALESCE(c.ended_at, GREATEST(c.started_at,
    (SELECT max(t.spoken_at) FROM call_transcript_entries t WHERE t.call_id = c.id),
    (SELECT max(x.executed_at) FROM tool_executions x WHERE x.call_id = c.id)))
WHERE c.handled_by = %s AND c.status IN ('queued', 'initiated', 'ringing', 'in-progress')
RETURNING c.id"""


async def open_call_handlers(conn: AsyncConnection, *, except_instance: str) -> list[str]:
    """The voice processes that hold calls still open (other than `except_instance`)."""
    cur = await conn.execute(
        "SELECT DISTINCT handled_by FROM calls WHERE handled_by IS NOT NULL AND handled_by <> %s "
        "AND status IN ('queued', 'initiated', 'ringing', 'in-progress')", (except_instance,))
    return [row[0] for row in await cur.fetchall()]


async def finalize_orphaned_calls(conn: AsyncConnection, instance: str) -> list[uuid.UUID]:
    """Close the calls a dead voice process left open: completed, outcome from what was recorded (an arrangement,
    a callback), ended at the last recorded activity, `ended_reason` 'process_died'."""
    cur = await conn.execute(_FINALIZE_ORPHANS, (instance,))
    return [row[0] for row in await cur.fetchall()]
