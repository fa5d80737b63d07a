"""Call history for the admin API: filtered keyset pages (cursor = started_at, id), transcript text search over
the tsvector GIN index, the full detail of one call, and a streamed CSV export."""
from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import class_row

from shared.db.errors import NotFoundError

LIST_TIMEOUT_MS = 3000


class BadCursorError(ValueError):
    """The pagination cursor was not produced by this API."""


@dataclass(frozen=True)
class CallFilter:
    status: str | None = None
    outcome: str | None = None
    tactic_id: int | None = None
    customer_id: uuid.UUID | None = None
    campaign_id: uuid.UUID | None = None
    started_from: datetime | None = None
    started_to: datetime | None = None
    text: str | None = None


@dataclass(frozen=True)
class CallRow:
    id: uuid.UUID
    call_sid: str | None
    customer_id: uuid.UUID | None
    customer_name: str | None
    direction: str
    call_type: str
    status: str
    outcome: str | None
    tactic_id: int | None
    tactic_name: str | None
    tactic_version: int | None
    campaign_id: uuid.UUID | None
    to_number: str | None
    answered_by: str | None
    verified: bool
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    duration_s: int | None
    recording_url: str | None


def encode_cursor(started_at: datetime, call_id: uuid.UUID) -> str:
    raw = f"{started_at.isoformat()}|{call_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, call_id = raw.split("|", 1)
        started = datetime.fromisoformat(when)
        if started.tzinfo is None:
            raise ValueError("naive")
        return started, uuid.UUID(call_id)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadCursorError("the cursor is not valid") from exc


_SELECT = """
SELECT c.id, c.call_sid, c.customer_id,
       CASE WHEN cu.id IS NULL THEN NULL ELSE cu.first_name || ' ' || cu.last_name END AS customer_name,
       c.direction, c.call_type, c.status, c.outcome, c.tactic_id, t.name AS tactic_name, c.tactic_version,
       c.campaign_id, c.to_number, c.answered_by, c.verified, c.started_at, c.answered_at, c.ended_at,
       c.duration_s, c.recording_url
FROM calls c
LEFT JOIN customers cu ON cu.id = c.customer_id
LEFT JOIN behavioral_tactics t ON t.id = c.tactic_id
"""


def _where(f: CallFilter, after: tuple[datetime, uuid.UUID] | None) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    for column, value in (("c.status", f.status), ("c.outcome", f.outcome), ("c.tactic_id", f.tactic_id),
                          ("c.customer_id", f.customer_id), ("c.campaign_id", f.campaign_id)):
        if value is not None:
            clauses.append(f"{column} = %s")
            params.append(value)
    if f.started_from is not None:
        clauses.append("c.started_at >= %s")
        params.append(f.started_from)
    if f.started_to is not None:
        clauses.append("c.started_at < %s")
        params.append(f.started_to)
    if f.text:
        # A correlated probe per candidate call, newest first: cheap for common words (the first page fills
        # quickly); for rare words the planner can drive from the GIN index instead.
        clauses.append("EXISTS (SELECT 1 FROM call_transcript_entries e WHERE e.call_id = c.id "
                       "AND e.text_search @@ websearch_to_tsquery('english', %s))")
        params.append(f.text)
    if after is not None:
        clauses.append("(c.started_at, c.id) < (%s, %s)")
        params.extend(after)
    return (f"WHERE {' AND '.join(clauses)}" if clauses else ""), params


async def list_calls(conn: AsyncConnection, f: CallFilter, *, limit: int, cursor: str | None = None
                     ) -> tuple[list[CallRow], str | None]:
    """One page, newest first, and the cursor of the next page (None at the end)."""
    after = decode_cursor(cursor) if cursor else None
    where, params = _where(f, after)
    await conn.execute(f"SET LOCAL statement_timeout = {LIST_TIMEOUT_MS}")
    async with conn.cursor(row_factory=class_row(CallRow)) as cur:
        await cur.execute(f"{_SELECT} {where} ORDER BY c.started_at DESC, c.id DESC LIMIT %s", [*params, limit + 1])
        rows = await cur.fetchall()
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (encode_cursor(rows[-1].started_at, rows[-1].id) if more and rows else None)


