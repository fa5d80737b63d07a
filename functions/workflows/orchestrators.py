"""The durable orchestrator bodies: a scheduled callback, a campaign (one page per generation), one target attempt.

Plain generator functions over a Durable orchestration context; the blueprint registers them for Azure and the
local driver runs the same functions in-process. Deterministic: only the context's clock, activities, timers and
events (tests/unit/workflows/test_determinism.py scans this file).
"""
from __future__ import annotations

import json
from collections.abc import Generator
from datetime import datetime, timedelta
from typing import Any

from azure.durable_functions import RetryOptions

from functions.workflows import names
from shared.workflows import policy

DIAL_RETRY = RetryOptions(first_retry_interval_in_milliseconds=policy.DIAL_RETRY_FIRST_INTERVAL_MS,
                          max_number_of_attempts=policy.DIAL_RETRY_MAX_ATTEMPTS)
PAGE_SIZE = 100

Orchestration = Generator[Any, Any, Any]


def _event(task: Any) -> Any:
    """An external event's payload. DurableOrchestrationClient.raise_event JSON-encodes the data before posting
    it as JSON, so a payload may arrive as a JSON string: decode it once more (pure, so replay-safe)."""
    return _decoded(task.result)


def _input(context: Any) -> Any:
    """The orchestration input, decoded once more if it arrives as a JSON string (see _event)."""
    return _decoded(context.get_input())


def _decoded(payload: Any) -> Any:
    if isinstance(payload, str):
        try:
            return json.loads(payload)
        except ValueError:
            return payload
    return payload


