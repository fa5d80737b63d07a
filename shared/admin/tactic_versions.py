"""The version history of a tactic: every config or description it has had, newest first."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import class_row


@dataclass(frozen=True)
class TacticVersion:
    version: int
    config: dict[str, Any]
    description: str
    created_by: str | None
    created_at: datetime


async def list_versions(conn: AsyncConnection, tactic_id: int) -> list[TacticVersion]:
    async with conn.cursor(row_factory=class_row(TacticVersion)) as cur:
        await cur.execute("SELECT version, config, description, created_by, created_at FROM tactic_versions "
                          "WHERE tactic_id = %s ORDER BY version DESC", (tactic_id,))
        return await cur.fetchall()
