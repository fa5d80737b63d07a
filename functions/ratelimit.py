"""Per-principal request limits for the admin API: a fixed one-minute window counted in Redis (one Lua call),
or in this process when REDIS_URL is unset or Redis is unreachable."""
from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Any

_log = logging.getLogger("archer.api.ratelimit")
WINDOW_MS = 60_000

# INCR and set the window's expiry atomically; returns the count so far and the ms left in the window.
_LUA = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}
"""


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    remaining: int
    retry_after_s: int


class RateLimiter:
    """`hit(key)` counts one request against `limit` per minute."""

    def __init__(self, limit: int, redis_url: str | None) -> None:
        self.limit = limit
        self._redis_url = redis_url
        self._redis: Any = None
        self._script: Any = None
        self._local: dict[str, tuple[float, int]] = {}

    async def hit(self, key: str) -> Verdict:
        if self._redis_url:
            try:
                return await self._hit_redis(key)
            except Exception as exc:  # Redis down must not take the admin API with it
                _log.warning("rate limit falling back to in-process", extra={"error": type(exc).__name__})
        return self._hit_local(key)

    async def _hit_redis(self, key: str) -> Verdict:
        if self._redis is None:
            import redis.asyncio as aioredis  # lazy: keeps the Function app's cold start lean

            self._redis = aioredis.from_url(str(self._redis_url), socket_timeout=0.5, socket_connect_timeout=0.5)
            self._script = self._redis.register_script(_LUA)
        count, ttl_ms = await self._script(keys=[f"archer:ratelimit:{key}"], args=[WINDOW_MS])
        return self._verdict(int(count), int(ttl_ms))

    def _hit_local(self, key: str) -> Verdict:
        now = time.monotonic()
        started, count = self._local.get(key, (now, 0))
        if now - started >= WINDOW_MS / 1000:
            started, count = now, 0
        count += 1
        self._local[key] = (started, count)
        if len(self._local) > 10_000:  # bound memory: drop expired windows
            self._local = {k: v for k, v in self._local.items() if now - v[0] < WINDOW_MS / 1000}
        return self._verdict(count, int((started + WINDOW_MS / 1000 - now) * 1000))

    def _verdict(self, count: int, ttl_ms: int) -> Verdict:
        return Verdict(allowed=count <= self.limit, remaining=max(self.limit - count, 0),
                       retry_after_s=max(1, math.ceil(ttl_ms / 1000)))

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None
