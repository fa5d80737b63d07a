"""The async psycopg connection pool every repository borrows from.

One pool per process, opened by the host (Function app, voice service, dev host) and closed on shutdown.
"""
from __future__ import annotations

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from shared.settings import SettingsError, get_settings

STATEMENT_TIMEOUT_MS = 5000


async def _configure(conn: AsyncConnection) -> None:
    # A runaway query must not hold a live call or an admin request hostage.
    await conn.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}")
    await conn.execute("SET TIME ZONE 'UTC'")
    await conn.commit()


async def open_pool(database_url: str | None = None, *, min_size: int = 1, max_size: int | None = None,
                    wait: bool = True) -> AsyncConnectionPool:
    """Open a pool on DATABASE_URL (or the URL given); `wait` blocks until one connection works."""
    settings = get_settings()
    url = database_url or settings.database_url
    if not url:
        raise SettingsError("invalid setting DATABASE_URL: required to open the database pool")
    pool = AsyncConnectionPool(
        url,
        min_size=min_size,
        max_size=max_size or settings.db_pool_max_size,
        configure=_configure,
        open=False,
        name="archer",
        timeout=10,
        reconnect_timeout=60,
    )
    await pool.open(wait=wait, timeout=15)
    return pool
