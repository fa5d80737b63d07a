"""Limits on every door, through one limiter (Redis, or in-process without it): /sim sessions and /live
connections per principal, /twilio/media handshakes per source, failed REST authentications and unsigned Twilio
requests per source address. Each refusal is a close code with a reason, or 429 with Retry-After."""
from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from psycopg import AsyncConnection
from twilio.request_validator import RequestValidator
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from shared.db import customers
from shared.ratelimit import DoorLimits, Limiter
from shared.settings import get_settings
from tests.integration.security.conftest import TWILIO_TOKEN, voice_service

MARIA = "+12125550101"


@pytest.mark.parametrize("backend", ["redis", "in-process", "redis-down"])
async def test_one_limiter_counts_windows_and_leases(backend: str, redis_url: str) -> None:
    url = {"redis": redis_url, "in-process": None, "redis-down": "redis://127.0.0.1:1/0"}[backend]
    limiter = Limiter(url)
    key = uuid.uuid4().hex
    hits = [await limiter.hit("door", key, limit=2) for _ in range(3)]
    assert [h.allowed for h in hits] == [True, True, False] and 1 <= hits[-1].retry_after_s <= 60
    assert not (await limiter.peek("door", key, limit=2)).allowed
    assert (await limiter.peek("door", "someone-else", limit=2)).allowed
    first, _ = await limiter.acquire("held", key, limit=1)
    second, wait = await limiter.acquire("held", key, limit=1)
    assert first is not None and second is None and wait >= 1
    await limiter.release(first)
    third, _ = await limiter.acquire("held", key, limit=1)
    assert third is not None
    # A lease that is renewed stays held; one whose holder died (no renewal) lapses.
    renewed, _ = await limiter.acquire("renewed", key, limit=1, lease_s=0.3)
    lapsing, _ = await limiter.acquire("lapsing", key, limit=1, lease_s=0.3)
    assert renewed is not None and lapsing is not None
    await limiter.renew(renewed, lease_s=60)
    await asyncio.sleep(0.5)
    assert (await limiter.acquire("renewed", key, limit=1))[0] is None
    assert (await limiter.acquire("lapsing", key, limit=1))[0] is not None
    await limiter.close()


async def _closed_with(ws) -> tuple[int | None, str | None]:
    with pytest.raises(ConnectionClosed):
        while True:
            await asyncio.wait_for(ws.recv(), 10)
    return ws.close_code, ws.close_reason


async def test_sim_sessions_are_limited_per_principal(demo: AsyncConnection, pool) -> None:
    maria = await customers.find_by_phone(demo, MARIA)
    assert maria is not None
    async with voice_service(pool) as stack:
        stack.services.limits = DoorLimits(sim_sessions_per_principal=1)
        url = f"{stack.base}/sim?customer_id={maria.id}&token="
        async with connect(url + "supervisor-token") as held:
            await held.recv()                                   # the greeting: the session is live
            async with connect(url + "supervisor-token") as second:
                code, reason = await _closed_with(second)
            assert code == 4429 and "retry after" in (reason or "")
            async with connect(url + "other-supervisor-token") as other:   # another principal is not affected
                assert (await other.recv())
        for _ in range(100):                                               # the slot frees once the call ends
            async with connect(url + "supervisor-token") as again:
                try:
                    await again.recv()
                    break
                except ConnectionClosed:
                    await asyncio.sleep(0.05)
        else:
            pytest.fail("the session slot was never released")


async def test_live_connections_are_limited_per_principal(conn: AsyncConnection, pool) -> None:
    async with voice_service(pool) as stack:
        stack.services.limits = DoorLimits(live_connections_per_principal=2)
        url = f"{stack.base}/live?token=viewer-token"
        async with connect(url), connect(url), connect(url) as third:
            code, reason = await _closed_with(third)
        assert code == 4429 and reason


