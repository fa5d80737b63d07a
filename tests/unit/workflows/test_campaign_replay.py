"""The campaign and per-target orchestrators through the real azure.durable_functions replay."""
from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from functions.workflows import names
from functions.workflows.orchestrators import PAGE_SIZE, campaign_orchestrator, campaign_target_orchestrator
from tests.support.durable_replay import ReplayHost

T0 = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
CAMPAIGN = {"status": "running", "max_concurrency": 3, "calls_per_minute": 60, "max_attempts": 3,
            "retry_delay_minutes": 240, "tactic_id": 1}


def _targets(n: int, start: int = 1) -> list[dict[str, Any]]:
    return [{"id": i, "customer_id": f"cust-{i}", "attempts": 0, "next_attempt_at": None}
            for i in range(start, start + n)]


def _started(campaign: dict[str, Any] = CAMPAIGN, page: list[dict[str, Any]] | None = None,
             remaining: int = 10) -> ReplayHost:
    host = ReplayHost(campaign_orchestrator, "campaign-c1", {"campaign_id": "c1"}, T0)
    host.start()
    host.complete(host.activity(names.ACT_CAMPAIGN_LOAD), campaign)
    host.run()
    host.complete(host.activity(names.ACT_CAMPAIGN_PAGE), {"targets": page if page is not None else _targets(10),
                                                           "remaining": remaining, "next_due_at": None})
    host.run()
    return host


def _step(host: ReplayHost) -> None:
    """Let time pass: fire the pacing timer when there is one, else finish the oldest running target."""
    if host.timers():
        host.fire_next_timer()
    else:
        sub = min(host.subs(), key=lambda t: t.seq)
        host.complete(sub, {"target_id": sub.input["target_id"], "status": "done", "disposition": "completed"})
    host.run()


def test_fan_out_never_exceeds_the_cap_and_keeps_the_pace() -> None:
    host = _started()
    peak, starts = 0, []
    while not host.continued_with:
        peak = max(peak, len(host.subs()))
        assert len(host.subs()) <= CAMPAIGN["max_concurrency"]
        _step(host)
    for seq, name, _inp in host.scheduled_log:
        if name == names.TARGET_ORCHESTRATOR:
            starts.append(seq)
    assert peak == 3
    assert len(host.scheduled(names.TARGET_ORCHESTRATOR)) == 10
    assert host.continued_with["cursor"] == 10 and host.continued_with["generation"] == 1
    assert host.continued_with["counts"] == {"done": 10}
    assert len(set(i["target_id"] for i in host.scheduled(names.TARGET_ORCHESTRATOR))) == 10


def test_pacing_spaces_dial_starts_by_the_calls_per_minute() -> None:
    host = _started({**CAMPAIGN, "calls_per_minute": 2, "max_concurrency": 5})
    times = []
    seen = 0
    while not host.continued_with:
        subs = host.scheduled(names.TARGET_ORCHESTRATOR)
        if len(subs) > seen:
            times += [host.now] * (len(subs) - seen)
            seen = len(subs)
        _step(host)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= timedelta(seconds=30)


def test_pause_stops_dispatching_until_resume() -> None:
    host = _started()
    host.raise_event(names.EVENT_CONTROL, "pause")
    host.run()
    host.complete(host.activity(names.ACT_CAMPAIGN_STATUS), None)
    host.run()
    dispatched = len(host.scheduled(names.TARGET_ORCHESTRATOR))
    assert host.custom_status["paused"] is True
    for sub in list(host.subs()):  # in-flight calls finish; nothing new starts
        host.complete(sub, {"status": "done"})
        host.run()
    assert host.timers() == [] and host.subs() == []
    assert len(host.scheduled(names.TARGET_ORCHESTRATOR)) == dispatched
    host.raise_event(names.EVENT_CONTROL, "resume")
    host.run()
    assert host.activity(names.ACT_CAMPAIGN_STATUS).input == {"campaign_id": "c1", "status": "running"}
    host.complete(host.activity(names.ACT_CAMPAIGN_STATUS), None)
    host.run()
    while not host.continued_with:
        _step(host)
    assert len(host.scheduled(names.TARGET_ORCHESTRATOR)) == 10


def test_cancel_stops_the_campaign_and_records_it() -> None:
    host = _started()
    host.raise_event(names.EVENT_CONTROL, "cancel")
    host.run()
    status = host.activity(names.ACT_CAMPAIGN_STATUS)
    assert status.input["status"] == "cancelled"
    host.complete(status, None)
    host.run()
    assert host.done and host.output["status"] == "cancelled" and host.continued_with is None
    assert len(host.scheduled(names.TARGET_ORCHESTRATOR)) < 10


def test_an_exhausted_pass_waits_for_the_next_retry_then_starts_a_new_pass() -> None:
    host = ReplayHost(campaign_orchestrator, "campaign-c1", {"campaign_id": "c1", "generation": 4, "cursor": 80},
                      T0)
    host.start()
    host.complete(host.activity(names.ACT_CAMPAIGN_LOAD), CAMPAIGN)
    host.run()
    due = T0 + timedelta(hours=4)
    host.complete(host.activity(names.ACT_CAMPAIGN_PAGE), {"targets": [], "remaining": 3,
                                                           "next_due_at": due.isoformat()})
    host.run()
    assert [t.fire_at for t in host.timers()] == [due]
    host.fire_next_timer()
    host.run()
    assert host.continued_with["cursor"] == 0 and host.continued_with["generation"] == 5


