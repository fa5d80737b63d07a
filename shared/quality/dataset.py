"""What the quality report reads for a period: turns (with reply kind inputs), recording gaps, ratings, corrections.

One read per source, all bound to the same period [start, end) on the call's start time, optionally to given calls.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import class_row

from shared.quality.regions import region_of
from shared.quality.reply_kind import ReplyKind, classify


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime
    call_ids: tuple[uuid.UUID, ...] = ()

    def where(self, alias: str = "c") -> tuple[str, list[Any]]:
        sql = f"{alias}.started_at >= %s AND {alias}.started_at < %s"
        params: list[Any] = [self.start, self.end]
        if self.call_ids:
            sql += f" AND {alias}.id = ANY(%s)"
            params.append(list(self.call_ids))
        return sql, params


@dataclass(frozen=True)
class CallRow:
    id: uuid.UUID
    direction: str
    call_type: str
    status: str
    tactic: str | None
    phone: str | None
    customer_region: str | None
    started_at: datetime

    @property
    def region(self) -> str:
        return region_of(self.phone, self.customer_region)


@dataclass(frozen=True)
class TurnRow:
    call_id: uuid.UUID
    turn: int
    turn_start_at: datetime | None   # the caller's speech end, else the time of the caller's line
    stt_ms: float | None
    llm_ttft_ms: float | None
    first_sentence_ms: float | None
    tts_ttfb_ms: float | None
    first_frame_ms: float | None
    voice_to_voice_ms: float | None
    overhead_ms: float | None
    interrupted: bool
    tools: int
    agent_text: str | None

    @property
    def kind(self) -> ReplyKind:
        return classify(has_speech_end=self.turn_start_at is not None, tools=self.tools, agent_text=self.agent_text)


@dataclass(frozen=True)
class GapRow:
    call_id: uuid.UUID
    turn: int
    gap_ms: float


@dataclass(frozen=True)
class RatingRow:
    call_id: uuid.UUID
    reviewer: str
    naturalness: int
    latency_feel: int
    overall: int
    tactic: str | None
    day: date  # the UTC day the call started, as the dashboard counts days


@dataclass(frozen=True)
class CallerLine:
    """A caller line of a reviewed call: what STT heard and, when a reviewer corrected it, what was said."""
    call_id: uuid.UUID
    seq: int
    original: str
    corrected: str | None


@dataclass(frozen=True)
class Dataset:
    calls: list[CallRow]
    turns: list[TurnRow]
    gaps: list[GapRow]
    ratings: list[RatingRow]
    caller_lines: list[CallerLine]


_CALLS = """
SELECT c.id, c.direction, c.call_type, c.status, bt.name AS tactic,
       COALESCE(CASE WHEN c.direction = 'inbound' THEN c.from_number ELSE c.to_number END, cu.phone) AS phone,
       cu.region AS customer_region, c.started_at
  FROM calls c LEFT JOIN behavioral_tactics bt ON bt.id = c.tactic_id LEFT JOIN customers cu ON cu.id = c.customer_id
 WHERE {where} ORDER BY c.started_at, c.id"""

# A turn's window runs from the caller's speech end to the next turn's: tools and agent lines inside it are its own.
# Without a recorded speech end (e.g. simulated calls), turn n starts at the caller's n-th transcript line.
_TURNS = """
WITH a AS (
  SELECT m.*, COALESCE(m.speech_end_at, CASE WHEN m.turn > 0 THEN (
           SELECT e.spoken_at FROM call_transcript_entries e WHERE e.call_id = m.call_id AND e.speaker = 'caller'
            ORDER BY e.seq OFFSET m.turn - 1 LIMIT 1) END) AS turn_start_at
    FROM turn_metrics m JOIN calls c ON c.id = m.call_id WHERE {where}),
t AS (SELECT a.*, LEAD(a.turn_start_at) OVER (PARTITION BY a.call_id ORDER BY a.turn) AS next_start FROM a)
SELECT t.call_id, t.turn, t.turn_start_at, t.stt_ms::float8 AS stt_ms, t.llm_ttft_ms::float8 AS llm_ttft_ms,
       t.first_sentence_ms::float8 AS first_sentence_ms, t.tts_ttfb_ms::float8 AS tts_ttfb_ms,
       t.first_frame_ms::float8 AS first_frame_ms, t.voice_to_voice_ms::float8 AS voice_to_voice_ms,
       t.overhead_ms::float8 AS overhead_ms, t.interrupted,
       (SELECT count(*) FROM tool_executions te WHERE te.call_id = t.call_id AND te.executed_at >= t.turn_start_at
           AND (t.next_start IS NULL OR te.executed_at < t.next_start))::int AS tools,
       (SELECT string_agg(e.text, ' ' ORDER BY e.seq) FROM call_transcript_entries e
         WHERE e.call_id = t.call_id AND e.speaker = 'agent' AND e.spoken_at >= t.turn_start_at
           AND (t.next_start IS NULL OR e.spoken_at < t.next_start)) AS agent_text
  FROM t ORDER BY t.call_id, t.turn"""

_GAPS = """
SELECT g.call_id, g.turn, g.gap_ms::float8 AS gap_ms
  FROM recording_turn_gaps g JOIN recording_analyses a ON a.call_id = g.call_id AND a.status = 'analyzed'
  JOIN calls c ON c.id = g.call_id WHERE {where} ORDER BY g.call_id, g.turn"""

_RATINGS = """
SELECT r.call_id, r.reviewer, r.naturalness, r.latency_feel, r.overall, bt.name AS tactic,
       (c.started_at AT TIME ZONE 'UTC')::date AS day
  FROM call_ratings r JOIN calls c ON c.id = r.call_id LEFT JOIN behavioral_tactics bt ON bt.id = c.tactic_id
 WHERE {where} ORDER BY c.started_at, r.reviewer"""

# Every caller line of a reviewed call (rated or corrected): an uncorrected line was heard right.
_CALLER_LINES = """
SELECT e.call_id, e.seq, e.text AS original, tc.corrected_text AS corrected
  FROM call_transcript_entries e JOIN calls c ON c.id = e.call_id
  LEFT JOIN transcript_corrections tc ON tc.call_id = e.call_id AND tc.seq = e.seq
 WHERE {where} AND e.speaker = 'caller'
   AND (EXISTS (SELECT 1 FROM call_ratings r WHERE r.call_id = e.call_id)
        OR EXISTS (SELECT 1 FROM transcript_corrections x WHERE x.call_id = e.call_id))
 ORDER BY e.call_id, e.seq"""


async def _rows(conn: AsyncConnection, row: type[Any], sql: str, period: Period) -> list[Any]:
    where, params = period.where()
    async with conn.cursor(row_factory=class_row(row)) as cur:
        await cur.execute(sql.format(where=where), params)
        return await cur.fetchall()


async def load_dataset(conn: AsyncConnection, period: Period) -> Dataset:
    """Everything the report needs for `period`."""
    return Dataset(calls=await _rows(conn, CallRow, _CALLS, period),
                   turns=await _rows(conn, TurnRow, _TURNS, period),
                   gaps=await _rows(conn, GapRow, _GAPS, period),
                   ratings=await _rows(conn, RatingRow, _RATINGS, period),
                   caller_lines=await _rows(conn, CallerLine, _CALLER_LINES, period))
