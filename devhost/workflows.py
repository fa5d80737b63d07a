"""The local workflow driver (DEV ONLY, `make dev` and tests): runs the Durable orchestrator functions in-process.

Same generator functions as Azure (functions/workflows/orchestrators.py), with activities awaited inline, timers on
the event loop (optionally on a scaled clock), external events, sub-orchestrations and continue_as_new. Nothing
is persisted here: the database is the source of truth, and `start()` re-arms scheduled callbacks and running or
paused campaigns after a restart. Never used in Azure, where the Durable Functions host runs the same code.
"""
from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from psycopg_pool import AsyncConnectionPool

from functions.workflows import names, orchestrators
from functions.workflows.activities import Activity, build_activities
from shared.workflows import policy, routing
from shared.workflows.dialing import ComplianceDialing, Dialing

log = logging.getLogger("archer.workflows.local")

ORCHESTRATORS: dict[str, Callable[[Any], Any]] = {
    names.CALLBACK_ORCHESTRATOR: orchestrators.callback_orchestrator,
    names.CAMPAIGN_ORCHESTRATOR: orchestrators.campaign_orchestrator,
    names.TARGET_ORCHESTRATOR: orchestrators.campaign_target_orchestrator,
}


class Clock:
    """Wall-clock time; `ScaledClock` runs faster for tests and demos."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, when: datetime) -> None:
        await asyncio.sleep(max(0.0, (when - self.now()).total_seconds()))


class ScaledClock(Clock):
    """Time starts at `start` and runs `scale` times faster than the event loop's clock."""

    def __init__(self, start: datetime, scale: float) -> None:
        self.start, self.scale = start, scale
        self._t0 = asyncio.get_running_loop().time()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=(asyncio.get_running_loop().time() - self._t0) * self.scale)

    async def sleep_until(self, when: datetime) -> None:
        await asyncio.sleep(max(0.0, (when - self.now()).total_seconds() / self.scale))


def _json(value: Any) -> Any:
    """Round-trip through JSON, as the Durable host does with every input and result."""
    return json.loads(json.dumps(value))


class LocalTask:
    """A task an orchestrator yields: started when first yielded, like the Durable SDK schedules it."""

    def __init__(self, start: Callable[[LocalTask], None]) -> None:
        self._start = start
        self.future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.started = False
        self.runner: asyncio.Task[Any] | None = None

    def ensure_started(self) -> None:
        if not self.started:
            self.started = True
            self._start(self)

    @property
    def result(self) -> Any:
        """The value, or the exception for a failed task (as the Durable SDK exposes a task_any winner)."""
        if not self.future.done() or self.future.cancelled():
            return None
        return self.future.exception() or self.future.result()

    def cancel(self) -> None:
        if self.runner is not None:
            self.runner.cancel()


class _AnyTask:
    def __init__(self, children: list[Any]) -> None:
        self.children = children


class _AllTask:
    def __init__(self, children: list[Any]) -> None:
        self.children = children


@dataclass
class _Instance:
    instance_id: str
    name: str
    input: Any
    events: dict[str, deque[Any]] = field(default_factory=lambda: defaultdict(deque))
    waiters: dict[str, list[asyncio.Future[Any]]] = field(default_factory=lambda: defaultdict(list))
    custom_status: Any = None
    runner: asyncio.Task[Any] | None = None
    output: Any = None
    error: Exception | None = None
    generation: int = 0

    @property
    def running(self) -> bool:
        return self.runner is not None and not self.runner.done()

    def deliver(self, name: str, payload: Any) -> None:
        waiting = self.waiters[name]
        while waiting:
            future = waiting.pop()  # newest waiter first, as the Durable SDK resolves it
            if not future.done():
                future.set_result(payload)
                return
        self.events[name].append(payload)


