"""Fixtures for the telephony tests: the Twilio fake and settings pointing the real SDK at it."""
from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from functions.app import create_app
from shared.settings import Settings, get_settings, load_settings
from tests.fakes.twilio_fake import Callback, TwilioFake

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
           "PUBLIC_BASE_URL": PUBLIC_BASE, "VOICE_WS_URL": VOICE_WS, "DATABASE_URL": database_url,
           "AUTH_MODE": "dev", "ARCHER_ENV": "test", "API_RATE_LIMIT_PER_MINUTE": "100000"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for key in ("REDIS_URL", "KEY_VAULT_URL"):
        monkeypatch.delenv(key, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
async def api(twilio_env: None, twilio_fake: TwilioFake, pool: AsyncConnectionPool,
              conn: AsyncConnection) -> AsyncIterator[Api]:
    """The real FastAPI app on the test database, with a settable clock, reached over ASGI."""
    app = create_app()
    app.state.pool = pool
    clock = SettableClock(noon_tomorrow_in_new_york())
    app.state.clock = clock
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_BASE.replace("https", "http")) as client:
        token = (await client.post("/api/v1/auth/dev-token", json={"role": "supervisor", "name": "Test Sup"})).json()
        yield Api(app=app, client=client, clock=clock, fake=twilio_fake,
                  auth={"Authorization": f"Bearer {token['access_token']}"})
        for name in ("call_control", "dialer"):
            service = getattr(app.state, name, None)
            if service is not None:
                await service.aclose()
    app.state.pool = None  # the session pool outlives this app


def noon_tomorrow_in_new_york() -> datetime:
    """Tomorrow 17:00 UTC (noon or 13:00 in New York): inside calling hours, and after every row's real
    created/started timestamp, so the injected clock and the database's now() never disagree on order."""
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    return datetime(tomorrow.year, tomorrow.month, tomorrow.day, 17, 0, tzinfo=UTC)


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
    fake: TwilioFake
    auth: dict[str, str]

    async def initiate(self, **body: object) -> httpx.Response:
        return await self.client.post("/api/v1/calls/initiate", json=body, headers=self.auth)

    async def deliver(self, cb: Callback) -> httpx.Response:
        return await self.fake.deliver_async(cb, self.client)

    async def place_call(self, customer_id: object) -> tuple[uuid.UUID, str]:
        """Initiate a call (the gate must allow it); returns (call id, Twilio call SID)."""
        response = await self.initiate(customer_id=str(customer_id))
        assert response.status_code == 202, response.text
        return uuid.UUID(response.json()["call_id"]), response.json()["call_sid"]


async def customer_id(conn: AsyncConnection, phone: str) -> uuid.UUID:
    cur = await conn.execute("SELECT id FROM customers WHERE phone = %s", (phone,))
    row = await cur.fetchone()
    assert row is not None
    return row[0]  # type: ignore[no-any-return]


MARIA = "+12125550101"  # seeded: New York, consent on file, no flags