def _at(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


# ---------------------------------------------------------------- callback

def callback_orchestrator(context: Any) -> Orchestration:
    """Wait until the promised time, gate as a requested callback (deferring to the window), dial, await outcome."""
    params = _input(context)
    callback_id = params["callback_id"]
    fire_at = _at(params["scheduled_for"])
    cancel = context.wait_for_external_event(names.EVENT_CANCEL)
    dial: dict[str, Any] | None = None
    for _ in range(policy.CALLBACK_MAX_DEFERRALS + 1):
        if fire_at is not None and fire_at > context.current_utc_datetime:
            context.set_custom_status({"state": "waiting", "fire_at": _iso(fire_at)})
            timer = context.create_timer(fire_at)
            winner = yield context.task_any([timer, cancel])
            if winner is cancel:
                timer.cancel()
                return (yield from _finish_callback(context, callback_id, "cancelled", _reason(_event(cancel))))
        gate = yield context.call_activity(names.ACT_CALLBACK_GATE, {"callback_id": callback_id})
        if not gate.get("active", True):
            return {"status": "inactive"}
        if gate["allowed"]:
            dial = yield from _dial(context, names.ACT_CALLBACK_DIAL, {"callback_id": callback_id})
            if dial["dialed"]:
                break
            gate = dial
        if not gate.get("next_allowed_at"):
            return (yield from _finish_callback(context, callback_id, "failed", f"blocked_{gate['reason_code']}"))
        fire_at = _at(gate["next_allowed_at"])
    else:
        return (yield from _finish_callback(context, callback_id, "expired", "no_allowed_window"))
    assert dial is not None
    context.set_custom_status({"state": "dialing", "call_id": dial["call_id"]})
    timeout = context.create_timer(context.current_utc_datetime + policy.OUTCOME_TIMEOUT)
    outcome, winner = yield from _await_outcome(context, dial["call_id"], [timeout, cancel])
    if winner is not timeout:
        timeout.cancel()
    if winner is cancel:
        return (yield from _finish_callback(context, callback_id, "cancelled", _reason(_event(cancel)),
                                            call_id=dial["call_id"]))
    result = _event(outcome) if winner is outcome else {"status": None, "outcome": None}
    final = (result or {}).get("outcome") or (result or {}).get("status") or "no_outcome"
    return (yield from _finish_callback(context, callback_id, "completed", final, call_id=dial["call_id"]))


def _dial(context: Any, activity: str, params: dict[str, Any]) -> Generator[Any, Any, dict[str, Any]]:
    """The dial activity with retry options; when every retry failed, a final 'dial_failed' (nothing placed)."""
    try:
        result: dict[str, Any] = yield context.call_activity_with_retry(activity, DIAL_RETRY, params)
    except Exception:
        return {"dialed": False, "call_id": None, "reason_code": "dial_failed", "next_allowed_at": None}
    return result


def _await_outcome(context: Any, call_id: str | None, others: list[Any]) -> Generator[Any, Any, tuple[Any, Any]]:
    """Wait for this call's outcome (or one of `others`). The webhook notifies at least once and routes by the
    target's current attempt, so an outcome naming another call (a late retry of an earlier one) is skipped."""
    while True:
        outcome = context.wait_for_external_event(names.EVENT_CALL_OUTCOME)
        winner = yield context.task_any([outcome, *others])
        payload = _event(outcome) if winner is outcome else None
        if winner is not outcome or not isinstance(payload, dict) or payload.get("call_id") in (None, call_id):
            return outcome, winner


def _reason(payload: Any) -> str:
    if isinstance(payload, dict):
        return str(payload.get("reason") or "cancelled")
    return str(payload or "cancelled")


def _finish_callback(context: Any, callback_id: str, status: str, outcome: str,
                     call_id: str | None = None) -> Orchestration:
    yield context.call_activity(names.ACT_CALLBACK_FINISH,
                                {"callback_id": callback_id, "status": status, "outcome": outcome})
    context.set_custom_status({"state": status, "outcome": outcome, "call_id": call_id})
    return {"status": status, "outcome": outcome, "call_id": call_id}


# ---------------------------------------------------------------- campaign

def campaign_orchestrator(context: Any) -> Orchestration:
    """One generation: read the next page of due targets, fan them out under the cap and pace, continue as new."""
    state = _campaign_state(_input(context))
    cid = state["campaign_id"]
    campaign = yield context.call_activity(names.ACT_CAMPAIGN_LOAD, {"campaign_id": cid,
                                                                      "first": state["generation"] == 0})
    if campaign["status"] in ("cancelled", "completed"):
        return {"status": campaign["status"]}
    control = context.wait_for_external_event(names.EVENT_CONTROL)
    page = yield context.call_activity(names.ACT_CAMPAIGN_PAGE, {
        "campaign_id": cid, "after_id": state["cursor"], "limit": PAGE_SIZE,
        "now": _iso(context.current_utc_datetime)})
    if not page["targets"]:
        return (yield from _between_passes(context, state, page, control))
    queue = list(page["targets"])
    running: dict[str, Any] = {}
    cap = campaign["max_concurrency"]
    while queue or running:
        _publish(context, state, running, len(queue))
        timer = None
        if not state["paused"] and queue and len(running) < cap:
            slot = policy.next_slot(_at(state["last_start"]), context.current_utc_datetime,
                                    campaign["calls_per_minute"])
            if slot <= context.current_utc_datetime:
                target = queue.pop(0)
                instance_id = _target_instance(cid, target)
                running[instance_id] = context.call_sub_orchestrator(
                    names.TARGET_ORCHESTRATOR, _target_input(campaign, cid, target), instance_id)
                state["last_start"] = _iso(policy.advance(_at(state["last_start"]), context.current_utc_datetime,
                                                          campaign["calls_per_minute"]))
                state["cursor"] = max(state["cursor"], target["id"])
                state["dispatched"] += 1
                continue
            timer = context.create_timer(slot)
        waits = [control, *running.values(), *([timer] if timer is not None else [])]
        winner = yield context.task_any(waits)
        if timer is not None and winner is not timer:
            timer.cancel()
        if winner is control:
            signal = str(_event(control))
            control = context.wait_for_external_event(names.EVENT_CONTROL)
            if (yield from _apply_signal(context, state, signal)):
                return {"status": "cancelled", "generation": state["generation"]}
        elif winner is not timer:
            done = next(key for key, task in running.items() if task is winner)
            running.pop(done)
            _tally(state, winner.result)
    _publish(context, state, running, 0)
    state["generation"] += 1
    context.continue_as_new(state)
    return None


def _campaign_state(raw: dict[str, Any]) -> dict[str, Any]:
    return {"campaign_id": raw["campaign_id"], "generation": raw.get("generation", 0),
            "cursor": raw.get("cursor", 0), "paused": raw.get("paused", False),
            "last_start": raw.get("last_start"), "dispatched": raw.get("dispatched", 0),
            "counts": dict(raw.get("counts", {}))}


def _target_instance(campaign_id: str, target: dict[str, Any]) -> str:
    return policy.target_instance_id(campaign_id, target["id"], target["attempts"] + 1,
                                     _at(target.get("next_attempt_at")))


def _target_input(campaign: dict[str, Any], campaign_id: str, target: dict[str, Any]) -> dict[str, Any]:
    return {"campaign_id": campaign_id, "target_id": target["id"], "customer_id": target["customer_id"],
            "attempt": target["attempts"] + 1, "max_attempts": campaign["max_attempts"],
            "retry_delay_minutes": campaign["retry_delay_minutes"], "tactic_id": campaign.get("tactic_id")}


def _tally(state: dict[str, Any], result: Any) -> None:
    """Count a finished target; a failed sub-orchestration surfaces as an exception result."""
    key = result.get("status", "unknown") if isinstance(result, dict) else "failed"
    state["counts"][key] = state["counts"].get(key, 0) + 1


def _publish(context: Any, state: dict[str, Any], running: dict[str, Any], queued: int) -> None:
    context.set_custom_status({"generation": state["generation"], "paused": state["paused"],
                               "running": len(running), "queued": queued, "dispatched": state["dispatched"],
                               "counts": state["counts"]})


def _apply_signal(context: Any, state: dict[str, Any], signal: str) -> Generator[Any, Any, bool]:
    """Pause/resume flip dispatching; cancel stops it for good. Returns True when the campaign is cancelled."""
    if signal not in ("pause", "resume", "cancel"):
        return False
    status = {"pause": "paused", "resume": "running", "cancel": "cancelled"}[signal]
    yield context.call_activity(names.ACT_CAMPAIGN_STATUS, {"campaign_id": state["campaign_id"], "status": status})
    state["paused"] = signal == "pause"
    if signal == "cancel":
        _publish(context, state, {}, 0)
        return True
    return False


def _between_passes(context: Any, state: dict[str, Any], page: dict[str, Any], control: Any) -> Orchestration:
    """No due target after the cursor: finish, or sleep until the next retry is due and start a new pass."""
    if not page.get("remaining"):
        yield context.call_activity(names.ACT_CAMPAIGN_STATUS,
                                    {"campaign_id": state["campaign_id"], "status": "completed"})
        _publish(context, state, {}, 0)
        return {"status": "completed", "counts": state["counts"]}
    wake = _at(page.get("next_due_at")) or context.current_utc_datetime + timedelta(minutes=1)
    while True:
        _publish(context, state, {}, 0)
        timer = None if state["paused"] else context.create_timer(max(wake, context.current_utc_datetime))
        winner = yield context.task_any([control, *([timer] if timer is not None else [])])
        if winner is not control:
            break
        if timer is not None:
            timer.cancel()
        signal = str(_event(control))
        control = context.wait_for_external_event(names.EVENT_CONTROL)
        if (yield from _apply_signal(context, state, signal)):
            return {"status": "cancelled", "generation": state["generation"]}
    state["cursor"] = 0
    state["generation"] += 1
    context.continue_as_new(state)
    return None


# ---------------------------------------------------------------- one target attempt

def campaign_target_orchestrator(context: Any) -> Orchestration:
    """Gate → dial → wait for the call's outcome (with a timeout) → decide retry or final disposition."""
    params = _input(context)
    ref = {"campaign_id": params["campaign_id"], "target_id": params["target_id"],
           "customer_id": params["customer_id"]}
    gate = yield context.call_activity(names.ACT_TARGET_GATE, ref)
    dial: dict[str, Any] = {"dialed": False}
    if gate["allowed"]:
        dial = yield from _dial(context, names.ACT_TARGET_DIAL, {**ref, "attempt": params["attempt"],
                                                                 "tactic_id": params.get("tactic_id")})
        if not dial["dialed"]:
            gate = dial
    if dial["dialed"]:
        timeout = context.create_timer(context.current_utc_datetime + policy.OUTCOME_TIMEOUT)
        outcome, winner = yield from _await_outcome(context, dial["call_id"], [timeout])
        if winner is outcome:
            timeout.cancel()
        result = (_event(outcome) if winner is outcome else None) or {}
        decision = policy.after_attempt(
            result.get("status"), result.get("outcome"), attempts=params["attempt"],
            max_attempts=params["max_attempts"], retry_delay=timedelta(minutes=params["retry_delay_minutes"]),
            now=context.current_utc_datetime)
    else:
        decision = policy.after_denial(gate["reason_code"], _at(gate.get("next_allowed_at")))
    record = {**ref, "status": decision.status, "disposition": decision.disposition,
              "next_attempt_at": _iso(decision.next_attempt_at)}
    yield context.call_activity(names.ACT_TARGET_RECORD, record)
    return {"target_id": params["target_id"], "status": decision.status, "disposition": decision.disposition,
            "call_id": dial.get("call_id")}
