"""Call history for the admin API: filtered keyset pages (cursor = started_at, id), transcript text search over
the tsvector GIN index, the full detail of one call, and a streamed CSV export."""
from __future__ import annotations

import base64
import re
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

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


# `IS TRUE` keeps the GIN index out of the per-call probe (a BitmapAnd with it would read the whole posting list
# for every call); the probe reads the call's few entries through (call_id, seq).
_PROBE = ("(SELECT true FROM call_transcript_entries e WHERE e.call_id = c.id "
          "AND (e.text_search @@ websearch_to_tsquery('english', %s)) IS TRUE LIMIT 1)")
# = ANY(ARRAY(...)): the matching call ids are collected once from the GIN index (an InitPlan), then fetched by
# primary key and sorted — never a newest-first scan of calls hoping to meet them.
_GIN_HITS = ("c.id = ANY(ARRAY(SELECT DISTINCT e.call_id FROM call_transcript_entries e "
             "WHERE e.text_search @@ websearch_to_tsquery('english', %s)))")


def _where(f: CallFilter, after: tuple[datetime, uuid.UUID] | None, *, text_via_index: bool = False
           ) -> tuple[str, list[Any]]:
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
        # Two plans, chosen by search_plan(): a rare term is looked up in the GIN index and joined to calls; a
        # common term is probed call by call, newest first (LIMIT 1 keeps it a per-row probe the planner
        # cannot turn into a hash over millions of matching entries) and the first page fills at once.
        clauses.append(_GIN_HITS if text_via_index else _PROBE)
        params.append(f.text)
    if after is not None:
        clauses.append("(c.started_at, c.id) < (%s, %s)")
        params.extend(after)
    return (f"WHERE {' AND '.join(clauses)}" if clauses else ""), params


def _query(f: CallFilter, after: tuple[datetime, uuid.UUID] | None, *, text_via_index: bool
           ) -> tuple[str, list[Any]]:
    where, params = _where(f, after, text_via_index=text_via_index)
    return f"{_SELECT} {where} ORDER BY c.started_at DESC, c.id DESC", params


_LEXEME = re.compile(r"(!?)'((?:[^']|'')+)'")
_STATS_TTL_S = 300.0


@dataclass
class _LexemeStats:
    loaded_at: float
    entries: float
    calls: float
    freqs: dict[str, float]


_stats: _LexemeStats | None = None


async def _lexeme_stats(conn: AsyncConnection) -> _LexemeStats:
    """The planner's statistics on transcript words (ANALYZE's most common lexemes), cached for a few minutes."""
    global _stats
    now = time.monotonic()
    if _stats is not None and now - _stats.loaded_at < _STATS_TTL_S:
        return _stats
    cur = await conn.execute(
        """SELECT (SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = 'call_transcript_entries'::regclass),
                  (SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = 'calls'::regclass),
                  s.most_common_elems::text::text[], s.most_common_elem_freqs
           FROM (SELECT 1) one LEFT JOIN pg_stats s ON s.schemaname = current_schema()
                AND s.tablename = 'call_transcript_entries' AND s.attname = 'text_search'""")
    row = await cur.fetchone()
    entries, calls, elems, freqs = row if row else (0.0, 0.0, None, None)
    table = dict(zip(elems or [], freqs or [], strict=False))
    _stats = _LexemeStats(loaded_at=now, entries=float(entries or 0), calls=float(calls or 0), freqs=table)
    return _stats


async def search_via_index(conn: AsyncConnection, text: str, limit: int) -> bool:
    """True when looking the words up in the GIN index is cheaper than probing calls newest first.

    Matching entries are estimated per word from ANALYZE's most-common-lexeme list: a word missing from it is
    rare (below what the list tracks, at statistics target 1000), so the index path is right. AND takes the
    rarest word, OR the sum. The index path costs about one unit per match; the probe path needs about
    limit × calls ÷ matches probes, each roughly ten times dearer."""
    stats = await _lexeme_stats(conn)
    if not stats.freqs or stats.calls < 1:
        return True  # never analyzed (a small or new table): the index is the safe choice
    cur = await conn.execute("SELECT querytree(websearch_to_tsquery('english', %s))::text", (text,))
    row = await cur.fetchone()
    tree = str(row[0]) if row else ""
    lexemes = [m.group(2).replace("''", "'") for m in _LEXEME.finditer(tree) if not m.group(1)]
    if not lexemes:
        return True
    counts = [stats.freqs.get(lexeme, 0.0) * stats.entries for lexeme in lexemes]
    matches = sum(counts) if "|" in tree else min(counts)
    probes = limit * stats.calls / max(matches, 1.0)
    return matches <= probes * 10


async def list_calls(conn: AsyncConnection, f: CallFilter, *, limit: int, cursor: str | None = None,
                     text_plan: Literal["auto", "index", "probe"] = "auto") -> tuple[list[CallRow], str | None]:
    """One page, newest first, and the cursor of the next page (None at the end)."""
    after = decode_cursor(cursor) if cursor else None
    # JIT compiling costs 10-40 ms and never pays back on a 50-row page.
    await conn.execute(f"SET LOCAL statement_timeout = {LIST_TIMEOUT_MS}; SET LOCAL jit = off")
    if text_plan == "auto":
        via_index = bool(f.text) and await search_via_index(conn, str(f.text), limit)
    else:
        via_index = text_plan == "index"
    sql, params = _query(f, after, text_via_index=via_index)
    async with conn.cursor(row_factory=class_row(CallRow)) as cur:
        await cur.execute(f"{sql} LIMIT %s", [*params, limit + 1])
        rows = await cur.fetchall()
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (encode_cursor(rows[-1].started_at, rows[-1].id) if more and rows else None)


async def export_calls(conn: AsyncConnection, f: CallFilter, *, batch: int = 2000) -> AsyncIterator[list[CallRow]]:
    """Every matching call, newest first, in batches from a server-side cursor."""
    sql, params = _query(f, None, text_via_index=True)  # all matches: the index path
    async with conn.transaction(), conn.cursor(name="call_export", row_factory=class_row(CallRow)) as cur:
        await cur.execute(sql, params)
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


async def transcripts_for(conn: AsyncConnection, call_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[TranscriptLine]]:
    """The transcripts of several calls in one query (for the export's optional transcript column)."""
    if not call_ids:
        return {}
    cur = await conn.execute("SELECT call_id, seq, speaker, text, interrupted, spoken_at FROM call_transcript_entries "
                             "WHERE call_id = ANY(%s) ORDER BY call_id, seq", (call_ids,))
    out: dict[uuid.UUID, list[TranscriptLine]] = {}
    for call_id, seq, speaker, text, interrupted, spoken_at in await cur.fetchall():
        out.setdefault(call_id, []).append(TranscriptLine(seq, speaker, text, interrupted, spoken_at))
    return out


def transcript_text(lines: list[TranscriptLine]) -> str:
    """A transcript as one cell: `[HH:MM:SS UTC] Agent: ...` per line."""
    who = {"agent": "Agent", "caller": "Customer"}
    return "\n".join(f"[{t.spoken_at.astimezone(UTC):%H:%M:%S} UTC] {who.get(t.speaker, t.speaker.title())}: "
                     f"{t.text}{' (interrupted)' if t.interrupted else ''}" for t in lines)
