"""REST edges: an unreachable database is a 503 problem with Retry-After and one log line (no traceback); a signed
Twilio webhook whose fields Twilio would never send (over-long or NUL-bearing CallSid...) is a 400 before any SQL."""
from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from psycopg_pool import AsyncConnectionPool

from tests.fakes.pg_proxy import PgProxy
from tests.fakes.twilio_fake import TwilioFake
from tests.integration.api.conftest import bearer
from tests.integration.telephony.conftest import PUBLIC_BASE, Api, api, twilio_env, twilio_fake

__all__ = ["api", "twilio_env", "twilio_fake"]


@pytest.fixture
async def api_on_proxy(api_env: None, database_url: str) -> AsyncIterator[tuple[FastAPI, PgProxy]]:
    from functions.app import create_app

    proxy = await PgProxy(database_url).start()
    pool = AsyncConnectionPool(proxy.url, min_size=1, max_size=2, open=False, timeout=2)
    await pool.open(wait=True)
    app = create_app()
    app.state.pool = pool
    yield app, proxy
    app.state.pool = None
    await pool.close()
    await proxy.stop()


async def test_unreachable_database_is_503_with_retry_after(api_on_proxy: tuple[FastAPI, PgProxy],
                                                            tokens: dict[str, str],
                                                            caplog: pytest.LogCaptureFixture) -> None:
    app, proxy = api_on_proxy
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        assert (await client.get("/api/v1/customers", headers=bearer(tokens["viewer"]))).status_code == 200
        proxy.cut()
        caplog.clear()
        caplog.set_level(logging.INFO)
        answers = [await client.get("/api/v1/customers", headers=bearer(tokens["viewer"])) for _ in range(2)]
        health = await client.get("/api/v1/health")
        proxy.restore()
        back = await client.get("/api/v1/customers", headers=bearer(tokens["viewer"]))
    for r in answers:
        assert r.status_code == 503 and r.headers["content-type"] == "application/problem+json"
        assert int(r.headers["retry-after"]) >= 1 and r.json()["status"] == 503
    assert health.status_code == 503
    assert back.status_code in (200, 503)                 # the pool may need a moment to reconnect
    mine = [r for r in caplog.records if r.name == "archer.api"]
    assert [r.getMessage() for r in mine] == ["database unavailable"] * 2     # one line per failure
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


@pytest.mark.parametrize("call_sid", ["CA" + "a" * 500, "CA" + "a" * 31 + "\x00", "not-a-sid"])
async def test_signed_webhook_with_a_bad_field_is_400_before_sql(call_sid: str, api: Api, twilio_fake: TwilioFake,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    cb = twilio_fake.sign(f"{PUBLIC_BASE}/api/twilio/status", {"CallSid": call_sid, "CallStatus": "completed"})
    response = await api.deliver(cb)
    assert response.status_code == 400 and response.json()["status"] == 400
    lines = [r for r in caplog.records if r.name.startswith(("functions", "archer", "shared", "psycopg"))]
    assert [r.getMessage() for r in lines] == ["twilio_webhook_field_rejected"]
    assert call_sid not in caplog.text


async def test_a_valid_signed_webhook_still_passes(api: Api, twilio_fake: TwilioFake) -> None:
    cb = twilio_fake.sign(f"{PUBLIC_BASE}/api/twilio/status", {"CallSid": "CA" + "a" * 32, "CallStatus": "ringing"})
    assert (await api.deliver(cb)).status_code == 204
