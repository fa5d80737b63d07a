"""The call-status state machine as a pure function: no regression, duplicates are no-ops, conversation rule."""
from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from shared.db.calls import Call
from shared.telephony.call_status import StatusEvent, UnknownStatusError, conversation_start, next_state

T0 = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)
BASE = Call(id=uuid.uuid4(), call_sid="CA" + "0" * 32, customer_id=None, direction="outbound", call_type="manual",
            status="queued", outcome=None, tactic_id=None, tactic_version=None, campaign_id=None, callback_id=None,
            contact_attempt_id=None, from_number=None, to_number=None, answered_by=None, recording_sid=None,
            recording_url=None, recording_duration_s=None, recording_channels=None, verified=False,
            conversation_at=None, error_code=None, started_at=T0, answered_at=None, ended_at=None, duration_s=None,
            last_status_seq=None, created_at=T0, updated_at=T0)


def _apply(call: Call, event: StatusEvent) -> Call:
    return replace(call, **next_state(call, event).changes)


def test_answer_sets_answered_and_conversation() -> None:
    call = _apply(BASE, StatusEvent("in-progress", T0 + timedelta(seconds=5), sequence=2))
    assert (call.status, call.answered_at, call.conversation_at, call.last_status_seq) == (
        "in-progress", T0 + timedelta(seconds=5), T0 + timedelta(seconds=5), 2)


def test_terminal_is_final_and_duplicates_change_nothing() -> None:
    done = _apply(BASE, StatusEvent("completed", T0 + timedelta(seconds=60), sequence=3, duration_s=40))
    assert (done.status, done.answered_at, done.duration_s, done.outcome) == (
        "completed", T0 + timedelta(seconds=20), 40, "completed_no_arrangement")
    for status in ("completed", "in-progress", "ringing", "busy"):
        transition = next_state(done, StatusEvent(status, T0 + timedelta(seconds=90), sequence=1))
        assert transition.changes == {} and not transition.became_terminal


def test_only_the_first_terminal_event_is_terminal() -> None:
    first = next_state(BASE, StatusEvent("no-answer", T0))
    assert first.became_terminal and first.changes["outcome"] == "no_answer"
    assert not next_state(replace(BASE, **first.changes), StatusEvent("no-answer", T0)).became_terminal


def test_machine_answer_is_not_a_conversation() -> None:
    assert conversation_start(T0, "machine_end_beep") is None
    assert conversation_start(T0, "fax") is None
    assert conversation_start(T0, "unknown") == T0  # conservative: may have been a person
    assert conversation_start(None, "human") is None
    call = _apply(BASE, StatusEvent("completed", T0 + timedelta(seconds=30), duration_s=20,
                                    answered_by="machine_end_silence"))
    assert (call.conversation_at, call.outcome) == (None, "voicemail")


def test_unknown_status_is_refused() -> None:
    with pytest.raises(UnknownStatusError):
        next_state(BASE, StatusEvent("teleported", T0))
