"""FastAPI dependencies shared by the routers: the database connection (pool opened lazily, once per app)."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

from fastapi import FastAPI, Request
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from shared.db.pool import open_pool

_pool_lock = asyncio.Lock()
DB_WAIT_S = 3.0          # a request waits this long for a connection, then answers 503 (functions/problems.py)


async def get_pool(app: FastAPI) -> AsyncConnectionPool:
    """The app's pool, opened on first use: the Functions host may not run ASGI lifespan events."""
    pool: AsyncConnectionPool | None = getattr(app.state, "pool", None)
    if pool is None:
        async with _pool_lock:
            pool = getattr(app.state, "pool", None)
            if pool is None:
                pool = await open_pool(wait=False)
                app.state.pool = pool
    return pool


async def close_pool(app: FastAPI) -> None:
    pool: AsyncConnectionPool | None = getattr(app.state, "pool", None)
    if pool is not None:
        await pool.close()
        app.state.pool = None


async def db_conn(request: Request) -> AsyncIterator[AsyncConnection]:
    """A pooled connection for one request; committed when the handler returns, rolled back on error."""
    pool = await get_pool(request.app)
    async with pool.connection(timeout=DB_WAIT_S) as conn:
        yield conn


def now(request: Request) -> datetime:
    """The app's clock: `app.state.clock` (a zero-argument callable; tests set it) or the wall clock, in UTC."""
    clock: Callable[[], datetime] | None = getattr(request.app.state, "clock", None)
    return clock() if clock is not None else datetime.now(UTC)
