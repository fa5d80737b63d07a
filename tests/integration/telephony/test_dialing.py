"""POST /api/v1/calls/initiate and the dialer: gate → contact attempt → calls row → calls.create with status and
AMD callbacks; 409 with the gate's reason; errors stored with Twilio's code; never a blind second dial."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, tzinfo
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from psycopg import AsyncConnection

from shared.db import calls as calls_repo
from shared.db.compliance_records import attempts_for_customer
from tests.fakes.twilio_fake import Failure
from tests.integration.telephony.conftest import FROM_NUMBER, MARIA, PUBLIC_BASE, Api, customer_id

NEW_YORK = ZoneInfo("America/New_York")


def _creates(api: Api) -> int:
    return sum(1 for r in api.fake.requests if r.method == "POST" and r.path.endswith("/Calls.json"))


async def test_initiate_dials_with_status_and_async_amd_callbacks(api: Api, seeded: AsyncConnection) -> None:
    maria = await customer_id(seeded, MARIA)
    response = await api.initiate(customer_id=str(maria), tactic="balanced_progression")
    assert response.status_code == 202
    body = response.json()
    call = await calls_repo.get_call(seeded, uuid.UUID(body["call_id"]))
    [created] = api.fake.call_creates
    assert body["call_sid"] == call.call_sid == api.fake.only_call().sid
    q = f"?call_id={call.id}"
    assert created["To"] == [MARIA] and created["From"] == [FROM_NUMBER]
    assert created["Url"] == [f"{PUBLIC_BASE}/api/twilio/voice{q}"]
    assert created["StatusCallback"] == [f"{PUBLIC_BASE}/api/twilio/status{q}"]
    assert created["StatusCallbackEvent"] == ["initiated", "ringing", "answered", "completed"]
    assert created["MachineDetection"] == ["DetectMessageEnd"] and created["AsyncAmd"] == ["true"]
    assert created["AsyncAmdStatusCallback"] == [f"{PUBLIC_BASE}/api/twilio/amd{q}"]
    [attempt] = await attempts_for_customer(seeded, maria)
    assert (attempt.decision, attempt.reason_code, attempt.source) == ("allow", "allowed", "manual")
    assert (call.contact_attempt_id, call.status, call.call_type, call.direction) == (
        attempt.id, "queued", "manual", "outbound")
    assert call.tactic_id is not None


async def test_initiate_by_phone_number(api: Api, seeded: AsyncConnection) -> None:
    response = await api.initiate(phone="(212) 555-0101")
    assert response.status_code == 202
    call = await calls_repo.get_call(seeded, uuid.UUID(response.json()["call_id"]))
    assert call.customer_id == await customer_id(seeded, MARIA)


async def test_outside_calling_hours_is_409_with_next_allowed_time(api: Api, seeded: AsyncConnection) -> None:
    maria = await customer_id(seeded, MARIA)
    local_day = api.clock().astimezone(NEW_YORK).date()
    api.clock.at = datetime(local_day.year, local_day.month, local_day.day, 6, 30, tzinfo=NEW_YORK).astimezone(UTC)
    response = await api.initiate(customer_id=str(maria))
    assert response.status_code == 409
    body = response.json()
    assert body["reason_code"] == "outside_calling_hours" and body["reasons"] == ["outside_calling_hours"]
    expected = datetime(local_day.year, local_day.month, local_day.day, 8, 0, tzinfo=NEW_YORK)
    assert datetime.fromisoformat(body["next_allowed_at"]) == expected
    assert api.fake.requests == []  # nothing was dialed
    [attempt] = await attempts_for_customer(seeded, maria)
    assert (attempt.decision, attempt.reason_code) == ("deny", "outside_calling_hours")


async def test_bad_input_is_422(api: Api, seeded: AsyncConnection) -> None:
    maria = str(await customer_id(seeded, MARIA))
    for body in ({}, {"customer_id": maria, "phone": MARIA}, {"customer_id": "not-a-uuid"},
                 {"phone": "12"}, {"customer_id": maria, "tactic": "no_such_tactic"},
                 {"customer_id": maria, "colour": "blue"}):
        response = await api.initiate(**body)
        assert response.status_code == 422, (body, response.text)
    assert (await api.initiate(customer_id=str(uuid.uuid4()))).status_code == 404
    assert api.fake.requests == []


async def test_initiate_needs_a_supervisor(api: Api, seeded: AsyncConnection) -> None:
    maria = str(await customer_id(seeded, MARIA))
    anonymous = await api.client.post("/api/v1/calls/initiate", json={"customer_id": maria})
    assert anonymous.status_code == 401
    viewer = (await api.client.post("/api/v1/auth/dev-token", json={"role": "viewer", "name": "V"})).json()
    as_viewer = await api.client.post("/api/v1/calls/initiate", json={"customer_id": maria},
                                      headers={"Authorization": f"Bearer {viewer['access_token']}"})
    assert as_viewer.status_code == 403


async def test_simulate_creates_a_simulated_call_without_dialing(api: Api, seeded: AsyncConnection) -> None:
    maria = await customer_id(seeded, MARIA)
    response = await api.initiate(customer_id=str(maria), simulate=True, tactic="stern")
    assert response.status_code == 202 and response.json()["status"] == "simulated"
    call = await calls_repo.get_call(seeded, uuid.UUID(response.json()["call_id"]))
    assert (call.call_type, call.call_sid, call.customer_id) == ("simulated", None, maria)
    assert api.fake.requests == [] and await attempts_for_customer(seeded, maria) == []


async def test_twilio_refusal_is_recorded_with_its_code_and_not_retried(api: Api, seeded: AsyncConnection) -> None:
    api.fake.fail_next("calls.create", status=400, code=21215, message="Geo permission not enabled")
    response = await api.initiate(customer_id=str(await customer_id(seeded, MARIA)))
    assert response.status_code == 502 and "21215" in response.json()["detail"]
    cur = await seeded.execute("SELECT status, outcome, error_code FROM calls")
    assert await cur.fetchall() == [("failed", "failed", "21215")]
    assert _creates(api) == 1


async def test_a_refusal_is_recorded_when_this_hosts_clock_is_behind_the_databases(
        api: Api, seeded: AsyncConnection, monkeypatch: pytest.MonkeyPatch) -> None:
    from shared.telephony import dialer

    class Behind(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> Behind:  # type: ignore[override]
            return cls.fromtimestamp(datetime.now(tz).timestamp() - 86400.0, tz)  # far behind the database

    monkeypatch.setattr(dialer, "datetime", Behind)
    api.fake.fail_next("calls.create", status=400, code=21215, message="Geo permission not enabled")
    response = await api.initiate(customer_id=str(await customer_id(seeded, MARIA)))
    assert response.status_code == 502 and "21215" in response.json()["detail"]
    cur = await seeded.execute("SELECT status, error_code, ended_at = started_at FROM calls")
    assert await cur.fetchall() == [("failed", "21215", True)]


async def test_ambiguous_failure_after_twilio_placed_the_call_is_not_redialed(api: Api,
                                                                             seeded: AsyncConnection) -> None:
    api.fake.fail_next("calls.create", Failure(status=500, code=20500, apply=True))
    response = await api.initiate(customer_id=str(await customer_id(seeded, MARIA)))
    assert response.status_code == 202
    placed = api.fake.only_call()  # exactly one call exists at Twilio
    assert response.json()["call_sid"] == placed.sid
    assert _creates(api) == 1
    assert any(r.method == "GET" and r.path.endswith("/Calls.json") for r in api.fake.requests)


async def test_dropped_connection_without_a_call_is_redialed_once(api: Api, seeded: AsyncConnection) -> None:
    api.fake.fail_next("calls.create", Failure(drop=True))
    response = await api.initiate(customer_id=str(await customer_id(seeded, MARIA)))
    assert response.status_code == 202
    assert _creates(api) == 2 and len(api.fake.calls) == 1
    assert response.json()["call_sid"] == api.fake.only_call().sid


async def test_ambiguous_failure_that_cannot_be_checked_is_never_redialed(api: Api, seeded: AsyncConnection) -> None:
    api.fake.fail_next("calls.create", Failure(status=503, code=20503, apply=True))
    api.fake.fail_next("calls.list", Failure(status=503, code=20503))
    response = await api.initiate(customer_id=str(await customer_id(seeded, MARIA)))
    assert response.status_code == 202 and response.json()["status"] == "unconfirmed"
    assert _creates(api) == 1
    call = await calls_repo.get_call(seeded, uuid.UUID(response.json()["call_id"]))
    assert (call.status, call.error_code, call.call_sid) == ("queued", "unconfirmed", None)
    # If the call did happen, its first webhook (carrying ?call_id=) completes the row.
    await api.deliver(api.fake.status_callback(api.fake.only_call().sid, "ringing"))
    call = await calls_repo.get_call(seeded, call.id)
    assert (call.status, call.call_sid) == ("ringing", api.fake.only_call().sid)


async def test_rate_limited_refusal_is_retried(api: Api, seeded: AsyncConnection) -> None:
    api.fake.fail_next("calls.create", status=429, code=20429, message="Too Many Requests")
    response = await api.initiate(customer_id=str(await customer_id(seeded, MARIA)))
    assert response.status_code == 202 and _creates(api) == 2 and len(api.fake.calls) == 1


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


async def test_webhook_urls_carry_the_call_id(api: Api, seeded: AsyncConnection) -> None:
    call_id, _ = await api.place_call(await customer_id(seeded, MARIA))
    call = api.fake.only_call()
    for url in (call.url, call.status_callback, call.async_amd_status_callback):
        assert _query(url or "") == {"call_id": [str(call_id)]}
    assert timedelta(0) <= api.clock() - datetime.now(UTC)  # the injected clock is ahead of real rows


async def test_workflow_entry_dials_through_the_process_dialer(api: Api, seeded: AsyncConnection) -> None:
    from shared.telephony import dialer

    maria = await customer_id(seeded, MARIA)
    result = await dialer.dial(seeded, maria, now=api.clock(), purpose="collection", source="campaign")
    assert (result.dialed, result.reason_code) == (True, "allowed")
    call = await calls_repo.get_call(seeded, result.call_id)  # type: ignore[arg-type]
    assert (call.call_type, call.call_sid) == ("campaign", api.fake.only_call().sid)
    api.clock.at = api.clock().replace(hour=3)  # 22:00 the evening before in New York
    late = await dialer.dial(seeded, maria, now=api.clock(), purpose="collection", source="campaign")
    assert (late.dialed, late.reason_code, late.call_id) == (False, "outside_calling_hours", None)
    assert late.next_allowed_at is not None


async def test_unconfigured_telephony_is_503_and_records_nothing(api: Api, seeded: AsyncConnection,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from shared.settings import get_settings

    maria = await customer_id(seeded, MARIA)
    monkeypatch.delenv("TWILIO_AUTH_TOKEN")
    get_settings.cache_clear()
    api.app.state.dialer = None
    response = await api.initiate(customer_id=str(maria))
    assert response.status_code == 503
    assert await attempts_for_customer(seeded, maria) == [] and api.fake.requests == []
