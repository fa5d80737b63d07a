"""/live survives a Redis outage: subscribers reconnect with backoff and resubscribe, each client is told of the
gap (a `gap` event, so the UI refetches), and events flow again, to sockets opened before and during the outage."""
from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator

import pytest
from psycopg import AsyncConnection
from websockets.asyncio.client import ClientConnection, connect

from shared.events.bus import RedisBus
from shared.events.live import LiveEvent
from tests.integration.security.conftest import voice_service
from tests.support.servers import free_port


class OwnRedis:
    """A private redis-server on a fixed port that the test stops and starts again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="archer-redis-outage-")
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary is not None, "redis-server is needed on PATH"
        self.proc = subprocess.Popen([binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", self.dir],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    async def ping(self) -> bool:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        except OSError:
            return False
        writer.write(b"PING\r\n")
        await writer.drain()
        ok = (await reader.readline()).startswith(b"+PONG")
        writer.close()
        return ok

    async def started(self) -> None:
        for _ in range(200):
            if await self.ping():
                return
            await asyncio.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    server = OwnRedis()
    server.start()
    yield server
    server.stop()
    shutil.rmtree(server.dir, ignore_errors=True)


async def _next(ws: ClientConnection, kind: str) -> dict:
    async with asyncio.timeout(20):
        while True:
            event = json.loads(await ws.recv())
            if event["type"] == kind:
                return event


async def test_live_delivers_again_after_redis_comes_back(own_redis: OwnRedis, conn: AsyncConnection,
                                                          pool) -> None:
    await own_redis.started()
    bus = RedisBus(own_redis.url)
    async with voice_service(pool, bus=bus) as stack:
        before = await connect(f"{stack.base}/live?token=viewer-token")
        await asyncio.sleep(0.3)                                   # subscribed
        call_id = uuid.uuid4()
        bus.publish(LiveEvent(type="call_started", call_id=call_id))
        assert (await _next(before, "call_started"))["call_id"] == str(call_id)

        own_redis.stop()                                           # the outage
        during = await connect(f"{stack.base}/live?token=other-supervisor-token")
        bus.publish(LiveEvent(type="transcript", call_id=call_id, data={"text": "lost in the outage"}))
        await asyncio.sleep(0.3)
        own_redis.start()
        await own_redis.started()

        gaps = [await _next(before, "gap"), await _next(during, "gap")]
        assert all(g["data"]["reason"] == "event_stream_interrupted" for g in gaps)
        after = uuid.uuid4()
        bus.publish(LiveEvent(type="call_ended", call_id=after))
        assert (await _next(before, "call_ended"))["call_id"] == str(after)
        assert (await _next(during, "call_ended"))["call_id"] == str(after)
        await before.close()
        await during.close()
    await bus.close()
