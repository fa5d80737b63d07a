"""The real twilio SDK against the fake: SMS recorded in `messages`, transfer TwiML, hang-up, errors with codes."""
from __future__ import annotations

from xml.etree import ElementTree

import pytest
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from shared.settings import Settings
from shared.telephony.errors import TelephonyError
from shared.telephony.messages import messages_for_customer
from shared.telephony.twilio_call_control import TwilioCallControl
from shared.telephony.twilio_client import build_sync_client, rebase_url
from tests.fakes.twilio_fake import Failure, TwilioFake
from tests.integration.telephony.conftest import FROM_NUMBER, TRANSFER_NUMBER


def test_rebase_url_keeps_path_and_query() -> None:
    assert rebase_url("https://api.twilio.com/2010-04-01/Accounts/AC1/Calls.json?To=%2B1",
                      "http://127.0.0.1:9000") == "http://127.0.0.1:9000/2010-04-01/Accounts/AC1/Calls.json?To=%2B1"
    assert rebase_url("https://api.twilio.com/x", None) == "https://api.twilio.com/x"


async def test_send_sms_goes_through_the_sdk_and_is_recorded(seeded: AsyncConnection, pool: AsyncConnectionPool,
                                                             twilio_fake: TwilioFake,
                                                             twilio_settings: Settings) -> None:
    cur = await seeded.execute("SELECT id, phone FROM customers ORDER BY phone LIMIT 1")
    customer_id, phone = await cur.fetchone()  # type: ignore[misc]
    control = TwilioCallControl(pool, twilio_settings)
    try:
        sid = await control.send_sms(to=phone, body="Your payment link: https://pay.example/abc", call_id=None,
                                     customer_id=customer_id)
    finally:
        await control.aclose()
    assert sid.startswith("SM")
    [sent] = twilio_fake.messages
    assert (sent["to"], sent["from"], sent["sid"]) == (phone, FROM_NUMBER, sid)
    assert all(r.authorized for r in twilio_fake.requests)
    [row] = await messages_for_customer(seeded, customer_id)
    assert (row.message_sid, row.direction, row.status) == (sid, "outbound", "queued")


async def test_failed_sms_is_recorded_and_raises_with_twilio_code(seeded: AsyncConnection, pool: AsyncConnectionPool,
                                                                  twilio_fake: TwilioFake,
                                                                  twilio_settings: Settings) -> None:
    cur = await seeded.execute("SELECT id, phone FROM customers ORDER BY phone LIMIT 1")
    customer_id, phone = await cur.fetchone()  # type: ignore[misc]
    twilio_fake.fail_next("messages.create", status=400, code=21610, message="Attempt to send to unsubscribed")
    control = TwilioCallControl(pool, twilio_settings)
    try:
        with pytest.raises(TelephonyError) as info:
            await control.send_sms(to=phone, body="hello", call_id=None, customer_id=customer_id)
    finally:
        await control.aclose()
    assert (info.value.code, info.value.ambiguous) == (21610, False)
    [row] = await messages_for_customer(seeded, customer_id)
    assert (row.status, row.message_sid) == ("failed", None)


async def test_transfer_redirects_the_live_call_to_dial_with_caller_id_and_whisper(
        pool: AsyncConnectionPool, twilio_fake: TwilioFake, twilio_settings: Settings) -> None:
    call = twilio_fake.add_inbound_call(from_="+12125550101", to=FROM_NUMBER)
    control = TwilioCallControl(pool, twilio_settings)
    try:
        await control.transfer(call_sid=call.sid, to_number=TRANSFER_NUMBER, whisper="Customer asks about hardship")
    finally:
        await control.aclose()
    [(sid, update)] = twilio_fake.call_updates
    assert sid == call.sid
    root = ElementTree.fromstring(update["Twiml"])
    dial = root.find("Dial")
    assert dial is not None and dial.get("callerId") == FROM_NUMBER
    number = dial.find("Number")
    assert number is not None and number.text == TRANSFER_NUMBER
    assert "/api/twilio/whisper?note=Customer+asks+about+hardship" in (number.get("url") or "")


async def test_hangup_sets_status_completed(pool: AsyncConnectionPool, twilio_fake: TwilioFake,
                                           twilio_settings: Settings) -> None:
    call = twilio_fake.add_inbound_call(from_="+12125550101", to=FROM_NUMBER)
    control = TwilioCallControl(pool, twilio_settings)
    try:
        await control.hangup(call_sid=call.sid)
        await control.hangup(call_sid="")  # a simulated call: nothing to hang up, nothing sent
    finally:
        await control.aclose()
    assert twilio_fake.call_updates == [(call.sid, {"Status": "completed"})]
    assert twilio_fake.calls[call.sid].status == "completed"


async def test_unknown_call_update_raises_not_ambiguous(pool: AsyncConnectionPool, twilio_settings: Settings,
                                                        twilio_fake: TwilioFake) -> None:
    control = TwilioCallControl(pool, twilio_settings)
    try:
        with pytest.raises(TelephonyError) as info:
            await control.hangup(call_sid="CA" + "1" * 32)
    finally:
        await control.aclose()
    assert (info.value.code, info.value.status, info.value.ambiguous) == (20404, 404, False)


async def test_server_error_is_ambiguous(pool: AsyncConnectionPool, twilio_settings: Settings,
                                         twilio_fake: TwilioFake) -> None:
    call = twilio_fake.add_inbound_call(from_="+12125550101", to=FROM_NUMBER)
    twilio_fake.fail_next("calls.update", Failure(status=503, code=20503, message="unavailable", apply=True))
    control = TwilioCallControl(pool, twilio_settings)
    try:
        with pytest.raises(TelephonyError) as info:
            await control.hangup(call_sid=call.sid)
    finally:
        await control.aclose()
    assert info.value.ambiguous and info.value.code == 20503
    assert twilio_fake.calls[call.sid].status == "completed"  # it took effect despite the error


def test_sync_client_and_recordings_and_list(twilio_fake: TwilioFake, twilio_settings: Settings) -> None:
    client = build_sync_client(twilio_settings)
    created = client.calls.create(to="+12125550101", from_=FROM_NUMBER, url="https://x.example/api/twilio/voice",
                                  status_callback_event=["initiated", "answered", "completed"])
    assert twilio_fake.call_creates[0]["StatusCallbackEvent"] == ["initiated", "answered", "completed"]
    assert client.calls(created.sid).fetch().status == "queued"
    twilio_fake.calls[created.sid].status = "in-progress"
    rec = client.calls(created.sid).recordings.create(recording_channels="dual")
    assert rec.sid.startswith("RE") and rec.channels == 2
    listed = client.calls.list(to="+12125550101", limit=5)
    assert [c.sid for c in listed] == [created.sid]
    assert client.calls.list(to="+12125550102", limit=5) == []
