"""Calls with known per-turn timings, tools, transcript lines, recording gaps and ratings, for the report tests."""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from psycopg import AsyncConnection

from shared.db import calls, tactics
from shared.quality import reviews

T0 = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
ONE_SENTENCE = "I understand."
TWO_SENTENCES = "I understand. Let me see what I can offer you."


@dataclass(frozen=True)
class SeededCall:
    id: uuid.UUID
    turn_times: list[datetime]


async def seed_call(conn: AsyncConnection, *, tactic: tactics.Tactic, direction: str, phone: str, start: datetime,
                    v2v: Sequence[float], components: Sequence[tuple[float, float, float, float]],
                    agent_text: str, tools: bool = False, caller_lines: Sequence[str] = ()) -> SeededCall:
    """One call with len(v2v) caller turns; components per turn = (stt, llm_ttft, tts_ttfb, overhead)."""
    number = {"to_number": phone} if direction == "outbound" else {"from_number": phone}
    row = await calls.create_call(conn, calls.NewCall(
        direction=direction, call_type="manual" if direction == "outbound" else "inbound", customer_id=None,
        status="completed", tactic_id=tactic.id, tactic_version=tactic.version, call_sid=f"CA{uuid.uuid4().hex}",
        **number))
    await conn.execute("UPDATE calls SET started_at = %s WHERE id = %s", (start, row.id))
    times = []
    for k, (total, (stt, llm, tts, overhead)) in enumerate(zip(v2v, components, strict=True), start=1):
        speech_end = start + timedelta(seconds=20 * k)
        times.append(speech_end)
        caller = caller_lines[k - 1] if k - 1 < len(caller_lines) else "yes that is fine"
        await calls.add_transcript_entry(conn, row.id, 2 * k - 1, "caller", caller,
                                         spoken_at=speech_end - timedelta(seconds=2))
        await calls.add_transcript_entry(conn, row.id, 2 * k, "agent", agent_text,
                                         spoken_at=speech_end + timedelta(seconds=1))
        if tools:
            await calls.add_tool_execution(conn, row.id, k, "get_customer_options", {}, {"ok": True}, success=True,
                                           duration_ms=4.0, executed_at=speech_end + timedelta(milliseconds=300))
        await calls.record_turn_metrics(conn, calls.TurnMetrics(
            call_id=row.id, turn=k, speech_end_at=speech_end, stt_ms=stt, llm_ttft_ms=llm, tts_ttfb_ms=tts,
            voice_to_voice_ms=total, overhead_ms=overhead))
    return SeededCall(row.id, times)


async def seed_gaps(conn: AsyncConnection, call_id: uuid.UUID, gaps: Sequence[float]) -> None:
    await conn.execute("INSERT INTO recording_analyses (call_id, recording_sid, status, duration_ms) "
                       "VALUES (%s, %s, 'analyzed', 120000)", (call_id, "RE" + "0" * 32))
    for turn, gap in enumerate(gaps, start=1):
        await conn.execute("INSERT INTO recording_turn_gaps (call_id, turn, caller_speech_end_ms, "
                           "agent_audio_start_ms, gap_ms) VALUES (%s, %s, %s, %s, %s)",
                           (call_id, turn, 20000 * turn, 20000 * turn + gap, gap))


async def rate(conn: AsyncConnection, call_id: uuid.UUID, reviewer: str, naturalness: int, latency: int,
               overall: int) -> None:
    await reviews.rate_call(conn, call_id, reviewer, naturalness=naturalness, latency_feel=latency, overall=overall)
