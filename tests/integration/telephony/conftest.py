"""Fixtures for the telephony tests: the Twilio fake and settings pointing the real SDK at it."""
from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from functions.app import create_app
from shared.settings import Settings, get_settings, load_settings
from tests.fakes.twilio_fake import TwilioFake

FROM_NUMBER = "+12125550199"
TRANSFER_NUMBER = "+12125550198"
PUBLIC_BASE = "https://archer-test.example.net"
VOICE_WS = "wss://voice-test.example.net"


@pytest.fixture
def twilio_fake() -> Iterator[TwilioFake]:
    with TwilioFake() as fake:
        yield fake


@pytest.fixture
def twilio_settings(twilio_fake: TwilioFake, database_url: str) -> Settings:
    return load_settings(database_url=database_url, twilio_account_sid=twilio_fake.account_sid,
                         twilio_auth_token=twilio_fake.auth_token, twilio_api_base=twilio_fake.base_url,
                         twilio_from_number=FROM_NUMBER, human_transfer_number=TRANSFER_NUMBER,
                         public_base_url=PUBLIC_BASE, voice_ws_url=VOICE_WS)


@pytest.fixture
def twilio_env(twilio_fake: TwilioFake, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Process settings pointing at the fake (the app reads get_settings())."""
    env = {**twilio_fake.env(), "TWILIO_FROM_NUMBER": FROM_NUMBER, "HUMAN_TRANSFER_NUMBER": TRANSFER_NUMBER,
           "PUBLIC_BASE_URL": PUBLIC_BASE, "VOICE_WS_URL": VOICE_WS, "DATABASE_URL": database_url}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
async def api(twilio_env: None, pool: AsyncConnectionPool, conn: AsyncConnection) -> AsyncIterator[Api]:
    """The real FastAPI app on the test database, with a settable clock, reached over ASGI."""
    app = create_app()
    app.state.pool = pool
    clock = SettableClock(datetime(2026, 11, 24, 17, 0, tzinfo=UTC))  # 12:00 in New York
    app.state.clock = clock
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_BASE.replace("https", "http")) as client:
        yield Api(app=app, client=client, clock=clock)
        control = getattr(app.state, "call_control", None)
        if control is not None:
            await control.aclose()
    app.state.pool = None  # the session pool outlives this app


class SettableClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@dataclass
class Api:
    app: FastAPI
    client: httpx.AsyncClient
    clock: SettableClock
