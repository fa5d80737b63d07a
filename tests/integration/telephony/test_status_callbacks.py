"""POST /api/twilio/status: a state machine that never regresses; duplicates and out-of-order deliveries leave
one correct final state; the waiting workflow is told the outcome."""
from __future__ import annotations

from datetime import timedelta

from psycopg import AsyncConnection

from shared.db import calls as calls_repo
from tests.fakes.workflow_starter import RecordingStarter
from tests.integration.telephony.conftest import MARIA, Api, customer_id


async def test_in_order_callbacks_complete_the_call(api: Api, seeded: AsyncConnection) -> None:
    call_id, sid = await api.place_call(await customer_id(seeded, MARIA))
    t0 = api.clock()
    for status, at in [("initiated", 0), ("ringing", 2), ("in-progress", 8)]:
        assert (await api.deliver(api.fake.status_callback(sid, status, timestamp=t0 + timedelta(seconds=at)))
                ).status_code == 204
    await api.deliver(api.fake.status_callback(sid, "completed", duration=42, timestamp=t0 + timedelta(seconds=50)))
    call = await calls_repo.get_call(seeded, call_id)
    assert call.status == "completed"
    assert call.answered_at == t0 + timedelta(seconds=8)
    assert call.conversation_at == call.answered_at
    assert call.ended_at == t0 + timedelta(seconds=50)
    assert (call.duration_s, call.outcome, call.last_status_seq) == (42, "completed_no_arrangement", 3)


async def test_duplicated_and_out_of_order_callbacks_leave_one_final_state(api: Api, seeded: AsyncConnection) -> None:
    call_id, sid = await api.place_call(await customer_id(seeded, MARIA))
    t0 = api.clock()
    cbs = {status: api.fake.status_callback(sid, status, seq=seq, timestamp=t0 + timedelta(seconds=at),
                                            duration=42 if status == "completed" else None)
           for status, seq, at in [("initiated", 0, 0), ("ringing", 1, 2), ("in-progress", 2, 8),
                                   ("completed", 3, 50)]}
    # Twilio retries and reorders: the final callback first, then the rest, each twice.
    for status in ["completed", "ringing", "completed", "in-progress", "initiated", "in-progress", "ringing"]:
        assert (await api.deliver(cbs[status])).status_code == 204
    call = await calls_repo.get_call(seeded, call_id)
    assert (call.status, call.duration_s, call.outcome, call.last_status_seq) == (
        "completed", 42, "completed_no_arrangement", 3)
    # The answer time is recovered from the final callback's duration, and a late in-progress does not move it.
    assert call.answered_at == t0 + timedelta(seconds=8)
    assert call.ended_at == t0 + timedelta(seconds=50)


async def test_completed_never_regresses(api: Api, seeded: AsyncConnection) -> None:
    call_id, sid = await api.place_call(await customer_id(seeded, MARIA))
    await api.deliver(api.fake.status_callback(sid, "completed", duration=10))
    for status in ["ringing", "in-progress", "busy", "queued"]:
        await api.deliver(api.fake.status_callback(sid, status))
    assert (await calls_repo.get_call(seeded, call_id)).status == "completed"


async def test_busy_is_not_a_conversation(api: Api, seeded: AsyncConnection) -> None:
    call_id, sid = await api.place_call(await customer_id(seeded, MARIA))
    await api.deliver(api.fake.status_callback(sid, "ringing"))
    await api.deliver(api.fake.status_callback(sid, "busy", duration=0))
    call = await calls_repo.get_call(seeded, call_id)
    assert (call.status, call.outcome, call.answered_at, call.conversation_at) == ("busy", "busy", None, None)


async def test_engine_outcome_is_kept_over_the_default(api: Api, seeded: AsyncConnection) -> None:
    call_id, sid = await api.place_call(await customer_id(seeded, MARIA))
    await api.deliver(api.fake.status_callback(sid, "in-progress"))
    await calls_repo.update_call(seeded, call_id, outcome="payment_arranged")
    await api.deliver(api.fake.status_callback(sid, "completed", duration=120))
    assert (await calls_repo.get_call(seeded, call_id)).outcome == "payment_arranged"


async def test_status_before_the_sid_is_stored_is_matched_by_call_id(api: Api, seeded: AsyncConnection) -> None:
    call_id, sid = await api.place_call(await customer_id(seeded, MARIA))
    await seeded.execute("UPDATE calls SET call_sid = NULL WHERE id = %s", (call_id,))
    await api.deliver(api.fake.status_callback(sid, "ringing"))
    call = await calls_repo.get_call(seeded, call_id)
    assert (call.call_sid, call.status) == (sid, "ringing")


async def test_workflow_is_notified_of_the_final_outcome(api: Api, seeded: AsyncConnection) -> None:
    starter = RecordingStarter()
    api.app.state.workflow_starter = starter
    call_id, sid = await api.place_call(await customer_id(seeded, MARIA))
    await api.deliver(api.fake.status_callback(sid, "ringing"))
    assert starter.calls == []
    await api.deliver(api.fake.status_callback(sid, "no-answer"))
    assert starter.calls == [("notify_call_outcome", str(call_id), "no-answer")]
    assert (await calls_repo.get_call(seeded, call_id)).outcome == "no_answer"


async def test_unknown_status_value_is_rejected(api: Api, seeded: AsyncConnection) -> None:
    _, sid = await api.place_call(await customer_id(seeded, MARIA))
    assert (await api.deliver(api.fake.status_callback(sid, "exploded"))).status_code == 400