async def test_media_handshakes_are_limited_per_source(conn: AsyncConnection, pool) -> None:
    async with voice_service(pool) as stack:
        stack.services.limits = DoorLimits(media_handshakes_per_source_per_minute=3)
        url = f"{stack.base}/twilio/media"
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, {})
        for _ in range(3):
            async with connect(url, additional_headers={"X-Twilio-Signature": signature}) as ws:
                await ws.close()
        with pytest.raises(InvalidStatus) as refused:
            async with connect(url, additional_headers={"X-Twilio-Signature": signature}):
                pass
        assert refused.value.response.status_code == 429
        assert int(refused.value.response.headers["Retry-After"]) >= 1


@pytest.fixture
async def strict_api(api_env: None, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FastAPI]:
    """The admin API with a limit of 3 failed requests per source and minute."""
    from functions.app import create_app
    from functions.deps import close_pool

    monkeypatch.setenv("SOURCE_FAILURE_LIMIT_PER_MINUTE", "3")
    get_settings.cache_clear()
    app = create_app()
    yield app
    await close_pool(app)
    monkeypatch.undo()
    get_settings.cache_clear()


def _client(app: FastAPI, source: str | None) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(source, 40000)), base_url="http://t")


async def test_failed_authentication_is_limited_per_source_address(strict_api: FastAPI,
                                                                   tokens: dict[str, str]) -> None:
    async with _client(strict_api, "203.0.113.7") as attacker, _client(strict_api, "203.0.113.8") as other:
        codes = [(await attacker.get("/api/v1/customers")).status_code for _ in range(3)]
        refused = await attacker.get("/api/v1/customers",
                                     headers={"Authorization": f"Bearer {tokens['viewer']}"})
        assert codes == [401, 401, 401]
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert refused.headers["content-type"] == "application/problem+json"
        assert (await attacker.get("/api/v1/health")).status_code in (200, 503)    # probes stay open
        assert (await other.get("/api/v1/customers")).status_code == 401          # another address is not


async def test_unsigned_twilio_requests_are_limited_per_source_address(strict_api: FastAPI) -> None:
    async with _client(strict_api, "198.51.100.9") as forger:
        codes = [(await forger.post("/api/twilio/status", data={"CallSid": "CA" + "0" * 32})).status_code
                 for _ in range(4)]
        assert codes == [403, 403, 403, 429]


async def test_behind_azures_front_end_each_caller_is_its_own_source(strict_api: FastAPI) -> None:
    """In Azure the Functions host gives the app no peer address (azure.functions' ASGI adapter sets `client` to
    None) and the front end appends the caller's "ip:port" to X-Forwarded-For. One forger must neither lock every
    caller out (one shared bucket) nor escape its own limit by writing fresh addresses into the header."""
    post = "/api/twilio/status"
    form = {"CallSid": "CA" + "0" * 32}
    async with _client(strict_api, None) as front_end:
        codes = [(await front_end.post(post, data=form, headers={
            "X-Forwarded-For": f"198.51.100.{i}, 203.0.113.7:5{i}000"})).status_code for i in range(4)]
        assert codes == [403, 403, 403, 429]
        honest = await front_end.post(post, data=form, headers={"X-Forwarded-For": "203.0.113.8:61000"})
        assert honest.status_code == 403                  # refused for its signature, not locked out


async def test_media_handshakes_behind_the_ingress_are_limited_per_caller(conn: AsyncConnection, pool) -> None:
    """Container Apps' ingress connects from a private address and appends the caller to X-Forwarded-For."""
    async with voice_service(pool) as stack:
        stack.services.limits = DoorLimits(media_handshakes_per_source_per_minute=2)
        url = f"{stack.base}/twilio/media"
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, {})

        def via_ingress(caller: str, forged: str = "") -> dict[str, str]:
            return {"X-Twilio-Signature": signature, "X-Forwarded-For": f"{forged}{caller}, 10.0.0.4"}

        for i in range(2):
            async with connect(url, additional_headers=via_ingress("203.0.113.7", f"198.51.100.{i}, ")) as ws:
                await ws.close()
        with pytest.raises(InvalidStatus) as refused:
            async with connect(url, additional_headers=via_ingress("203.0.113.7", "198.51.100.99, ")):
                pass
        assert refused.value.response.status_code == 429
        async with connect(url, additional_headers=via_ingress("203.0.113.8")) as ws:   # another caller
            await ws.close()
