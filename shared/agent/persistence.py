"""Write-behind persistence for a live call, and recovery after a crash.

Transcript entries, tool executions, compliance events and state changes are queued and written in order by a
background task that retries until the database is back. Ordinary speech never waits on the database; a result
that depends on a write waits for `drain()` first (the engine drains after every tool execution), so nothing the
caller was told is lost with the process. Transcript entries and tool executions are idempotent on (call, seq);
compliance events on the write key each queued item carries (`archer.write_key`), so a batch retried after an
unknown commit outcome cannot duplicate them.

`ProcessLease`: each voice process holds a PostgreSQL session lock while it lives; the calls it was handling are
finalized by the next process that starts and finds the lock free (SIGKILL, OOM, a lost node)."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool, PoolTimeout

log = logging.getLogger(__name__)

Op = Callable[[AsyncConnection], Awaitable[object]]
_TRANSIENT = (psycopg.OperationalError, psycopg.InterfaceError, PoolTimeout, OSError, TimeoutError)


@dataclass
class _Item:
    label: str
    op: Op
    n: int
    failures: int = 0


class WriteBehind:
    """Ordered, retried, non-blocking writes for one call. `close()` drains (waits up to `drain_timeout_s`)."""

    def __init__(self, pool: AsyncConnectionPool, call_id: uuid.UUID, *, batch: int = 50, retry_base_s: float = 0.05,
                 retry_max_s: float = 1.0, max_permanent_failures: int = 3) -> None:
        self._pool = pool
        self._call_id = call_id
        self._items: deque[_Item] = deque()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._batch = self._default_batch = batch
        self._retry_base = retry_base_s
        self._retry_max = retry_max_s
        self._max_permanent = max_permanent_failures
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.written = 0
        self.retries = 0
        self.dropped = 0
        self._submitted = 0

    def submit(self, label: str, op: Op) -> None:
        """Queue one write; returns at once."""
        self._submitted += 1
        self._items.append(_Item(label, op, self._submitted))
        self._idle.clear()
        self._wake.set()
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"write-behind-{self._call_id}")

    @property
    def pending(self) -> int:
        return len(self._items)

    async def _run(self) -> None:
        delay = self._retry_base
        while True:
            if not self._items:
                self._idle.set()
                if self._closing:
                    return
                self._wake.clear()
                await self._wake.wait()
                continue
            batch = [self._items[i] for i in range(min(self._batch, len(self._items)))]
            try:
                await self._write(batch)
            except _TRANSIENT as exc:
                self.retries += 1
                log.warning("write-behind: database unavailable (%s), %d pending, retrying",
                            type(exc).__name__, len(self._items), extra={"call_id": str(self._call_id)})
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._retry_max)
                continue
            except psycopg.Error as exc:
                self._isolate_failure(batch, exc)
                continue
            for _ in batch:
                self._items.popleft()
            self.written += len(batch)
            delay = self._retry_base
            self._batch = self._default_batch

    async def _write(self, batch: list[_Item]) -> None:
        async with self._pool.connection(timeout=2.0) as conn:
            async with conn.transaction():
                for item in batch:
                    await conn.execute("SELECT set_config('archer.write_key', %s, true)",
                                       (f"{self._call_id}:{item.n}",))
                    await item.op(conn)

    def _isolate_failure(self, batch: list[_Item], exc: psycopg.Error) -> None:
        """A non-transient error: retry the head alone; after a few refusals it is logged and set aside."""
        head = self._items[0]
        if len(batch) > 1:
            self._batch = 1                      # find the bad item by writing one at a time
            return
        head.failures += 1
        if head.failures >= self._max_permanent:
            log.error("write-behind: %s refused by the database: %s", head.label, type(exc).__name__,
                      extra={"call_id": str(self._call_id)})
            self._items.popleft()
            self.dropped += 1

    async def drain(self, timeout_s: float) -> bool:
        """Wait until everything queued so far is written; False if the timeout passed first."""
        if self._task is None:
            return True
        try:
            await asyncio.wait_for(self._idle.wait(), timeout_s)
        except TimeoutError:
            return False
        return True

    async def close(self, drain_timeout_s: float = 30.0) -> bool:
        self._closing = True
        self._wake.set()
        ok = await self.drain(drain_timeout_s)
        if self._task is not None:
            if not ok:
                self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        return ok


LEASE_PREFIX = "archer.voice:"


class ProcessLease:
    """A session-level advisory lock naming this process, held on its own connection for the process's life."""

    def __init__(self, conninfo: str, instance: str) -> None:
        self._conninfo = conninfo
        self.instance = instance
        self._conn: AsyncConnection | None = None

    async def open(self) -> None:
        self._conn = await AsyncConnection.connect(self._conninfo, autocommit=True)
        cur = await self._conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (LEASE_PREFIX + self.instance,))
        row = await cur.fetchone()
        if not row or not row[0]:
            raise RuntimeError("another process holds this instance's lease")

    async def finalize_orphans(self, pool: Any) -> list[uuid.UUID]:
        """Finalize the open calls of every voice process whose lease is free (it died)."""
        from shared.db.calls import finalize_orphaned_calls, open_call_handlers

        assert self._conn is not None
        finalized: list[uuid.UUID] = []
        async with pool.connection() as conn:
            handlers = await open_call_handlers(conn, except_instance=self.instance)
        for other in handlers:
            cur = await self._conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (LEASE_PREFIX + other,))
            row = await cur.fetchone()
            if not row or not row[0]:
                continue                                  # alive: its calls are its own
            try:
                async with pool.connection() as conn:
                    done = await finalize_orphaned_calls(conn, other)
                finalized += done
                log.info("calls of a dead voice process finalized", extra={"instance": other, "calls": len(done)})
            finally:
                await self._conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (LEASE_PREFIX + other,))
        return finalized

    async def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.close()
            self._conn = None
