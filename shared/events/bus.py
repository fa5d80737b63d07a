"""Fan-out of live events: `publish` never blocks a call; `subscribe` yields events until the subscriber leaves.

`InProcessBus` serves one process (local dev, tests); `RedisBus` spans every voice replica and the Function app.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any, Protocol

from redis.exceptions import RedisError

from shared.events.live import NO_CALL, LiveEvent

log = logging.getLogger(__name__)
CHANNEL = "archer:live"
SUBSCRIBER_QUEUE = 1000
RECONNECT_MIN_S = 0.1
RECONNECT_MAX_S = 5.0
COALESCE_S = 0.05                  # a published event waits this long for company: one round trip for the lot
PUBLISH_BATCH = 50


class EventBus(Protocol):
    def publish(self, event: LiveEvent) -> None: ...

    def subscribe(self) -> AsyncIterator[LiveEvent]: ...

    async def close(self) -> None: ...


class InProcessBus:
    def __init__(self) -> None:
        self._subscribers: set[asyncio.Queue[LiveEvent]] = set()

    def publish(self, event: LiveEvent) -> None:
        for q in self._subscribers:
            _offer(q, event)

    async def subscribe(self) -> AsyncIterator[LiveEvent]:
        q: asyncio.Queue[LiveEvent] = asyncio.Queue(SUBSCRIBER_QUEUE)
        self._subscribers.add(q)
        try:
            while True:
                yield await q.get()
        finally:
            self._subscribers.discard(q)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    async def close(self) -> None:
        self._subscribers.clear()


def _offer(q: asyncio.Queue[LiveEvent], event: LiveEvent) -> None:
    """A slow subscriber loses its oldest events rather than slowing calls down."""
    if q.full():
        with contextlib.suppress(asyncio.QueueEmpty):
            q.get_nowait()
    q.put_nowait(event)


class RedisBus:
    """Publishes through one background task per process; each subscriber has its own pub/sub connection."""

    def __init__(self, url: str) -> None:
        import redis.asyncio as redis

        # Keepalive + health checks: a half-open connection is noticed instead of listening forever.
        self._redis: Any = redis.from_url(url, socket_keepalive=True, health_check_interval=15,  # type: ignore[no-untyped-call]
                                          socket_connect_timeout=2)
        self._outbox: asyncio.Queue[LiveEvent] = asyncio.Queue(10_000)
        self._publisher: asyncio.Task[None] | None = None
        self._holding = False
        self._down = False

    def publish(self, event: LiveEvent) -> None:
        _offer(self._outbox, event)
        if self._publisher is None or self._publisher.done():
            self._publisher = asyncio.create_task(self._publish_loop(), name="live-publisher")

    async def _publish_loop(self) -> None:
        """Everything queued goes in one pipelined round trip (hundreds of calls publish many events a second, each
        a round trip of redis-py's on its own); a live view a few tens of milliseconds later is as live."""
        while True:
            self._holding = False
            events = [await self._outbox.get()]
            self._holding = True                  # taken from the outbox, not yet published (close waits for it)
            if self._outbox.qsize() < PUBLISH_BATCH - 1:
                await asyncio.sleep(COALESCE_S)
            while not self._outbox.empty() and len(events) < PUBLISH_BATCH:
                events.append(self._outbox.get_nowait())
            try:
                if len(events) == 1:
                    await self._redis.publish(CHANNEL, events[0].to_json())
                else:
                    pipe = self._redis.pipeline(transaction=False)
                    for event in events:
                        pipe.publish(CHANNEL, event.to_json())
                    await pipe.execute()
                self._down = False
            except Exception as exc:  # Redis down: live view degrades, calls go on (one line per outage)
                if not self._down:
                    log.warning("live event not published", extra={"error": type(exc).__name__})
                self._down = True

    async def subscribe(self) -> AsyncIterator[LiveEvent]:
        """Events until the subscriber leaves. A lost Redis connection is retried with backoff and, once
        resubscribed, a `gap` event says events may have been missed (the client refetches)."""
        delay = RECONNECT_MIN_S
        lost = False
        while True:
            pubsub = self._redis.pubsub()
            confirmed = False
            try:
                await pubsub.subscribe(CHANNEL)
                async for message in pubsub.listen():
                    kind = message.get("type")
                    if kind == "subscribe":
                        # A confirmation after a break (ours, or redis-py's own reconnect): events were missed.
                        if lost or confirmed:
                            log.info("live events: resubscribed after a Redis outage")
                            yield LiveEvent(type="gap", call_id=NO_CALL, data={"reason": "event_stream_interrupted"})
                        lost, confirmed, delay = False, True, RECONNECT_MIN_S
                        continue
                    if kind != "message":
                        continue
                    try:
                        yield LiveEvent.from_json(message["data"])
                    except (ValueError, KeyError):
                        log.warning("malformed live event dropped")
                lost = True                                # listen() ended: the connection went away
            except (ConnectionError, OSError, TimeoutError, RedisError) as exc:
                if not lost:
                    log.warning("live events: Redis unavailable, reconnecting", extra={"error": type(exc).__name__})
                lost = True
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECONNECT_MAX_S)

    async def close(self) -> None:
        if self._publisher is not None:
            # Give queued events a moment to leave before the process goes.
            for _ in range(20):
                if self._outbox.empty() and not self._holding:
                    break
                await asyncio.sleep(0.05)
            self._publisher.cancel()
            await asyncio.gather(self._publisher, return_exceptions=True)
        await self._redis.aclose()


def make_bus(redis_url: str | None) -> EventBus:
    return RedisBus(redis_url) if redis_url else InProcessBus()
