"""Abuse limits: per-principal rate limits (Redis, and in-process without it) answer 429 with Retry-After;
oversized bodies are refused with 413 before they are buffered."""
from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI

from functions.ratelimit import RateLimiter
from tests.integration.api.conftest import bearer


@pytest.mark.parametrize("backend", ["redis", "local"])
async def test_rate_limit_is_per_principal(backend: str, redis_url: str) -> None:
    limiter = RateLimiter(3, redis_url if backend == "redis" else None)
    who, other = f"user-{uuid.uuid4().hex}", f"user-{uuid.uuid4().hex}"
    verdicts = [await limiter.hit(who) for _ in range(4)]
    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert 1 <= verdicts[-1].retry_after_s <= 60
    assert (await limiter.hit(other)).allowed
    await limiter.close()


async def test_unreachable_redis_falls_back_to_in_process() -> None:
    limiter = RateLimiter(1, "redis://127.0.0.1:1/0")
    assert (await limiter.hit("u")).allowed
    assert not (await limiter.hit("u")).allowed
    await limiter.close()


async def test_429_problem_with_retry_after(api_app: FastAPI, client: httpx.AsyncClient, tokens: dict[str, str],
                                            redis_url: str) -> None:
    saved = getattr(api_app.state, "rate_limiter", None)
    api_app.state.rate_limiter = RateLimiter(2, redis_url)
    try:
        token = tokens["viewer"]
        codes = [(await client.get("/api/v1/auth/me", headers=bearer(token))).status_code for _ in range(2)]
        limited = await client.get("/api/v1/auth/me", headers=bearer(token))
    finally:
        await api_app.state.rate_limiter.close()
        api_app.state.rate_limiter = saved
    assert codes == [200, 200]
    assert limited.status_code == 429
    assert limited.headers["content-type"] == "application/problem+json"
    assert int(limited.headers["retry-after"]) >= 1


async def test_oversized_bodies_are_413(client: httpx.AsyncClient, tokens: dict[str, str]) -> None:
    big = b"x" * (1024 * 1024 + 1)
    r = await client.post("/api/v1/tactics", content=big,
                          headers={**bearer(tokens["admin"]), "Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["status"] == 413

    async def chunks():  # no Content-Length: the limit is enforced while streaming
        for _ in range(30):
            yield b"a" * (1024 * 1024)

    r = await client.post("/api/v1/customers/import", content=chunks(),
                          headers={**bearer(tokens["admin"]), "Content-Type": "text/csv"})
    assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"


async def test_a_query_over_its_timeout_is_a_503_problem(api_env: None) -> None:
    from functions.app import create_app
    from functions.deps import close_pool, get_pool

    app = create_app()

    @app.get("/api/test/slow")
    async def slow() -> dict[str, str]:
        pool = await get_pool(app)
        async with pool.connection() as c:
            await c.execute("SET statement_timeout = 50")
            await c.execute("SELECT pg_sleep(1)")
        return {}

    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            r = await c.get("/api/test/slow")
    finally:
        await close_pool(app)
    assert r.status_code == 503 and r.headers["retry-after"] == "5"
    assert r.json()["title"] == "Query timed out"