class LocalContext:
    """The subset of DurableOrchestrationContext the orchestrators use."""

    def __init__(self, driver: LocalDriver, instance: _Instance) -> None:
        self._driver, self._instance = driver, instance
        self._now = driver.clock.now()
        self._uuid_counter = 0
        self.continue_input: Any = None
        self.continued = False

    @property
    def instance_id(self) -> str:
        return self._instance.instance_id

    @property
    def current_utc_datetime(self) -> datetime:
        return self._now

    @property
    def is_replaying(self) -> bool:
        return False

    def tick(self) -> None:
        self._now = max(self._now, self._driver.clock.now())

    def get_input(self) -> Any:
        return _json(self._instance.input)

    def set_custom_status(self, status: Any) -> None:
        self._instance.custom_status = _json(status)

    def new_uuid(self) -> str:
        self._uuid_counter += 1
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.instance_id}_{self._now}_{self._uuid_counter}"))

    def continue_as_new(self, input_: Any) -> None:
        self.continue_input, self.continued = _json(input_), True

    def call_activity(self, name: str, input_: Any = None) -> LocalTask:
        return self._driver.activity_task(name, input_, None)

    def call_activity_with_retry(self, name: str, retry_options: Any, input_: Any = None) -> LocalTask:
        return self._driver.activity_task(name, input_, retry_options)

    def call_sub_orchestrator(self, name: str, input_: Any = None, instance_id: str | None = None) -> LocalTask:
        return self._driver.sub_task(name, input_, instance_id or self.new_uuid())

    def create_timer(self, fire_at: datetime) -> LocalTask:
        return self._driver.timer_task(fire_at)

    def wait_for_external_event(self, name: str) -> LocalTask:
        instance = self._instance

        def start(task: LocalTask) -> None:
            if instance.events[name]:
                task.future.set_result(instance.events[name].popleft())
            else:
                instance.waiters[name].append(task.future)
        return LocalTask(start)

    def task_any(self, tasks: list[LocalTask]) -> _AnyTask:
        return _AnyTask(tasks)

    def task_all(self, tasks: list[LocalTask]) -> _AllTask:
        return _AllTask(tasks)


