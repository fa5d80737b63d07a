"""Behavioral tactics: the four dimensions that steer the agent's style, versioned on every change."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from shared.db.errors import NotFoundError, domain_errors

DIMENSIONS = ("urgency", "empathy", "persistence", "authority")


@dataclass(frozen=True)
class Tactic:
    id: int
    name: str
    archetype: str
    description: str
    config: dict[str, Any]
    version: int
    active: bool
    created_at: datetime
    updated_at: datetime


async def get_tactic(conn: AsyncConnection, tactic_id: int) -> Tactic:
    async with conn.cursor(row_factory=class_row(Tactic)) as cur:
        await cur.execute("SELECT * FROM behavioral_tactics WHERE id = %s", (tactic_id,))
        row = await cur.fetchone()
    if row is None:
        raise NotFoundError("tactic not found")
    return row


async def get_tactic_by_name(conn: AsyncConnection, name: str) -> Tactic:
    async with conn.cursor(row_factory=class_row(Tactic)) as cur:
        await cur.execute("SELECT * FROM behavioral_tactics WHERE name = %s", (name,))
        row = await cur.fetchone()
    if row is None:
        raise NotFoundError("tactic not found")
    return row


async def list_tactics(conn: AsyncConnection, *, include_inactive: bool = False) -> list[Tactic]:
    where = "" if include_inactive else "WHERE active"
    async with conn.cursor(row_factory=class_row(Tactic)) as cur:
        await cur.execute(f"SELECT * FROM behavioral_tactics {where} ORDER BY name")
        return await cur.fetchall()


async def create_tactic(conn: AsyncConnection, *, name: str, archetype: str, config: dict[str, Any],
                        description: str = "", created_by: str | None = None) -> Tactic:
    """Insert a tactic at version 1 and its first version row, in one transaction."""
    with domain_errors():
        async with conn.transaction():
            async with conn.cursor(row_factory=class_row(Tactic)) as cur:
                await cur.execute(
                    "INSERT INTO behavioral_tactics (name, archetype, description, config) "
                    "VALUES (%s, %s, %s, %s) RETURNING *", (name, archetype, description, Jsonb(config)))
                tactic = await cur.fetchone()
            assert tactic is not None
            await _record_version(conn, tactic, created_by)
    return tactic


async def update_tactic(conn: AsyncConnection, tactic_id: int, *, config: dict[str, Any] | None = None,
                        description: str | None = None, active: bool | None = None,
                        created_by: str | None = None) -> Tactic:
    """Change a tactic; a config or description change bumps the version and keeps the old one in history."""
    bump = config is not None or description is not None
    with domain_errors():
        async with conn.transaction():
            async with conn.cursor(row_factory=class_row(Tactic)) as cur:
                await cur.execute(
                    """UPDATE behavioral_tactics SET config = COALESCE(%s, config),
                       description = COALESCE(%s, description), active = COALESCE(%s, active),
                       version = version + %s WHERE id = %s RETURNING *""",
                    (Jsonb(config) if config is not None else None, description, active, 1 if bump else 0,
                     tactic_id))
                tactic = await cur.fetchone()
            if tactic is None:
                raise NotFoundError("tactic not found")
            if bump:
                await _record_version(conn, tactic, created_by)
    return tactic


async def _record_version(conn: AsyncConnection, tactic: Tactic, created_by: str | None) -> None:
    await conn.execute(
        "INSERT INTO tactic_versions (tactic_id, version, config, description, created_by) VALUES (%s, %s, %s, %s, %s)",
        (tactic.id, tactic.version, Jsonb(tactic.config), tactic.description, created_by))


async def upsert_tactic(conn: AsyncConnection, *, name: str, archetype: str, config: dict[str, Any],
                        description: str) -> Tactic:
    """Seed helper: create the tactic, or bring its config back to the given one (a new version if it differs)."""
    try:
        existing = await get_tactic_by_name(conn, name)
    except NotFoundError:
        return await create_tactic(conn, name=name, archetype=archetype, config=config, description=description,
                                   created_by="seed")
    if existing.config == config and existing.description == description:
        return existing
    return await update_tactic(conn, existing.id, config=config, description=description, created_by="seed")
