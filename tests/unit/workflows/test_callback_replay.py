"""The callback orchestrator driven through the real azure.durable_functions replay, episode by episode."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from functions.workflows import names
from functions.workflows.orchestrators import callback_orchestrator
from tests.support.durable_replay import NonDeterminismError, ReplayHost

T0 = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
PROMISED = T0 + timedelta(hours=2)


def _host() -> ReplayHost:
    host = ReplayHost(callback_orchestrator, "callback-cb1", {"callback_id": "cb1",
                                                              "scheduled_for": PROMISED.isoformat()}, T0)
    host.start()
    return host


def _allow(host: ReplayHost) -> None:
    host.complete(host.activity(names.ACT_CALLBACK_GATE), {"allowed": True, "reason_code": "allowed"})
    host.run()


def test_callback_sleeps_on_a_durable_timer_until_the_promised_time() -> None:
    host = _host()
    assert [t.fire_at for t in host.timers()] == [PROMISED]
    assert host.activities() == []
    host.fire_next_timer()
    host.run()
    gate = host.activity(names.ACT_CALLBACK_GATE)
    assert gate.input == {"callback_id": "cb1"}
    assert host.now == PROMISED


def test_gate_denial_outside_the_window_sets_a_timer_to_the_next_allowed_time() -> None:
    host = _host()
    host.fire_next_timer()
    host.run()
    opens_at = PROMISED + timedelta(hours=14)
    host.complete(host.activity(names.ACT_CALLBACK_GATE), {
        "allowed": False, "reason_code": "outside_calling_hours", "next_allowed_at": opens_at.isoformat()})
    host.run()
    assert [t.fire_at for t in host.timers()] == [opens_at]
    assert host.activities() == [] and host.custom_status["state"] == "waiting"
    host.fire_next_timer()
    host.run()
    _allow(host)
    assert host.activity(names.ACT_CALLBACK_DIAL).retry == {"firstRetryIntervalInMilliseconds": 5000,
                                                             "maxNumberOfAttempts": 3}


def test_permanent_denial_fails_the_callback_without_dialing() -> None:
    host = _host()
    host.fire_next_timer()
    host.run()
    host.complete(host.activity(names.ACT_CALLBACK_GATE), {"allowed": False, "reason_code": "cease_requested",
                                                           "next_allowed_at": None})
    host.run()
    finish = host.activity(names.ACT_CALLBACK_FINISH)
    assert finish.input == {"callback_id": "cb1", "status": "failed", "outcome": "blocked_cease_requested"}
    assert host.scheduled(names.ACT_CALLBACK_DIAL) == []


def test_cancel_event_before_the_time_ends_it_and_cancels_the_timer() -> None:
    host = _host()
    host.raise_event(names.EVENT_CANCEL, {"reason": "customer_called_in"})
    host.run()
    assert host.timers() == []  # the promised-time timer was cancelled
    finish = host.activity(names.ACT_CALLBACK_FINISH)
    assert finish.input["status"] == "cancelled" and finish.input["outcome"] == "customer_called_in"
    host.complete(finish, None)
    host.run()
    assert host.done and host.output["status"] == "cancelled"
    assert host.scheduled(names.ACT_CALLBACK_GATE) == []


def test_transient_dial_failure_is_retried_by_the_retry_options_then_the_outcome_is_recorded() -> None:
    host = _host()
    host.fire_next_timer()
    host.run()
    _allow(host)
    host.fail(host.activity(names.ACT_CALLBACK_DIAL), "twilio 503")
    host.run()
    retry = host.activity(names.ACT_CALLBACK_DIAL)
    assert retry.attempts == 2
    host.complete(retry, {"dialed": True, "call_id": "call-1"})
    host.run()
    assert host.custom_status == {"state": "dialing", "call_id": "call-1"}
    host.raise_event(names.EVENT_CALL_OUTCOME, {"call_id": "call-1", "status": "completed",
                                                "outcome": "promise_to_pay"})
    host.run()
    finish = host.activity(names.ACT_CALLBACK_FINISH)
    assert finish.input == {"callback_id": "cb1", "status": "completed", "outcome": "promise_to_pay"}
    host.complete(finish, None)
    host.run()
    assert host.done and host.output["call_id"] == "call-1"


def test_activities_are_not_rescheduled_when_the_history_is_replayed() -> None:
    host = _host()
    host.fire_next_timer()
    host.run()
    _allow(host)
    host.complete(host.activity(names.ACT_CALLBACK_DIAL), {"dialed": True, "call_id": "call-1"})
    host.run()
    for _ in range(3):  # unrelated wake-ups replay the whole history again
        host.raise_event("noise", None)
        host.run()
    assert len(host.scheduled(names.ACT_CALLBACK_GATE)) == 1
    assert len(host.scheduled(names.ACT_CALLBACK_DIAL)) == 1
    assert host.episodes == 7


def test_the_replay_host_catches_a_non_deterministic_orchestrator() -> None:
    calls = {"n": 0}

    def flaky(context):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        yield context.call_activity("a" if calls["n"] == 1 else "b", None)

    host = ReplayHost(flaky, "x", None, T0)
    host.start()
    host.complete(host.activity("a"), None)
    with pytest.raises(NonDeterminismError):
        host.run()


def test_dial_failing_on_every_retry_fails_the_callback_cleanly() -> None:
    host = _host()
    host.fire_next_timer()
    host.run()
    _allow(host)
    for attempt in (1, 2, 3):
        dial = host.activity(names.ACT_CALLBACK_DIAL)
        assert dial.attempts == attempt
        host.fail(dial, "twilio 503")
        host.run()
    finish = host.activity(names.ACT_CALLBACK_FINISH)
    assert finish.input == {"callback_id": "cb1", "status": "failed", "outcome": "blocked_dial_failed"}


def test_a_callback_beyond_the_storage_timer_limit_waits_in_long_timer_intervals() -> None:
    far = T0 + timedelta(days=10)
    host = ReplayHost(callback_orchestrator, "callback-cb2", {"callback_id": "cb2", "scheduled_for": far.isoformat()},
                      T0, host_fields={"maximumShortTimerDuration": "6.00:00:00",
                                       "longRunningTimerIntervalDuration": "3.00:00:00"})
    host.start()
    fired = []
    while not host.activities():
        fired.append(host.fire_next_timer().fire_at)
        host.run()
    assert fired == [T0 + timedelta(days=3), T0 + timedelta(days=6), far]
    assert host.activity(names.ACT_CALLBACK_GATE).input == {"callback_id": "cb2"}


def test_cancel_during_a_long_timer_finishes_the_callback() -> None:
    far = T0 + timedelta(days=10)
    host = ReplayHost(callback_orchestrator, "callback-cb3", {"callback_id": "cb3", "scheduled_for": far.isoformat()},
                      T0, host_fields={"maximumShortTimerDuration": "6.00:00:00",
                                       "longRunningTimerIntervalDuration": "3.00:00:00"})
    host.start()
    host.fire_next_timer()
    host.run()
    host.raise_event(names.EVENT_CANCEL, {"reason": "admin_cancelled"})
    host.run()
    finish = host.activity(names.ACT_CALLBACK_FINISH)
    host.complete(finish, None)
    host.run()
    assert host.done and host.output["outcome"] == "admin_cancelled"
