"""GET /api/v1/health: version and database status, for probes and the deploy smoke test."""
from __future__ import annotations

import asyncio
import time
from typing import Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from functions.deps import get_pool
from shared.version import VERSION

router = APIRouter(tags=["health"])


class DatabaseHealth(BaseModel):
    status: Literal["ok", "unavailable"]
    latency_ms: float | None = None
    schema_revision: str | None = None
    error: str | None = None


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    version: str
    database: DatabaseHealth


@router.get("/api/v1/health", response_model=Health, responses={503: {"model": Health}})
async def health(request: Request, response: Response) -> Health:
    """Liveness plus a real round trip to PostgreSQL (bounded to 3 s)."""
    try:
        db = await asyncio.wait_for(_check_database(request), timeout=3)
    except Exception as exc:  # any failure is reported, never raised: this is the probe
        db = DatabaseHealth(status="unavailable", error=type(exc).__name__)
    ok = db.status == "ok"
    if not ok:
        response.status_code = 503
    return Health(status="ok" if ok else "degraded", version=VERSION, database=db)


async def _check_database(request: Request) -> DatabaseHealth:
    pool = await get_pool(request.app)
    started = time.perf_counter()
    async with pool.connection(timeout=2) as conn:
        cur = await conn.execute("SELECT version_num FROM alembic_version")
        row = await cur.fetchone()
    return DatabaseHealth(status="ok", latency_ms=round((time.perf_counter() - started) * 1000, 2),
                          schema_revision=row[0] if row else None)
