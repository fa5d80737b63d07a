"""Admin API fixtures: a fake identity provider (JWKS over HTTP), the app wired to it and to this run's
database, and a client with a token per role."""
from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI

from shared.settings import get_settings
from tests.fakes.jwks import FakeIdentityProvider


@pytest.fixture(scope="session")
def idp() -> Iterator[FakeIdentityProvider]:
    provider = FakeIdentityProvider()
    yield provider
    provider.stop()


@pytest.fixture(scope="session")
def api_env(idp: FakeIdentityProvider, database_url: str) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in [*idp.env(), "API_RATE_LIMIT_PER_MINUTE", "SOURCE_FAILURE_LIMIT_PER_MINUTE",
                                            "REDIS_URL"]}
    os.environ.update(idp.env())
    os.environ["API_RATE_LIMIT_PER_MINUTE"] = "100000"
    os.environ["SOURCE_FAILURE_LIMIT_PER_MINUTE"] = "100000"   # one test client makes every 401 of the suite
    os.environ.pop("REDIS_URL", None)
    get_settings.cache_clear()
    yield
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    get_settings.cache_clear()


@pytest.fixture(scope="session")
async def api_app(api_env: None) -> AsyncIterator[FastAPI]:
    from functions.app import create_app
    from functions.deps import close_pool

    app = create_app()
    yield app
    await close_pool(app)


@pytest.fixture(scope="session")
def tokens(idp: FakeIdentityProvider) -> dict[str, str]:
    return {role: idp.token([role], sub=f"{role}-1", name=f"Test {role}") for role in ("viewer", "supervisor", "admin")}


@pytest.fixture
async def client(api_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api_app), base_url="http://t") as c:
        yield c


@pytest.fixture
def app_clock(api_app: FastAPI) -> Iterator[list[datetime]]:
    """The app's clock pinned for one test (a one-item list the test may change; it starts at the real now), so a
    request's "today" is the day the test seeded, even when the test runs across a UTC midnight."""
    current = [datetime.now(UTC)]
    api_app.state.clock = lambda: current[0]
    yield current
    del api_app.state.clock


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
