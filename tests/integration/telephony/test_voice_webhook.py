"""POST /api/twilio/voice: the recording notice first, then recording, then the stream with a signed token;
inbound callers matched by caller ID (unknown ones still served); unknown or ended calls get a polite goodbye."""
from __future__ import annotations

from xml.etree import ElementTree

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from shared.db import calls as calls_repo
from shared.db.compliance_records import events_for_call
from shared.telephony.stream_token import verify_stream_token
from shared.telephony.twiml import POLITE_ERROR, recording_notice_text
from tests.fakes.twilio_fake import TEST_AUTH_TOKEN
from tests.integration.telephony.conftest import FROM_NUMBER, MARIA, PUBLIC_BASE, VOICE_WS, Api, customer_id

VOICE_URL = f"{PUBLIC_BASE}/api/twilio/voice"
NOTICE = recording_notice_text(bank_name="Northwind Bank", callback_number="+18005550100")


def _verbs(document: str) -> list[str]:
    return [child.tag for child in ElementTree.fromstring(document)]


def _stream_params(document: str) -> dict[str, str]:
    stream = ElementTree.fromstring(document).find("Connect/Stream")
    assert stream is not None
    return {p.get("name", ""): p.get("value", "") for p in stream.findall("Parameter")}


async def test_outbound_answer_plays_notice_then_records_then_streams(api: Api, seeded: AsyncConnection) -> None:
    call_id, sid = await api.place_call(await customer_id(seeded, MARIA))
    response = await api.deliver(api.fake.voice_request(sid))
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/xml")
    root = ElementTree.fromstring(response.text)
    assert _verbs(response.text) == ["Say", "Start", "Connect", "Hangup"]
    assert root.findtext("Say") == NOTICE
    recording = root.find("Start/Recording")
    assert recording is not None and recording.get("channels") == "dual"
    assert recording.get("recordingStatusCallback") == f"{PUBLIC_BASE}/api/twilio/recording"
    stream = root.find("Connect/Stream")
    assert stream is not None and stream.get("url") == f"{VOICE_WS}/twilio/media"
    params = _stream_params(response.text)
    assert params["call_id"] == str(call_id)
    assert verify_stream_token(params["token"], secret=TEST_AUTH_TOKEN, now=api.clock()) == call_id
    call = await calls_repo.get_call(seeded, call_id)
    assert (call.status, call.answered_at, call.conversation_at) == ("in-progress", api.clock(), api.clock())


async def test_retried_voice_webhook_logs_the_notice_once(api: Api, seeded: AsyncConnection) -> None:
    call_id, sid = await api.place_call(await customer_id(seeded, MARIA))
    first = await api.deliver(api.fake.voice_request(sid))
    second = await api.deliver(api.fake.voice_request(sid))
    assert _verbs(first.text) == _verbs(second.text) == ["Say", "Start", "Connect", "Hangup"]
    notices = [e for e in await events_for_call(seeded, call_id) if e.code == "recording_notice"]
    assert len(notices) == 1 and notices[0].category == "disclosure"


async def test_inbound_known_caller_is_matched_by_caller_id(api: Api, seeded: AsyncConnection) -> None:
    inbound = api.fake.add_inbound_call(from_=MARIA, to=FROM_NUMBER)
    response = await api.deliver(api.fake.voice_request(inbound.sid, url=VOICE_URL))
    assert _verbs(response.text) == ["Say", "Start", "Connect", "Hangup"]
    call = await calls_repo.find_by_sid(seeded, inbound.sid)
    assert call is not None
    assert (call.direction, call.call_type, call.customer_id) == ("inbound", "inbound",
                                                                  await customer_id(seeded, MARIA))
    assert _stream_params(response.text)["call_id"] == str(call.id)
    assert call.conversation_at is not None  # a conversation on an inbound call starts the 7-day wait


async def test_inbound_unknown_caller_is_still_served(api: Api, seeded: AsyncConnection) -> None:
    inbound = api.fake.add_inbound_call(from_="+12125550177", to=FROM_NUMBER)
    response = await api.deliver(api.fake.voice_request(inbound.sid, url=VOICE_URL))
    assert _verbs(response.text) == ["Say", "Start", "Connect", "Hangup"]
    call = await calls_repo.find_by_sid(seeded, inbound.sid)
    assert call is not None and call.customer_id is None
    again = await api.deliver(api.fake.voice_request(inbound.sid, url=VOICE_URL))  # a retry: same call row
    assert _stream_params(again.text)["call_id"] == str(call.id)


async def test_unknown_outbound_call_gets_polite_goodbye(api: Api, conn: AsyncConnection) -> None:
    stray = api.fake.add_inbound_call(from_=FROM_NUMBER, to=MARIA)
    stray.direction = "outbound-api"
    response = await api.deliver(api.fake.voice_request(stray.sid, url=VOICE_URL))
    assert response.status_code == 200
    assert _verbs(response.text) == ["Say", "Hangup"]
    assert ElementTree.fromstring(response.text).findtext("Say") == POLITE_ERROR


async def test_ended_call_gets_polite_goodbye(api: Api, seeded: AsyncConnection) -> None:
    call_id, sid = await api.place_call(await customer_id(seeded, MARIA))
    await api.deliver(api.fake.status_callback(sid, "completed", duration=30))
    response = await api.deliver(api.fake.voice_request(sid))
    assert _verbs(response.text) == ["Say", "Hangup"]
    assert (await calls_repo.get_call(seeded, call_id)).status == "completed"


async def test_internal_failure_is_spoken_not_500(api: Api, database_url: str, conn: AsyncConnection) -> None:
    inbound = api.fake.add_inbound_call(from_=MARIA, to=FROM_NUMBER)
    api.app.state.pool = AsyncConnectionPool(database_url, open=False)  # never opened: every use fails
    response = await api.deliver(api.fake.voice_request(inbound.sid, url=VOICE_URL))
    assert response.status_code == 200
    assert ElementTree.fromstring(response.text).findtext("Say") == POLITE_ERROR


async def test_whisper_speaks_the_note_to_the_agent(api: Api) -> None:
    cb = api.fake.sign(f"{PUBLIC_BASE}/api/twilio/whisper?note=Customer+disputes+the+amount",
                       {"CallSid": "CA" + "b" * 32})
    response = await api.deliver(cb)
    assert ElementTree.fromstring(response.text).findtext("Say") == "Transferred call from Archer. " \
                                                                     "Customer disputes the amount"
