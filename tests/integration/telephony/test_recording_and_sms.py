"""POST /api/twilio/recording stores the recording on its call; POST /api/twilio/sms: STOP revokes consent
(flag, DNC, compliance event) and blocks the next dial, HELP is answered, anything else lands on the timeline."""
from __future__ import annotations

from xml.etree import ElementTree

import pytest
from psycopg import AsyncConnection

from shared.db import calls as calls_repo
from shared.db import customers as customers_repo
from shared.db.compliance_records import is_dnc, list_dnc
from shared.telephony.inbound_sms import classify
from shared.telephony.messages import messages_for_customer
from tests.integration.telephony.conftest import FROM_NUMBER, MARIA, PUBLIC_BASE, Api, customer_id

SMS_URL = f"{PUBLIC_BASE}/api/twilio/sms"
RECORDING_URL = f"{PUBLIC_BASE}/api/twilio/recording"


async def test_recording_is_stored_on_its_call_idempotently(api: Api, seeded: AsyncConnection) -> None:
    call_id, sid = await api.place_call(await customer_id(seeded, MARIA))
    cb = api.fake.recording_callback(sid, RECORDING_URL, duration=95, channels=2)
    assert (await api.deliver(cb)).status_code == 204
    assert (await api.deliver(cb)).status_code == 204
    call = await calls_repo.get_call(seeded, call_id)
    assert (call.recording_sid, call.recording_url) == (cb.params["RecordingSid"], cb.params["RecordingUrl"])
    assert (call.recording_duration_s, call.recording_channels) == (95, 2)


async def test_recording_for_unknown_call_is_acknowledged(api: Api, conn: AsyncConnection) -> None:
    cb = api.fake.recording_callback("CA" + "c" * 32, RECORDING_URL)
    assert (await api.deliver(cb)).status_code == 204


async def _sms(api: Api, body: str, sender: str = MARIA, sid: str | None = None):  # type: ignore[no-untyped-def]
    return await api.deliver(api.fake.inbound_sms(from_=sender, to=FROM_NUMBER, body=body, url=SMS_URL,
                                                  message_sid=sid))


async def test_stop_revokes_consent_and_the_next_initiate_is_refused(api: Api, seeded: AsyncConnection) -> None:
    maria = await customer_id(seeded, MARIA)
    response = await _sms(api, "STOP")
    assert response.status_code == 200
    assert list(ElementTree.fromstring(response.text)) == []  # Twilio's opt-out handling sends the confirmation
    customer = await customers_repo.get_customer(seeded, maria)
    assert customer.consent_revoked_at is not None
    assert await is_dnc(seeded, MARIA)
    assert [e.source for e in await list_dnc(seeded) if e.phone == MARIA] == ["sms_stop"]
    cur = await seeded.execute("SELECT category, code FROM compliance_events WHERE customer_id = %s", (maria,))
    assert await cur.fetchall() == [("consent", "consent_revoked")]
    refused = await api.initiate(customer_id=str(maria))
    assert refused.status_code == 409
    assert refused.json()["reason_code"] == "consent_revoked"
    assert api.fake.call_creates == []


async def test_retried_stop_is_applied_once(api: Api, seeded: AsyncConnection) -> None:
    maria = await customer_id(seeded, MARIA)
    await _sms(api, "stop", sid="SM" + "1" * 32)
    await _sms(api, "stop", sid="SM" + "1" * 32)
    cur = await seeded.execute("SELECT count(*) FROM compliance_events WHERE customer_id = %s", (maria,))
    assert await cur.fetchone() == (1,)
    assert len(await messages_for_customer(seeded, maria)) == 1


async def test_help_is_answered_without_mentioning_a_debt(api: Api, seeded: AsyncConnection) -> None:
    response = await _sms(api, " Help ")
    message = ElementTree.fromstring(response.text).findtext("Message")
    assert message is not None and "Northwind Bank" in message and "STOP" in message
    assert "debt" not in message.lower()


async def test_other_text_goes_on_the_timeline(api: Api, seeded: AsyncConnection) -> None:
    maria = await customer_id(seeded, MARIA)
    response = await _sms(api, "Can you call me after 5pm?")
    assert list(ElementTree.fromstring(response.text)) == []
    [message] = await messages_for_customer(seeded, maria)
    assert (message.direction, message.body, message.status) == ("inbound", "Can you call me after 5pm?", "received")
    cur = await seeded.execute("SELECT category, code FROM compliance_events WHERE customer_id = %s", (maria,))
    assert await cur.fetchall() == [("sms", "inbound_other")]
    assert (await customers_repo.get_customer(seeded, maria)).consent_revoked_at is None


async def test_stop_from_unknown_number_still_suppresses_it(api: Api, seeded: AsyncConnection) -> None:
    await _sms(api, "UNSUBSCRIBE", sender="+12125550166")
    assert await is_dnc(seeded, "+12125550166")


@pytest.mark.parametrize(("body", "kind"), [
    ("STOP", "stop"), ("stop.", "stop"), ("StopAll", "stop"), ("unsubscribe", "stop"), ("CANCEL", "stop"),
    ("end", "stop"), ("Quit!", "stop"), ("revoke", "stop"), ("opt out", "stop"), ("Please stop calling me", "stop"),
    ("don't contact me again", "stop"), ("HELP", "help"), ("info", "help"), ("hello", "other"),
    ("I can pay on Friday", "other"), ("stopwatch", "other"), ("the end of the month works", "other")])
def test_sms_keywords(body: str, kind: str) -> None:
    assert classify(body) == kind
