"""Write-behind for the voice service's own rows (turn metrics, call finalisation): a call never waits on the DB.

Writes are queued process-wide and retried with backoff while the database is unreachable; nothing accepted is
dropped unless the queue overflows (then the oldest metrics go first, logged).
"""
from __future__ import annotations

import asyncio
import collections
import itertools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)

Write = Callable[[Any], Awaitable[object]]          # receives an AsyncConnection
MAX_PENDING = 20_000
BATCH = 25                           # writes per round trip (a bigger batch holds the event loop longer)
COALESCE_S = 0.2                     # a write waits this long for company: fewer checkouts and round trips


class WriteBehind:
    def __init__(self, pool_getter: Callable[[], Awaitable[Any]], *, retry_s: float = 0.5,
                 max_retry_s: float = 10.0) -> None:
        self._pool_getter = pool_getter
        self._pending: collections.deque[tuple[str, Write]] = collections.deque()
        self._wake = asyncio.Event()
        self._emptied = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._retry_s = retry_s
        self._max_retry_s = max_retry_s
        self.failures = 0

    def submit(self, label: str, write: Write) -> None:
        if len(self._pending) >= MAX_PENDING:
            dropped, _ = self._pending.popleft()
            log.error("write-behind queue full; oldest write dropped", extra={"write": dropped})
        self._pending.append((label, write))
        self._wake.set()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="write-behind")

    @property
    def pending(self) -> int:
        return len(self._pending)

    async def _run(self) -> None:
        """Writes go in batches: one connection checkout and one pipelined round trip for everything queued."""
        delay = self._retry_s
        while True:
            if not self._pending:
                self._wake.clear()
                await self._wake.wait()
                if len(self._pending) < BATCH:
                    await asyncio.sleep(COALESCE_S)
                continue
            batch = list(itertools.islice(self._pending, BATCH))
            try:
                pool = await self._pool_getter()
                async with pool.connection() as conn:
                    async with conn.pipeline():
                        for _, write in batch:
                            await write(conn)
            except Exception as exc:  # the database is down or slow: keep the writes, retry later
                self.failures += 1
                log.warning("deferred write failed; will retry", extra={"write": batch[0][0],
                                                                        "error": type(exc).__name__})
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._max_retry_s)
                continue
            for _ in batch:
                self._pending.popleft()
            delay = self._retry_s
            if not self._pending:
                self._emptied.set()

    async def flush(self) -> None:
        """Wait until every queued write is stored (bound it with asyncio.timeout)."""
        while self._pending:
            self._emptied.clear()
            await self._emptied.wait()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
