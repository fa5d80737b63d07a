"""A stand-in for the Durable Functions host: builds the orchestration history JSON and drives the REAL replay.

Each episode sends `azure.durable_functions` the JSON the host would (history + input + instanceId), reads the
actions it returns, and — like the Durable Task Framework — checks that replayed actions match the history
(non-determinism) and appends TaskScheduled/TimerCreated/SubOrchestrationInstanceCreated for the new ones.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from azure.durable_functions import Orchestrator

# HistoryEventType values (azure.durable_functions.models.history.HistoryEventType).
EXECUTION_STARTED, TASK_SCHEDULED, TASK_COMPLETED, TASK_FAILED = 0, 4, 5, 6
SUB_CREATED, SUB_COMPLETED, SUB_FAILED = 7, 8, 9
TIMER_CREATED, TIMER_FIRED, ORCH_STARTED, ORCH_COMPLETED, EVENT_RAISED = 10, 11, 12, 13, 15
# ActionType values (azure.durable_functions.models.actions.ActionType).
CALL_ACTIVITY, CALL_ACTIVITY_RETRY, CALL_SUB, CALL_SUB_RETRY, CONTINUE_AS_NEW, CREATE_TIMER = 0, 1, 2, 3, 4, 5
WAIT_EVENT, WHEN_ANY, WHEN_ALL = 6, 11, 12


class NonDeterminismError(AssertionError):
    """The orchestrator replayed a different action than the history recorded."""


@dataclass
class OpenTask:
    """A scheduled task the test has not completed yet."""

    seq: int
    kind: str  # 'activity' | 'timer' | 'sub'
    name: str | None
    input: Any
    fire_at: datetime | None = None
    instance_id: str | None = None
    retry: dict[str, int] | None = None
    attempts: int = 1
    cancelled: bool = False


@dataclass
class ReplayHost:
    """One orchestration instance as the host sees it, across episodes and continue-as-new generations."""

    fn: Any
    instance_id: str
    input: Any
    now: datetime
    history: list[dict[str, Any]] = field(default_factory=list)
    new_events: list[dict[str, Any]] = field(default_factory=list)
    open: dict[int, OpenTask] = field(default_factory=dict)
    scheduled_log: list[tuple[int, str, Any]] = field(default_factory=list)
    replayed_actions: list[dict[str, Any]] = field(default_factory=list)
    action_seqs: list[int] = field(default_factory=list)
    seq: int = 0
    episodes: int = 0
    done: bool = False
    output: Any = None
    custom_status: Any = None
    continued_with: Any = None
    generations: list[int] = field(default_factory=list)  # history length of each finished generation
    host_fields: dict[str, Any] = field(default_factory=dict)  # e.g. the Azure Storage long-timer settings

    def __post_init__(self) -> None:
        self.handle = Orchestrator.create(self.fn)

    # ---- events the test feeds in
    def start(self) -> None:
        self.new_events.append(self._event(EXECUTION_STARTED, Name=getattr(self.fn, "__name__", "orch"),
                                           Input=json.dumps(self.input), Version=""))
        self.run()

    def complete(self, task: OpenTask, result: Any) -> None:
        kind = SUB_COMPLETED if task.kind == "sub" else TASK_COMPLETED
        self.new_events.append(self._event(kind, TaskScheduledId=task.seq, Result=json.dumps(result)))
        del self.open[task.seq]

    def fail(self, task: OpenTask, reason: str) -> None:
        """An activity attempt fails; with retry options the host schedules the retry timer and a new attempt."""
        kind = SUB_FAILED if task.kind == "sub" else TASK_FAILED
        self.new_events.append(self._event(kind, TaskScheduledId=task.seq, Reason=reason, Details=reason))
        del self.open[task.seq]
        if task.retry:
            interval = timedelta(milliseconds=task.retry["firstRetryIntervalInMilliseconds"])
            timer_seq, fire_at = self._alloc(), self.now + interval
            self.new_events += [self._event(TIMER_CREATED, EventId=timer_seq, FireAt=_iso(fire_at)),
                                self._event(TIMER_FIRED, TimerId=timer_seq, FireAt=_iso(fire_at))]
            if task.attempts < task.retry["maxNumberOfAttempts"]:
                again = OpenTask(self._alloc(), task.kind, task.name, task.input, retry=task.retry,
                                 attempts=task.attempts + 1)
                self.new_events.append(self._event(TASK_SCHEDULED, EventId=again.seq, Name=again.name,
                                                   Input=json.dumps(again.input)))
                self.open[again.seq] = again
                self.scheduled_log.append((again.seq, again.name or "", again.input))

    def raise_event(self, name: str, payload: Any) -> None:
        self.new_events.append(self._event(EVENT_RAISED, Name=name, Input=json.dumps(payload)))

    def fire_next_timer(self) -> OpenTask:
        """Advance the clock to the earliest live timer and fire it."""
        timer = min(self.timers(), key=lambda t: (t.fire_at, t.seq))
        assert timer.fire_at is not None
        self.now = max(self.now, timer.fire_at)
        self.new_events.append(self._event(TIMER_FIRED, TimerId=timer.seq, FireAt=_iso(timer.fire_at)))
        del self.open[timer.seq]
        return timer

    # ---- views
    def activities(self, name: str | None = None) -> list[OpenTask]:
        return [t for t in self.open.values() if t.kind == "activity" and name in (None, t.name)]

    def activity(self, name: str) -> OpenTask:
        found = self.activities(name)
        assert len(found) == 1, f"expected one open {name}, found {[t.name for t in self.activities()]}"
        return found[0]

    def timers(self) -> list[OpenTask]:
        return [t for t in self.open.values() if t.kind == "timer" and not t.cancelled]

    def subs(self) -> list[OpenTask]:
        return [t for t in self.open.values() if t.kind == "sub"]

    def scheduled(self, name: str) -> list[Any]:
        return [inp for _, n, inp in self.scheduled_log if n == name]

    # ---- one episode
    def run(self) -> None:
        assert not self.done, "the orchestration already finished"
        for event in self.history:
            event["IsPlayed"] = True
        self.history += [self._event(ORCH_STARTED), *self.new_events]
        self.new_events = []
        body = {"history": self.history, "instanceId": self.instance_id, "isReplaying": False,
                "parentInstanceId": None, "input": json.dumps(self.input), "upperSchemaVersion": 2,
                **self.host_fields}
        try:
            state = json.loads(self.handle(json.dumps(body)))
        except Exception as exc:  # the SDK raises with the state appended after $OutOfProcData$
            text = str(exc)
            if "$OutOfProcData$:" not in text:
                raise
            state = json.loads(text.split("$OutOfProcData$:", 1)[1])
        self.episodes += 1
        self.custom_status = state.get("customStatus")
        actions = _flatten(state["actions"][0] if state["actions"] else [])
        self._schedule(actions)
        self.history.append(self._event(ORCH_COMPLETED))
        if state.get("error"):
            raise AssertionError(f"orchestrator failed: {state['error']}")
        if state.get("isDone"):
            self._finish(state, actions)

    def _schedule(self, actions: list[dict[str, Any]]) -> None:
        seq_actions = [a for a in actions if a["actionType"] != WAIT_EVENT]
        replayed = self.replayed_actions
        for old, new in zip(replayed, seq_actions, strict=False):
            if _identity(old) != _identity(new):
                raise NonDeterminismError(f"replay scheduled {_identity(new)} where history has {_identity(old)}")
        for action in seq_actions[len(replayed):]:
            self.action_seqs.append(self._record(action))
        self.replayed_actions = seq_actions if len(seq_actions) > len(replayed) else replayed
        for index, action in enumerate(seq_actions):  # a cancelled timer stops counting as live
            task = self.open.get(self.action_seqs[index])
            if action["actionType"] == CREATE_TIMER and action.get("isCanceled") and task is not None:
                task.cancelled = True

    def _record(self, action: dict[str, Any]) -> int:
        kind = action["actionType"]
        if isinstance(action.get("input"), str):  # the SDK sends inputs already JSON-encoded
            action = {**action, "input": json.loads(action["input"])}
        if kind == CONTINUE_AS_NEW:
            return -1
        seq = self._alloc()
        if kind in (CALL_ACTIVITY, CALL_ACTIVITY_RETRY):
            task = OpenTask(seq, "activity", action["functionName"], action.get("input"),
                            retry=action.get("retryOptions"))
            self.history.append(self._event(TASK_SCHEDULED, EventId=seq, Name=task.name,
                                            Input=json.dumps(task.input)))
        elif kind in (CALL_SUB, CALL_SUB_RETRY):
            task = OpenTask(seq, "sub", action["functionName"], action.get("input"),
                            instance_id=action.get("instanceId"))
            self.history.append(self._event(SUB_CREATED, EventId=seq, Name=task.name, InstanceId=task.instance_id,
                                            Input=json.dumps(task.input)))
        elif kind == CREATE_TIMER:
            task = OpenTask(seq, "timer", None, None, fire_at=_parse(action["fireAt"]))
            self.history.append(self._event(TIMER_CREATED, EventId=seq, FireAt=action["fireAt"]))
        else:
            raise AssertionError(f"unexpected action {action}")
        self.open[seq] = task
        self.scheduled_log.append((seq, task.name or ("timer" if task.kind == "timer" else ""), task.input))
        return seq

    def _finish(self, state: dict[str, Any], actions: list[dict[str, Any]]) -> None:
        again = [a for a in actions if a["actionType"] == CONTINUE_AS_NEW]
        self.generations.append(len(self.history))
        if again:  # a new execution: fresh history, the new input, nothing open
            self.continued_with = self.input = json.loads(again[0]["input"]) if isinstance(
                again[0]["input"], str) else again[0]["input"]
            self.history, self.open, self.replayed_actions, self.action_seqs, self.seq = [], {}, [], [], 0
            self.new_events = [self._event(EXECUTION_STARTED, Name=getattr(self.fn, "__name__", "orch"),
                                           Input=json.dumps(self.input), Version="")]
            return
        self.done = True
        self.output = state.get("output")

    # ---- helpers
    def _alloc(self) -> int:
        self.seq += 1
        return self.seq - 1

    def _event(self, event_type: int, EventId: int = -1, **fields: Any) -> dict[str, Any]:
        return {"EventType": event_type, "EventId": EventId, "IsPlayed": False, "Timestamp": _iso(self.now),
                **fields}


def _flatten(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    flat: list[dict[str, Any]] = []
    for action in actions:
        if action["actionType"] in (WHEN_ANY, WHEN_ALL):
            flat += _flatten(action["compoundActions"])
        else:
            flat.append(action)
    return flat


def _identity(action: dict[str, Any]) -> tuple[Any, ...]:
    return (action["actionType"], action.get("functionName"), json.dumps(action.get("input"), sort_keys=True),
            action.get("fireAt"), action.get("instanceId"))


def _iso(value: datetime) -> str:
    return value.isoformat()


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
