"""Benchmark: bounded bursts at every door on loopback (admin API, Twilio webhooks, /sim, /live, /twilio/media,
CSV import) while a health check runs beside them. Prints per door: requests, refused, accepted, 5xx, and the
p99 latency of the concurrent /api/v1/health checks.

Uses DATABASE_URL's server when set, else a loopback or embedded PostgreSQL (a throwaway database either way);
REDIS_URL when set (limits shared as in production), else in-process limits.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TWILIO_TOKEN = "bench-auth-token-obviously-fake"
PUBLIC_BASE = "https://archer-bench.example.net"
CONCURRENCY = 20


@dataclass
class Door:
    name: str
    requests: int = 0
    refused: int = 0
    accepted: int = 0
    server_errors: int = 0
    other: int = 0
    health_ms: list[float] = field(default_factory=list)

    def count(self, outcome: str) -> None:
        self.requests += 1
        setattr(self, outcome, getattr(self, outcome) + 1)


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))] if ordered else float("nan")


def _http_outcome(status: int) -> str:
    if status >= 500:
        return "server_errors"
    if status in (400, 401, 403, 409, 413, 415, 422, 429):
        return "refused"
    return "accepted" if status < 300 else "other"


async def _bounded(n: int, attempt: Callable[[int], Awaitable[None]]) -> None:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(i: int) -> None:
        async with gate:
            await attempt(i)

    await asyncio.gather(*(one(i) for i in range(n)))


async def _ws_attempt(url: str, door: Door, *, headers: dict[str, str] | None = None,
                      first: str | bytes | None = None, hold_s: float = 0.0, handshake_only: bool = False) -> None:
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed, InvalidStatus

    try:
        async with connect(url, additional_headers=headers or {}, open_timeout=10) as ws:
            if handshake_only:                       # the door under test is the handshake itself
                door.count("accepted")
                return
            try:
                if first is not None:
                    await ws.send(first)
                await asyncio.wait_for(ws.recv(), timeout=2.0)
                if hold_s:
                    await asyncio.sleep(hold_s)
                door.count("accepted")
                with contextlib.suppress(Exception):
                    await ws.send(json.dumps({"type": "hangup"}))
            except ConnectionClosed:
                code = ws.close_code or 1000
                door.count("server_errors" if code == 1011 else "refused")
            except TimeoutError:
                door.count("accepted")              # open and quiet (e.g. /live with no events): accepted
    except InvalidStatus as exc:
        door.count(_http_outcome(exc.response.status_code))
    except (OSError, TimeoutError):
        door.count("other")


async def run(database_url: str) -> list[Door]:
    import httpx
    import uvicorn
    from twilio.request_validator import RequestValidator

    from shared.db.pool import open_pool
    from shared.db.seed import seed
    from shared.settings import get_settings
    from tests.support.servers import free_port

    api_port, voice_port = free_port(), free_port()
    os.environ.update({"DATABASE_URL": database_url, "AUTH_MODE": "dev", "ARCHER_ENV": "local",
                       "PUBLIC_BASE_URL": PUBLIC_BASE, "TWILIO_AUTH_TOKEN": TWILIO_TOKEN, "AGENT_BRAIN": "rules",
                       "VOICE_WS_URL": f"ws://127.0.0.1:{voice_port}", "LOG_LEVEL": "ERROR"})
    get_settings.cache_clear()
    import logging

    logging.disable(logging.WARNING)                 # the refusals each log a line; the bench prints figures

    from functions.app import create_app as create_api
    from voice.app import create_app as create_voice

    api = create_api()
    pool = await open_pool(database_url, min_size=2, max_size=8)
    api.state.pool = pool
    async with pool.connection() as conn:
        await seed(conn)
        cur = await conn.execute("SELECT id FROM customers WHERE phone = '+12125550101'")
        row = await cur.fetchone()
        assert row is not None
        maria = row[0]
    voice = create_voice(pool=pool)
    servers = [uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="on", log_level="error",
                                             ws="websockets-sansio"))
               for app, port in ((api, api_port), (voice, voice_port))]
    tasks = []
    for server in servers:
        server.install_signal_handlers = lambda: None  # type: ignore[attr-defined]
        tasks.append(asyncio.create_task(server.serve()))
    while not all(s.started for s in servers):
        await asyncio.sleep(0.02)

    base, ws_base = f"http://127.0.0.1:{api_port}", f"ws://127.0.0.1:{voice_port}"
    validator = RequestValidator(TWILIO_TOKEN)
    doors: list[Door] = []
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        tokens = {role: (await client.post("/api/v1/auth/dev-token", json={"role": role})).json()["access_token"]
                  for role in ("viewer", "supervisor", "admin")}

        async def measure(door: Door, burst: Callable[[], Awaitable[None]]) -> None:
            done = asyncio.Event()

            async def health() -> None:
                async with httpx.AsyncClient(base_url=base, timeout=30) as probe:
                    while not done.is_set():
                        t0 = time.perf_counter()
                        await probe.get("/api/v1/health")
                        door.health_ms.append((time.perf_counter() - t0) * 1000)
                        await asyncio.sleep(0.01)

            checker = asyncio.create_task(health())
            await burst()
            done.set()
            await checker
            doors.append(door)

        async def http_burst(door: Door, n: int, send: Callable[[httpx.AsyncClient, int], Awaitable[Any]]) -> None:
            async def attempt(i: int) -> None:
                try:
                    door.count(_http_outcome((await send(client, i)).status_code))
                except httpx.HTTPError:
                    door.count("other")
            await _bounded(n, attempt)

        # First: the same loopback address is refused once it has failed authentication too often.
        d = Door("REST with a token (GET /api/v1/customers, admin)")
        await measure(d, lambda: http_burst(d, 200, lambda c, i: c.get(
            "/api/v1/customers", headers={"Authorization": f"Bearer {tokens['admin']}"})))

        d = Door("REST without a token (GET /api/v1/customers)")
        await measure(d, lambda: http_burst(d, 300, lambda c, i: c.get("/api/v1/customers")))

        d = Door("Twilio webhook, unsigned (POST /api/twilio/status)")
        await measure(d, lambda: http_burst(d, 300, lambda c, i: c.post(
            "/api/twilio/status", data={"CallSid": "CA" + "0" * 32, "CallStatus": "ringing"},
            headers={"X-Forwarded-For": "198.51.100.1"})))

        def signed_bad(c: httpx.AsyncClient, i: int) -> Awaitable[Any]:
            params = {"CallSid": "CA" + "a" * 300, "CallStatus": "completed"}
            sig = validator.compute_signature(f"{PUBLIC_BASE}/api/twilio/status", params)
            return c.post("/api/twilio/status", data=params, headers={"X-Twilio-Signature": sig})

        d = Door("Twilio webhook, signed with a bad CallSid")
        await measure(d, lambda: http_burst(d, 100, signed_bad))

        open_quote = ("first_name,last_name,phone,account_last_4,postal_code,balance,days_overdue\n"
                      'Ann,"Lee,+12125550142,1234,10001,1,1\n' + "inside the open quote\n" * 80_000).encode()
        d = Door("CSV import, 80 k lines in an open quote")
        await measure(d, lambda: http_burst(d, 5, lambda c, i: c.post(
            "/api/v1/customers/import", content=open_quote,
            headers={"Authorization": f"Bearer {tokens['admin']}", "Content-Type": "text/csv"})))

        d = Door("/sim as a viewer")
        await measure(d, lambda: _bounded(50, lambda i: _ws_attempt(
            f"{ws_base}/sim?customer_id={maria}&token={tokens['viewer']}", d)))

        d = Door("/sim as one supervisor (3 sessions allowed)")
        await measure(d, lambda: _bounded(50, lambda i: _ws_attempt(
            f"{ws_base}/sim?customer_id={maria}&token={tokens['supervisor']}", d, hold_s=0.5)))

        d = Door("/sim, a binary frame first (greeting, then 1003)")
        await measure(d, lambda: _bounded(10, lambda i: _ws_attempt(
            f"{ws_base}/sim?customer_id={maria}&token={tokens['admin']}", d, first=b"\x00\x01")))

        d = Door("/live as one viewer (5 connections allowed)")
        await measure(d, lambda: _bounded(50, lambda i: _ws_attempt(
            f"{ws_base}/live?token={tokens['viewer']}", d, hold_s=0.5)))

        media_url = f"{ws_base}/twilio/media"
        media_sig = validator.compute_signature(media_url, {})
        d = Door("/twilio/media handshakes from one source (600/min)")
        await measure(d, lambda: _bounded(700, lambda i: _ws_attempt(
            media_url, d, headers={"X-Twilio-Signature": media_sig}, handshake_only=True)))

    services = voice.state.services
    for _ in range(600):                             # let the simulated calls of the bursts finish
        if not services.calls:
            break
        await asyncio.sleep(0.05)
    for server in servers:
        server.should_exit = True
    await asyncio.gather(*tasks, return_exceptions=True)
    await pool.close()
    return doors


def main() -> None:
    from tests.support.servers import PostgresServer

    server = PostgresServer()
    url = server.create_database("archer_bench_abuse")
    try:
        from shared.db import migrate

        migrate.upgrade(url)
        doors = asyncio.run(run(url))
    finally:
        server.drop_database(url)
        server.stop()
    print(f"{'door':<52} {'requests':>8} {'refused':>8} {'accepted':>8} {'5xx':>5} {'other':>5} "
          f"{'health p99 ms':>14}")
    for d in doors:
        print(f"{d.name:<52} {d.requests:>8} {d.refused:>8} {d.accepted:>8} {d.server_errors:>5} {d.other:>5} "
              f"{_p99(d.health_ms):>14.1f}")


if __name__ == "__main__":
    main()
