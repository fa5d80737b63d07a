"""The Redis live bus batches what calls publish into few round trips without losing or reordering any event, and
closing it delivers the events it was still holding."""
from __future__ import annotations

import asyncio
import contextlib
import uuid

from shared.events.bus import RedisBus
from shared.events.live import LiveEvent


async def _collect(bus: RedisBus, call_id: uuid.UUID, n: int, into: list[int], subscribed: asyncio.Event) -> None:
    async for event in _subscribed(bus, subscribed):
        if event.call_id == call_id:                 # the channel is shared with whatever else runs on this Redis
            into.append(int(event.data["n"]))
            if len(into) == n:
                return


async def _subscribed(bus: RedisBus, subscribed: asyncio.Event):  # type: ignore[no-untyped-def]
    stream = bus.subscribe()
    first = asyncio.ensure_future(stream.__anext__())
    await asyncio.sleep(0.3)                         # the SUBSCRIBE is in place before anything is published
    subscribed.set()
    yield await first
    async for event in stream:
        yield event


async def test_a_burst_of_events_arrives_complete_and_in_order(redis_url: str) -> None:
    bus, listener = RedisBus(redis_url), RedisBus(redis_url)
    call_id, got, subscribed = uuid.uuid4(), [], asyncio.Event()
    task = asyncio.create_task(_collect(listener, call_id, 120, got, subscribed))
    try:
        await subscribed.wait()
        for n in range(120):
            bus.publish(LiveEvent(type="latency", call_id=call_id, data={"n": n}))
            if n % 7 == 0:
                await asyncio.sleep(0.01)
        await asyncio.wait_for(task, 5)
        assert got == list(range(120))
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await bus.close()
        await listener.close()


async def test_closing_the_bus_publishes_the_events_it_was_holding(redis_url: str) -> None:
    bus, listener = RedisBus(redis_url), RedisBus(redis_url)
    call_id, got, subscribed = uuid.uuid4(), [], asyncio.Event()
    task = asyncio.create_task(_collect(listener, call_id, 3, got, subscribed))
    try:
        await subscribed.wait()
        for n in range(3):
            bus.publish(LiveEvent(type="latency", call_id=call_id, data={"n": n}))
        await asyncio.sleep(0)                       # the publisher has taken them and waits for more company
        await bus.close()
        await asyncio.wait_for(task, 5)
        assert got == [0, 1, 2]
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await listener.close()
