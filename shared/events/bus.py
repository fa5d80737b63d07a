"""Fan-out of live events: `publish` never blocks a call; `subscribe` yields events until the subscriber leaves.

`InProcessBus` serves one process (local dev, tests); `RedisBus` spans every voice replica and the Function app.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any, Protocol

from shared.events.live import LiveEvent

log = logging.getLogger(__name__)
CHANNEL = "archer:live"
SUBSCRIBER_QUEUE = 1000


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

        self._redis: Any = redis.from_url(url)  # type: ignore[no-untyped-call]
        self._outbox: asyncio.Queue[LiveEvent] = asyncio.Queue(10_000)
        self._publisher: asyncio.Task[None] | None = None

    def publish(self, event: LiveEvent) -> None:
        _offer(self._outbox, event)
        if self._publisher is None or self._publisher.done():
            self._publisher = asyncio.create_task(self._publish_loop(), name="live-publisher")

    async def _publish_loop(self) -> None:
        """Everything queued goes in one pipelined round trip (hundreds of calls publish many events a second)."""
        while True:
            events = [await self._outbox.get()]
            while not self._outbox.empty() and len(events) < 50:
                events.append(self._outbox.get_nowait())
            try:
                if len(events) == 1:
                    await self._redis.publish(CHANNEL, events[0].to_json())
                else:
                    pipe = self._redis.pipeline(transaction=False)
                    for event in events:
                        pipe.publish(CHANNEL, event.to_json())
                    await pipe.execute()
            except Exception as exc:  # Redis down: live view degrades, calls go on
                log.warning("live event not published", extra={"error": type(exc).__name__})

    async def subscribe(self) -> AsyncIterator[LiveEvent]:
        pubsub = self._redis.pubsub()
        await pubsub.subscribe(CHANNEL)
        try:
            async for message in pubsub.listen():
                if message.get("type") != "message":
                    continue
                try:
                    yield LiveEvent.from_json(message["data"])
                except (ValueError, KeyError):
                    log.warning("malformed live event dropped")
        finally:
            with contextlib.suppress(Exception):
                await pubsub.unsubscribe(CHANNEL)
                await pubsub.aclose()

    async def close(self) -> None:
        if self._publisher is not None:
            # Give queued events a moment to leave before the process goes.
            for _ in range(20):
                if self._outbox.empty():
                    break
                await asyncio.sleep(0.05)
            self._publisher.cancel()
            await asyncio.gather(self._publisher, return_exceptions=True)
        await self._redis.aclose()


def make_bus(redis_url: str | None) -> EventBus:
    return RedisBus(redis_url) if redis_url else InProcessBus()
