"""The one limiter behind every door (admin API principals, unauthenticated or unsigned sources, /sim, /live,
/twilio/media handshakes, failed verifications): fixed windows and concurrent leases, counted in Redis so every
replica shares them, or in this process when REDIS_URL is unset or Redis is unreachable.

    limiter = Limiter(redis_url)
    verdict = await limiter.hit("sim_start", principal, limit=20, window_s=60)      # a request / an attempt
    lease = await limiter.acquire("live", principal, limit=5)                      # a connection held open
    ...; await limiter.release(lease)
"""
from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import math
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)
PREFIX = "archer:limit"
LOCAL_KEYS_MAX = 10_000
FALLBACK_LOG_EVERY_S = 30.0
LEASE_RETRY_S = 10

# Count `cost` (0 = only read) in a window that starts with its first hit; returns the count and the ms left.
_HIT = """
local n
if tonumber(ARGV[2]) > 0 then n = redis.call('INCRBY', KEYS[1], ARGV[2])
else n = tonumber(redis.call('GET', KEYS[1]) or '0') end
local ttl = redis.call('PTTL', KEYS[1])
if n > 0 and ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
if ttl < 0 then ttl = 0 end
return {n, ttl}
"""
# A lease: one member of a sorted set scored by its expiry; expired leases (a dead process's) fall away.
_ACQUIRE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, tonumber(oldest[2]) - tonumber(ARGV[1])}
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return {1, 0}
"""


# Where our own proxies connect from (Azure's front ends, Container Apps' ingress and environment, loopback):
# private, shared (CGNAT), loopback and link-local networks. Everything else is a client.
_INTERNAL = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "0.0.0.0/32",
    "::1/128", "fc00::/7", "fe80::/10", "::/128"))


def _external(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return not any(address in net for net in _INTERNAL)


def _address(entry: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """One X-Forwarded-For entry as an address: `1.2.3.4`, `1.2.3.4:5678` (Azure's front ends add the port),
    `[2001:db8::1]:443` or a bare IPv6 address; anything else (`unknown`, obfuscated names) is None."""
    entry = entry.strip()
    if entry.startswith("["):
        entry = entry[1:entry.find("]")] if "]" in entry else ""
    elif entry.count(":") == 1:
        entry = entry.split(":", 1)[0]
    try:
        return ipaddress.ip_address(entry)
    except ValueError:
        return None


def source_address(peer: str | None, forwarded_for: str | None) -> str:
    """The address a per-source limit counts against. In Azure the app never talks to the caller: the Functions
    host hands the ASGI app no peer at all, and Container Apps' ingress connects from a private address. Each
    proxy appends the address it saw to X-Forwarded-For, so the client is the right-most EXTERNAL entry; entries to
    its left are the client's own claims (forgeable: taking the left-most, as a trust-everything proxy setting
    does, lets an attacker pick a fresh "source" per request, and keying on the missing peer puts every caller in
    one bucket that one attacker can fill for all). An external peer talking to the app directly is the source."""
    direct = _address(peer) if peer else None
    if direct is not None and _external(direct):
        return str(direct)
    for entry in reversed((forwarded_for or "").split(",")):
        address = _address(entry)
        if address is not None and _external(address):
            return str(address)
    return peer or "unknown"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    remaining: int
    retry_after_s: int


@dataclass(frozen=True)
class Lease:
    door: str
    key: str
    token: str


@dataclass(frozen=True)
class DoorLimits:
    """Per-door limits (defaults sized for one bank's operators and Twilio's traffic; tests shrink them)."""

    sim_sessions_per_principal: int = 3          # concurrent simulated calls
    sim_starts_per_minute: int = 20
    live_connections_per_principal: int = 5
    media_handshakes_per_source_per_minute: int = 600
    unauthenticated_per_source_per_minute: int = 30   # 401s answered to one address
    unsigned_twilio_per_source_per_minute: int = 30   # 403s answered to one address on /api/twilio
    lease_s: int = 120                            # renewed while the connection lives; a dead process's lapses


class Limiter:
    def __init__(self, redis_url: str | None) -> None:
        self._redis_url = redis_url
        self._redis: Any = None
        self._hit_script: Any = None
        self._acquire_script: Any = None
        self._windows: dict[str, tuple[float, int]] = {}
        self._leases: dict[str, dict[str, float]] = {}
        self._last_fallback_log = 0.0

    # ---- windows ----------------------------------------------------------------------------------------------
    async def hit(self, door: str, key: str, *, limit: int, window_s: float = 60.0, cost: int = 1) -> Verdict:
        """Count `cost` against `limit` per window; `allowed` is False once the count passes the limit."""
        name = f"{PREFIX}:{door}:{key}"
        if self._redis_url:
            try:
                client = self._client()
                count, ttl_ms = await self._hit_script(keys=[name], args=[int(window_s * 1000), cost], client=client)
                return _verdict(int(count), limit, int(ttl_ms))
            except Exception as exc:  # Redis down must not take the doors with it
                self._fallback(exc)
        return self._hit_local(name, limit, window_s, cost)

    async def peek(self, door: str, key: str, *, limit: int, window_s: float = 60.0) -> Verdict:
        """The window's state without counting: is this key already over its limit?"""
        verdict = await self.hit(door, key, limit=limit, window_s=window_s, cost=0)
        return Verdict(allowed=verdict.remaining > 0, remaining=verdict.remaining,
                       retry_after_s=verdict.retry_after_s)

    def _hit_local(self, name: str, limit: int, window_s: float, cost: int) -> Verdict:
        now = time.monotonic()
        started, count = self._windows.get(name, (now, 0))
        if now - started >= window_s:
            started, count = now, 0
        count += cost
        if cost:
            self._windows[name] = (started, count)
        if len(self._windows) > LOCAL_KEYS_MAX:    # bound memory: drop windows long expired
            self._windows = {k: v for k, v in self._windows.items() if now - v[0] < 3600}
        return _verdict(count, limit, int((started + window_s - now) * 1000))

    # ---- leases -----------------------------------------------------------------------------------------------
    async def acquire(self, door: str, key: str, *, limit: int, lease_s: float = 3600.0
                      ) -> tuple[Lease | None, int]:
        """A slot among `limit` concurrent ones, or (None, seconds until the oldest lease expires at the latest)."""
        name = f"{PREFIX}:{door}:{key}"
        token = uuid.uuid4().hex
        now = time.time()
        if self._redis_url:
            try:
                client = self._client()
                ok, wait_ms = await self._acquire_script(
                    keys=[name], args=[now * 1000, (now + lease_s) * 1000, limit, token, int(lease_s * 1000) + 1000],
                    client=client)
                return (Lease(door, key, token), 0) if int(ok) else (None, _lease_wait(int(wait_ms) / 1000))
            except Exception as exc:
                self._fallback(exc)
        held = {t: exp for t, exp in self._leases.get(name, {}).items() if exp > now}
        if len(held) >= limit:
            self._leases[name] = held
            return None, _lease_wait(min(held.values()) - now)
        held[token] = now + lease_s
        self._leases[name] = held
        return Lease(door, key, token), 0

    async def renew(self, lease: Lease, *, lease_s: float) -> None:
        """Push a held lease's expiry out again (a live connection renews; a dead process's lease lapses)."""
        name = f"{PREFIX}:{lease.door}:{lease.key}"
        expiry = time.time() + lease_s
        if lease.token in self._leases.get(name, {}):
            self._leases[name][lease.token] = expiry
        if self._redis_url:
            try:
                client = self._client()
                await client.zadd(name, {lease.token: expiry * 1000}, xx=True)
                await client.pexpire(name, int(lease_s * 1000) + 1000)
            except Exception as exc:
                self._fallback(exc)

    @contextlib.asynccontextmanager
    async def holding(self, lease: Lease, *, lease_s: float) -> AsyncIterator[None]:
        """Renew `lease` every third of its life while the block runs; release it at the end."""
        async def renewing() -> None:
            while True:
                await asyncio.sleep(lease_s / 3)
                await self.renew(lease, lease_s=lease_s)

        task = asyncio.create_task(renewing(), name=f"lease:{lease.door}")
        try:
            yield
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await self.release(lease)

    async def release(self, lease: Lease | None) -> None:
        if lease is None:
            return
        name = f"{PREFIX}:{lease.door}:{lease.key}"
        self._leases.get(name, {}).pop(lease.token, None)
        if self._redis_url:
            try:
                await self._client().zrem(name, lease.token)
            except Exception as exc:
                self._fallback(exc)

    # ---- plumbing ---------------------------------------------------------------------------------------------
    def _client(self) -> Any:
        if self._redis is None:
            assert self._redis_url is not None
            import redis.asyncio as aioredis  # lazy: keeps the Function app's cold start lean

            self._redis = aioredis.from_url(self._redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
            self._hit_script = self._redis.register_script(_HIT)
            self._acquire_script = self._redis.register_script(_ACQUIRE)
        return self._redis

    def _fallback(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._last_fallback_log >= FALLBACK_LOG_EVERY_S:
            self._last_fallback_log = now
            log.warning("limiter: Redis unavailable, counting in-process", extra={"error": type(exc).__name__})

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None


def _lease_wait(until_expiry_s: float) -> int:
    """A held slot frees when its holder leaves (usually soon) or at the latest when its lease expires."""
    return max(1, min(LEASE_RETRY_S, math.ceil(until_expiry_s)))


def _verdict(count: int, limit: int, ttl_ms: int) -> Verdict:
    return Verdict(allowed=count <= limit, remaining=max(limit - count, 0),
                   retry_after_s=max(1, math.ceil(ttl_ms / 1000)))


class RateLimiter:
    """The admin API's per-principal request limit (one door of the Limiter, kept under its old shape)."""

    def __init__(self, limit: int, redis_url: str | None, *, limiter: Limiter | None = None) -> None:
        self.limit = limit
        self.limiter = limiter or Limiter(redis_url)

    async def hit(self, key: str) -> Verdict:
        return await self.limiter.hit("api", key, limit=self.limit)

    async def close(self) -> None:
        await self.limiter.close()