async def export_calls(conn: AsyncConnection, f: CallFilter, *, batch: int = 2000) -> AsyncIterator[list[CallRow]]:
    """Every matching call, newest first, in batches from a server-side cursor."""
    where, params = _where(f, None)
    async with conn.transaction(), conn.cursor(name="call_export", row_factory=class_row(CallRow)) as cur:
        await cur.execute(f"{_SELECT} {where} ORDER BY c.started_at DESC, c.id DESC", params)
        while rows := await cur.fetchmany(batch):
            yield rows


@dataclass(frozen=True)
class TranscriptLine:
    seq: int
    speaker: str
    text: str
    interrupted: bool
    spoken_at: datetime


@dataclass(frozen=True)
class ToolRun:
    seq: int
    name: str
    arguments: dict[str, Any]
    result: Any
    success: bool
    error: str | None
    duration_ms: Decimal
    executed_at: datetime


@dataclass(frozen=True)
class ComplianceRow:
    id: int
    category: str
    code: str
    details: dict[str, Any]
    occurred_at: datetime


@dataclass(frozen=True)
class TurnLatency:
    turn: int
    stt_ms: Decimal | None
    llm_ttft_ms: Decimal | None
    first_sentence_ms: Decimal | None
    tts_ttfb_ms: Decimal | None
    first_frame_ms: Decimal | None
    voice_to_voice_ms: Decimal | None
    overhead_ms: Decimal | None
    interrupted: bool


@dataclass(frozen=True)
class CallDetail:
    call: CallRow
    recording_sid: str | None
    recording_duration_s: int | None
    error_code: str | None
    transcript: list[TranscriptLine]
    tools: list[ToolRun]
    compliance: list[ComplianceRow]
    turns: list[TurnLatency]


async def _all(conn: AsyncConnection, cls: type[Any], sql: str, call_id: uuid.UUID) -> list[Any]:
    async with conn.cursor(row_factory=class_row(cls)) as cur:
        await cur.execute(sql, (call_id,))
        return await cur.fetchall()


async def call_detail(conn: AsyncConnection, call_id: uuid.UUID) -> CallDetail:
    async with conn.cursor(row_factory=class_row(CallRow)) as cur:
        await cur.execute(f"{_SELECT} WHERE c.id = %s", (call_id,))
        row = await cur.fetchone()
    if row is None:
        raise NotFoundError("call not found")
    cur2 = await conn.execute("SELECT recording_sid, recording_duration_s, error_code FROM calls WHERE id = %s",
                              (call_id,))
    extra = await cur2.fetchone()
    assert extra is not None
    transcript = await _all(conn, TranscriptLine, "SELECT seq, speaker, text, interrupted, spoken_at "
                            "FROM call_transcript_entries WHERE call_id = %s ORDER BY seq", call_id)
    tools = await _all(conn, ToolRun, "SELECT seq, name, arguments, result, success, error, duration_ms, executed_at "
                       "FROM tool_executions WHERE call_id = %s ORDER BY seq", call_id)
    compliance = await _all(conn, ComplianceRow, "SELECT id, category, code, details, occurred_at "
                            "FROM compliance_events WHERE call_id = %s ORDER BY occurred_at, id", call_id)
    turns = await _all(conn, TurnLatency, "SELECT turn, stt_ms, llm_ttft_ms, first_sentence_ms, tts_ttfb_ms, "
                       "first_frame_ms, voice_to_voice_ms, overhead_ms, interrupted FROM turn_metrics "
                       "WHERE call_id = %s ORDER BY turn", call_id)
    return CallDetail(call=row, recording_sid=extra[0], recording_duration_s=extra[1], error_code=extra[2],
                      transcript=transcript, tools=tools, compliance=compliance, turns=turns)
