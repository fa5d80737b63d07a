"""The scheduled retention run: recordings of calls past retention are deleted at Twilio (the twilio SDK against the
Twilio fake), then the audited purge removes the rows; a Twilio failure keeps the rows for the next run."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from shared.compliance.retention_job import run_retention
from shared.db import calls, customers
from shared.settings import Settings, load_settings
from tests.fakes.twilio_fake import Failure, TwilioFake

NOW = datetime(2030, 6, 1, 12, tzinfo=UTC)
MARIA = "+12125550101"


@pytest.fixture
def twilio() -> Iterator[TwilioFake]:
    with TwilioFake() as fake:
        yield fake


def _settings(twilio: TwilioFake, database_url: str) -> Settings:
    return load_settings(database_url=database_url, twilio_account_sid=twilio.account_sid,
                         twilio_auth_token=twilio.auth_token, twilio_api_base=twilio.base_url)


async def _call(conn: AsyncConnection, age: timedelta, recording_sid: str) -> str:
    customer = await customers.find_by_phone(conn, MARIA)
    assert customer is not None
    call = await calls.create_call(conn, calls.NewCall(direction="outbound", call_type="manual",
                                                       customer_id=customer.id, status="completed"))
    started = NOW - age
    await conn.execute("UPDATE calls SET started_at = %s, ended_at = %s, recording_sid = %s WHERE id = %s",
                       (started, started + timedelta(minutes=5), recording_sid, call.id))
    await conn.commit()
    return str(call.id)


async def _remaining(conn: AsyncConnection, ids: list[str]) -> set[str]:
    rows = await (await conn.execute("SELECT id::text FROM calls WHERE id::text = ANY(%s)", (ids,))).fetchall()
    return {r[0] for r in rows}


async def test_expired_recordings_are_deleted_at_twilio_then_purged(
        seeded: AsyncConnection, pool: AsyncConnectionPool, database_url: str, twilio: TwilioFake) -> None:
    old_sid, recent_sid = twilio.add_recording(), twilio.add_recording()
    old = await _call(seeded, timedelta(days=4 * 365), old_sid)
    gone = await _call(seeded, timedelta(days=5 * 365), "RE" + "0" * 32)          # already deleted at Twilio
    recent = await _call(seeded, timedelta(days=30), recent_sid)
    run = await run_retention(pool, _settings(twilio, database_url), now=NOW)
    assert twilio.deleted_recordings == [old_sid]
    assert [r["sid"] for r in twilio.recordings] == [recent_sid]
    assert run.recordings_deleted == 2 and run.purge.calls == 2
    assert await _remaining(seeded, [old, gone, recent]) == {recent}


async def test_a_twilio_failure_keeps_the_rows_for_the_next_run(
        seeded: AsyncConnection, pool: AsyncConnectionPool, database_url: str, twilio: TwilioFake) -> None:
    from twilio.base.exceptions import TwilioRestException

    sid = twilio.add_recording()
    old = await _call(seeded, timedelta(days=4 * 365), sid)
    twilio.fail_next("recordings.delete", Failure(status=500))
    with pytest.raises(TwilioRestException):
        await run_retention(pool, _settings(twilio, database_url), now=NOW)
    assert await _remaining(seeded, [old]) == {old}
    run = await run_retention(pool, _settings(twilio, database_url), now=NOW)   # the next run finishes the job
    assert twilio.deleted_recordings == [sid] and run.purge.calls == 1
    assert await _remaining(seeded, [old]) == set()