class LocalDriver:
    """WorkflowStarter for `make dev`: orchestrations run as asyncio tasks in this process."""

    def __init__(self, pool: AsyncConnectionPool, *, dialing: Dialing | None = None, clock: Clock | None = None,
                 activities: dict[str, Activity] | None = None) -> None:
        self.pool = pool
        self.clock = clock or Clock()
        self.activities = activities or build_activities(pool, dialing or ComplianceDialing(), self.clock.now)
        self.instances: dict[str, _Instance] = {}

    # ---- lifecycle
    async def start(self) -> dict[str, int]:
        """Re-arm what the database says is pending: scheduled callbacks, running and paused campaigns."""
        async with self.pool.connection() as conn:
            await conn.execute("UPDATE campaign_targets t SET status = 'pending' FROM campaigns c "
                               "WHERE t.campaign_id = c.id AND c.status IN ('running','paused') "
                               "AND t.status = 'in_progress'")
            callbacks = await (await conn.execute(
                "SELECT id, scheduled_for FROM callbacks WHERE status IN ('scheduled','dialing') "
                "AND NOT simulated")).fetchall()
            campaigns = await (await conn.execute(
                "SELECT id, status FROM campaigns WHERE status IN ('running','paused')")).fetchall()
        for callback_id, scheduled_for in callbacks:
            await self.start_callback(callback_id, scheduled_for)
        for campaign_id, status in campaigns:
            self._launch(names.CAMPAIGN_ORCHESTRATOR, policy.campaign_instance_id(campaign_id),
                         {"campaign_id": str(campaign_id), "generation": 1, "paused": status == "paused"})
        return {"callbacks": len(callbacks), "campaigns": len(campaigns)}

    async def stop(self) -> None:
        runners = [i.runner for i in self.instances.values() if i.runner is not None and not i.runner.done()]
        for runner in runners:
            runner.cancel()
        await asyncio.gather(*runners, return_exceptions=True)

    # ---- WorkflowStarter
    async def start_callback(self, callback_id: uuid.UUID, scheduled_for: datetime) -> str:
        return self._launch(names.CALLBACK_ORCHESTRATOR, policy.callback_instance_id(callback_id),
                            {"callback_id": str(callback_id), "scheduled_for": scheduled_for.isoformat()})

    async def cancel_callback(self, callback_id: uuid.UUID, reason: str) -> None:
        self._raise(policy.callback_instance_id(callback_id), names.EVENT_CANCEL, {"reason": reason})

    async def start_campaign(self, campaign_id: uuid.UUID) -> str:
        return self._launch(names.CAMPAIGN_ORCHESTRATOR, policy.campaign_instance_id(campaign_id),
                            {"campaign_id": str(campaign_id)})

    async def signal_campaign(self, campaign_id: uuid.UUID, signal: str) -> None:
        if signal not in ("pause", "resume", "cancel"):
            raise ValueError(f"unknown campaign signal {signal!r}")
        self._raise(policy.campaign_instance_id(campaign_id), names.EVENT_CONTROL, signal)

    async def notify_call_outcome(self, call_id: uuid.UUID, status: str, outcome: str | None) -> None:
        async with self.pool.connection() as conn:
            instance_id = await routing.waiting_instance(conn, call_id)
        if instance_id is not None:
            self._raise(instance_id, names.EVENT_CALL_OUTCOME,
                        {"call_id": str(call_id), "status": status, "outcome": outcome})

    # ---- status, for the dev UI and tests
    def status(self, instance_id: str) -> dict[str, Any] | None:
        instance = self.instances.get(instance_id)
        if instance is None:
            return None
        return {"running": instance.running, "custom_status": instance.custom_status, "output": instance.output}

    async def wait(self, instance_id: str) -> Any:
        instance = self.instances[instance_id]
        assert instance.runner is not None
        await asyncio.shield(instance.runner)
        if instance.error is not None:
            raise RuntimeError(f"orchestration {instance_id} failed: {instance.error}")
        return instance.output

    # ---- tasks
    def activity_task(self, name: str, input_: Any, retry: Any) -> LocalTask:
        activity = self.activities[name]
        attempts = retry.max_number_of_attempts if retry is not None else 1
        interval = timedelta(milliseconds=retry.first_retry_interval_in_milliseconds) if retry else timedelta(0)

        async def run() -> Any:
            for attempt in range(1, attempts + 1):
                try:
                    return _json(await activity(_json(input_)))
                except Exception:
                    if attempt == attempts:
                        raise
                    log.warning("activity %s failed (attempt %d); retrying", name, attempt)
                    await self.clock.sleep_until(self.clock.now() + interval)
            return None
        return self._task(run)

    def timer_task(self, fire_at: datetime) -> LocalTask:
        async def run() -> None:
            await self.clock.sleep_until(fire_at)
        return self._task(run)

    def sub_task(self, name: str, input_: Any, instance_id: str) -> LocalTask:
        async def run() -> Any:
            self._launch(name, instance_id, input_)
            return await self.wait(instance_id)
        return self._task(run)

    def _task(self, body: Callable[[], Any]) -> LocalTask:
        def start(task: LocalTask) -> None:
            async def wrapped() -> None:
                try:
                    value = await body()
                except asyncio.CancelledError:
                    if not task.future.done():
                        task.future.cancel()
                    raise
                except Exception as exc:
                    if not task.future.done():
                        task.future.set_exception(exc)
                else:
                    if not task.future.done():
                        task.future.set_result(value)
            task.runner = asyncio.get_running_loop().create_task(wrapped())
        return LocalTask(start)

    # ---- instances
    def _launch(self, name: str, instance_id: str, input_: Any) -> str:
        existing = self.instances.get(instance_id)
        if existing is not None and existing.running:
            return instance_id  # deduplicated: the same id is already running
        instance = _Instance(instance_id, name, _json(input_))
        self.instances[instance_id] = instance
        instance.runner = asyncio.get_running_loop().create_task(self._run(instance))
        return instance_id

    def _raise(self, instance_id: str, name: str, payload: Any) -> None:
        instance = self.instances.get(instance_id)
        if instance is not None and instance.running:
            instance.deliver(name, _json(payload))

    async def _run(self, instance: _Instance) -> None:
        fn = ORCHESTRATORS[instance.name]
        while True:
            context = LocalContext(self, instance)
            try:
                instance.output = await self._drive(fn(context), context)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.exception("orchestration %s failed", instance.instance_id)
                instance.error = exc
                return
            if not context.continued:
                return
            instance.input, instance.generation = context.continue_input, instance.generation + 1
            await asyncio.sleep(0)

    async def _drive(self, generator: Any, context: LocalContext) -> Any:
        value: Any = None
        error: BaseException | None = None
        while True:
            context.tick()
            try:
                yielded = generator.throw(error) if error is not None else generator.send(value)
            except StopIteration as stop:
                return stop.value
            value, error = None, None
            try:
                value = await self._await(yielded)
            except Exception as exc:
                error = exc

    async def _await(self, yielded: Any) -> Any:
        if isinstance(yielded, _AnyTask):
            for child in yielded.children:
                child.ensure_started()
            while True:
                done = next((c for c in yielded.children if c.future.done()), None)
                if done is not None:
                    return done
                await asyncio.wait([c.future for c in yielded.children], return_when=asyncio.FIRST_COMPLETED)
        if isinstance(yielded, _AllTask):
            for child in yielded.children:
                child.ensure_started()
            return [await c.future for c in yielded.children]
        yielded.ensure_started()
        return await yielded.future


def attach_local_driver(app: Any) -> None:
    """Give the dev host's FastAPI app a LocalDriver as `app.state.workflow_starter`, started with the app's
    lifespan (re-arming pending work from the database) and stopped before the pool closes."""
    from contextlib import asynccontextmanager

    from functions.deps import get_pool

    original = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(asgi_app: Any) -> Any:
        async with original(asgi_app) as state:
            driver = LocalDriver(await get_pool(app))
            app.state.workflow_starter = driver
            armed = await driver.start()
            log.info("local workflow driver started (dev only): re-armed %s", armed)
            try:
                yield state
            finally:
                await driver.stop()

    app.router.lifespan_context = lifespan