def test_nothing_left_completes_the_campaign() -> None:
    host = _started(page=[], remaining=0)
    status = host.activity(names.ACT_CAMPAIGN_STATUS)
    assert status.input == {"campaign_id": "c1", "status": "completed"}


def _batch(host: ReplayHost) -> None:
    """Every running target finishes in the same episode (as completions batch up on the host)."""
    host.now += timedelta(seconds=45)
    for sub in host.subs():
        host.complete(sub, {"status": "done"})
    if host.timers():
        host.fire_next_timer()
    host.run()


FAST = {**CAMPAIGN, "max_concurrency": 50, "calls_per_minute": 6000}


def test_each_generation_keeps_a_bounded_history() -> None:
    host = _started(FAST, page=_targets(PAGE_SIZE))
    while not host.continued_with:
        _batch(host)
    first = host.generations[-1]
    host.continued_with = None
    host.run()
    host.complete(host.activity(names.ACT_CAMPAIGN_LOAD), FAST)
    host.run()
    host.complete(host.activity(names.ACT_CAMPAIGN_PAGE), {"targets": _targets(PAGE_SIZE, 101), "remaining": 1,
                                                           "next_due_at": None})
    host.run()
    while not host.continued_with:
        _batch(host)
    assert host.generations[-1] <= first * 1.1 and first < 20 * PAGE_SIZE


# ---------------------------------------------------------------- one target

def _target(attempt: int = 1) -> ReplayHost:
    host = ReplayHost(campaign_target_orchestrator, "campaign-c1-t7-a1-0", {
        "campaign_id": "c1", "target_id": 7, "customer_id": "cust-7", "attempt": attempt, "max_attempts": 3,
        "retry_delay_minutes": 240, "tactic_id": 1}, T0)
    host.start()
    return host


def test_no_answer_is_retried_after_the_delay() -> None:
    host = _target()
    host.complete(host.activity(names.ACT_TARGET_GATE), {"allowed": True, "reason_code": "allowed"})
    host.run()
    host.complete(host.activity(names.ACT_TARGET_DIAL), {"dialed": True, "call_id": "call-7"})
    host.run()
    host.raise_event(names.EVENT_CALL_OUTCOME, {"call_id": "call-7", "status": "no-answer", "outcome": None})
    host.run()
    record = host.activity(names.ACT_TARGET_RECORD)
    assert record.input["status"] == "retry_wait" and record.input["disposition"] == "no_answer"
    assert record.input["next_attempt_at"] == (T0 + timedelta(minutes=240)).isoformat()


def test_last_attempt_no_answer_is_final() -> None:
    host = _target(attempt=3)
    host.complete(host.activity(names.ACT_TARGET_GATE), {"allowed": True, "reason_code": "allowed"})
    host.run()
    host.complete(host.activity(names.ACT_TARGET_DIAL), {"dialed": True, "call_id": "call-7"})
    host.run()
    host.raise_event(names.EVENT_CALL_OUTCOME, {"call_id": "call-7", "status": "busy", "outcome": None})
    host.run()
    assert host.activity(names.ACT_TARGET_RECORD).input["status"] == "done"


def test_out_of_window_target_is_deferred_to_the_next_allowed_time_without_dialing() -> None:
    host = _target()
    opens = T0 + timedelta(hours=9)
    host.complete(host.activity(names.ACT_TARGET_GATE), {"allowed": False, "reason_code": "outside_calling_hours",
                                                         "next_allowed_at": opens.isoformat()})
    host.run()
    record = host.activity(names.ACT_TARGET_RECORD)
    assert record.input["status"] == "retry_wait" and record.input["next_attempt_at"] == opens.isoformat()
    assert host.scheduled(names.ACT_TARGET_DIAL) == []


def test_no_outcome_before_the_timeout_is_a_final_disposition() -> None:
    host = _target()
    host.complete(host.activity(names.ACT_TARGET_GATE), {"allowed": True, "reason_code": "allowed"})
    host.run()
    host.complete(host.activity(names.ACT_TARGET_DIAL), {"dialed": True, "call_id": "call-7"})
    host.run()
    host.fire_next_timer()
    host.run()
    assert host.activity(names.ACT_TARGET_RECORD).input["disposition"] == "no_outcome"


def test_a_late_outcome_of_an_earlier_call_is_ignored() -> None:
    host = _target(attempt=2)
    host.complete(host.activity(names.ACT_TARGET_GATE), {"allowed": True, "reason_code": "allowed"})
    host.run()
    host.complete(host.activity(names.ACT_TARGET_DIAL), {"dialed": True, "call_id": "call-2"})
    host.run()
    host.raise_event(names.EVENT_CALL_OUTCOME, {"call_id": "call-1", "status": "no-answer", "outcome": None})
    host.run()
    assert host.activities() == []  # still waiting for call-2
    host.raise_event(names.EVENT_CALL_OUTCOME, {"call_id": "call-2", "status": "completed",
                                                "outcome": "payment_arranged"})
    host.run()
    assert host.activity(names.ACT_TARGET_RECORD).input["disposition"] == "payment_arranged"
