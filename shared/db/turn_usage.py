"""LLM token usage per call turn (prompt, cached prompt, completion), stored on the turn's turn_metrics row.

The engine writes these columns, the voice pipeline the latency ones; each upsert leaves the other's untouched."""
from __future__ import annotations

import uuid

from psycopg import AsyncConnection


async def record(conn: AsyncConnection, call_id: uuid.UUID, turn: int, *, requests: int, prompt_tokens: int,
                 cached_tokens: int, completion_tokens: int) -> None:
    """Upsert one turn's usage; a retried write sets the same figures again."""
    await conn.execute(
        """INSERT INTO turn_metrics (call_id, turn, llm_requests, prompt_tokens, cached_tokens, completion_tokens)
           VALUES (%s, %s, %s, %s, %s, %s)
           ON CONFLICT (call_id, turn) DO UPDATE SET
               llm_requests = EXCLUDED.llm_requests, prompt_tokens = EXCLUDED.prompt_tokens,
               cached_tokens = EXCLUDED.cached_tokens, completion_tokens = EXCLUDED.completion_tokens""",
        (call_id, turn, requests, prompt_tokens, cached_tokens, completion_tokens))


async def for_call(conn: AsyncConnection, call_id: uuid.UUID) -> list[tuple[int, int, int, int, int]]:
    """(turn, requests, prompt, cached, completion) for every turn that used the LLM, in order."""
    cur = await conn.execute(
        "SELECT turn, llm_requests, prompt_tokens, cached_tokens, completion_tokens FROM turn_metrics "
        "WHERE call_id = %s AND llm_requests IS NOT NULL ORDER BY turn", (call_id,))
    return [tuple(row) for row in await cur.fetchall()]  # type: ignore[misc]
