"""Reviewers' ratings of a call (naturalness, latency feel, overall, 1–10) and their transcript corrections.

The original transcript line is never changed: a correction is stored beside it, one per line (the latest wins).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from psycopg import AsyncConnection
from psycopg.rows import class_row

from shared.db.errors import NotFoundError


@dataclass(frozen=True)
class Rating:
    call_id: uuid.UUID
    reviewer: str
    naturalness: int
    latency_feel: int
    overall: int
    comment: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Correction:
    call_id: uuid.UUID
    seq: int
    speaker: str
    original_text: str
    corrected_text: str
    reviewer: str
    updated_at: datetime


async def rate_call(conn: AsyncConnection, call_id: uuid.UUID, reviewer: str, *, naturalness: int,
                    latency_feel: int, overall: int, comment: str = "") -> Rating:
    """Store (or replace) this reviewer's rating of the call; NotFoundError for an unknown call."""
    if await (await conn.execute("SELECT 1 FROM calls WHERE id = %s", (call_id,))).fetchone() is None:
        raise NotFoundError("call not found")
    async with conn.cursor(row_factory=class_row(Rating)) as cur:
        await cur.execute(
            """INSERT INTO call_ratings (call_id, reviewer, naturalness, latency_feel, overall, comment)
               VALUES (%s, %s, %s, %s, %s, %s)
               ON CONFLICT (call_id, reviewer) DO UPDATE SET naturalness = EXCLUDED.naturalness,
                   latency_feel = EXCLUDED.latency_feel, overall = EXCLUDED.overall, comment = EXCLUDED.comment
               RETURNING call_id, reviewer, naturalness, latency_feel, overall, comment, created_at, updated_at""",
            (call_id, reviewer, naturalness, latency_feel, overall, comment))
        row = await cur.fetchone()
    assert row is not None
    return row


async def list_ratings(conn: AsyncConnection, call_id: uuid.UUID) -> list[Rating]:
    async with conn.cursor(row_factory=class_row(Rating)) as cur:
        await cur.execute("SELECT call_id, reviewer, naturalness, latency_feel, overall, comment, created_at, "
                          "updated_at FROM call_ratings WHERE call_id = %s ORDER BY created_at", (call_id,))
        return await cur.fetchall()


_CORRECTION = """SELECT tc.call_id, tc.seq, e.speaker, e.text AS original_text, tc.corrected_text, tc.reviewer,
       tc.updated_at FROM transcript_corrections tc
  JOIN call_transcript_entries e ON e.call_id = tc.call_id AND e.seq = tc.seq"""


async def correct_line(conn: AsyncConnection, call_id: uuid.UUID, seq: int, reviewer: str, text: str) -> Correction:
    """Store what line `seq` of the call should have said; NotFoundError when the call has no such line."""
    cur = await conn.execute(
        """INSERT INTO transcript_corrections (call_id, seq, corrected_text, reviewer)
           SELECT call_id, seq, %s, %s FROM call_transcript_entries WHERE call_id = %s AND seq = %s
           ON CONFLICT (call_id, seq) DO UPDATE SET corrected_text = EXCLUDED.corrected_text,
               reviewer = EXCLUDED.reviewer""", (text, reviewer, call_id, seq))
    if cur.rowcount != 1:
        raise NotFoundError("transcript line not found")
    async with conn.cursor(row_factory=class_row(Correction)) as c:
        await c.execute(_CORRECTION + " WHERE tc.call_id = %s AND tc.seq = %s", (call_id, seq))
        row = await c.fetchone()
    assert row is not None
    return row


async def list_corrections(conn: AsyncConnection, call_id: uuid.UUID) -> list[Correction]:
    async with conn.cursor(row_factory=class_row(Correction)) as cur:
        await cur.execute(_CORRECTION + " WHERE tc.call_id = %s ORDER BY tc.seq", (call_id,))
        return await cur.fetchall()
