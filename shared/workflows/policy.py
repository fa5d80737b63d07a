"""Pure planning rules the workflow orchestrators follow: pacing, retry by disposition, instance ids.

No I/O and no clock: every function takes the time it needs, so orchestrators stay deterministic on replay.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# Call statuses (Twilio's terminal CallStatus values) and what they mean for a campaign target.
RETRYABLE_STATUSES = frozenset({"no-answer", "busy"})
FAILED_STATUSES = frozenset({"failed", "canceled"})
# Outcomes that end collection on this account: never retry, whatever the attempt count.
STOPPING_OUTCOMES = frozenset({"cease_requested", "attorney", "bankruptcy", "disputed", "wrong_party"})
CALLBACK_MAX_DEFERRALS = 14
OUTCOME_TIMEOUT = timedelta(hours=2)  # a live call plus the status callback; long calls run ~1 h
DIAL_RETRY_FIRST_INTERVAL_MS = 5_000
DIAL_RETRY_MAX_ATTEMPTS = 3


def callback_instance_id(callback_id: object) -> str:
    return f"callback-{callback_id}"


def campaign_instance_id(campaign_id: object) -> str:
    return f"campaign-{campaign_id}"


def target_instance_id(campaign_id: object, target_id: int, attempt: int, due_at: datetime | None) -> str:
    """Sub-orchestration id per target dispatch, derivable from the target row (attempt, next_attempt_at).

    The status webhook finds the waiting instance from the call's target row, so the id must come from
    columns the dial leaves unchanged; a deferral moves next_attempt_at, so every dispatch gets a fresh id.
    """
    due = int(due_at.timestamp()) if due_at else 0
    return f"campaign-{campaign_id}-t{target_id}-a{attempt}-{due}"


def pace_interval(calls_per_minute: int) -> timedelta:
    """Minimum spacing between two dial starts for a calls-per-minute pace."""
    if calls_per_minute < 1:
        raise ValueError("calls_per_minute must be at least 1")
    return timedelta(seconds=60 / calls_per_minute)


def next_slot(last_start: datetime | None, now: datetime, calls_per_minute: int) -> datetime:
    """The earliest time the next dial may start: never before now, never closer than the pace allows."""
    if last_start is None:
        return now
    return max(now, last_start + pace_interval(calls_per_minute))


def burst_size(calls_per_minute: int) -> int:
    """How many starts may go at once after a lull: one second's worth of the pace (1 below 120 per minute)."""
    return max(1, calls_per_minute // 60)


def advance(last_start: datetime | None, now: datetime, calls_per_minute: int) -> datetime:
    """The pacing clock after one start at `now`: a token bucket of `burst_size` starts, refilled at the pace.

    Over any minute at most calls_per_minute + burst_size starts happen; with a burst of 1 it is strict spacing.
    """
    interval = pace_interval(calls_per_minute)
    floor = now - interval * (burst_size(calls_per_minute) - 1)
    if last_start is None:
        return floor
    return max(last_start + interval, floor)


@dataclass(frozen=True)
class TargetDecision:
    """What happens to a campaign target after one attempt."""

    status: str  # 'done' | 'retry_wait' | 'skipped'
    disposition: str
    next_attempt_at: datetime | None = None


def after_attempt(call_status: str | None, outcome: str | None, *, attempts: int, max_attempts: int,
                  retry_delay: timedelta, now: datetime) -> TargetDecision:
    """Retry by disposition: no-answer/busy come back after the delay while attempts remain; all else is final."""
    status = call_status or "timeout"
    if outcome in STOPPING_OUTCOMES:
        return TargetDecision("done", outcome or status)
    if status in RETRYABLE_STATUSES or outcome in {"no_answer", "busy"}:
        disposition = (outcome or status).replace("-", "_")
        if attempts < max_attempts:
            return TargetDecision("retry_wait", disposition, now + retry_delay)
        return TargetDecision("done", f"{disposition}_max_attempts")
    if status in FAILED_STATUSES:
        return TargetDecision("done", "failed")
    if status == "timeout":
        return TargetDecision("done", "no_outcome")
    return TargetDecision("done", outcome or "completed")


def after_denial(reason_code: str, next_allowed_at: datetime | None) -> TargetDecision:
    """A gate denial: the gate names a next allowed time when time cures it (window, caps); else it is final."""
    if next_allowed_at is not None:
        return TargetDecision("retry_wait", f"deferred_{reason_code}", next_allowed_at)
    return TargetDecision("skipped", f"blocked_{reason_code}")
