"""The admin audit log: who changed what, with before/after (append-only in the database)."""
from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb


async def write_audit(conn: AsyncConnection, *, actor: str, actor_role: str | None, action: str, resource_type: str,
                      resource_id: str | None, before: Any = None, after: Any = None,
                      request_id: str | None = None) -> None:
    await conn.execute(
        """INSERT INTO audit_log (actor, actor_role, action, resource_type, resource_id, before, after, request_id)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s)""",
        (actor, actor_role, action, resource_type, resource_id,
         Jsonb(before) if before is not None else None, Jsonb(after) if after is not None else None, request_id))
