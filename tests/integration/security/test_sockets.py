"""Robust sockets and single-use streams: a binary frame, bad JSON, deep nesting, an oversized frame or media
before `start` closes that one socket with a code and one log line (no traceback); a media stream token works
once, and a replayed voice webhook gets the same TwiML without a second live stream."""
from __future__ import annotations

import asyncio
import json
import logging
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from psycopg import AsyncConnection
from twilio.request_validator import RequestValidator
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from shared.db import customers
from shared.db.calls import NewCall, create_call, get_call
from shared.settings import load_settings
from shared.telephony.stream_token import issue_stream_token
from shared.telephony.voice_answer import VoiceRequest, answer_call
from tests.integration.security.conftest import TWILIO_TOKEN, voice_service
from tests.integration.voice.harness import voice_stack, wait_until

MARIA = "+12125550101"


async def _close_code(ws) -> int | None:
    with pytest.raises(ConnectionClosed):
        while True:
            await asyncio.wait_for(ws.recv(), 10)
    return ws.close_code


def _no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records if r.exc_info]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize(("frame", "code"), [
    (b"\x00\x01binary", 1003),
    ("[" * 40 + "]" * 40, 1008),
    ("[" * 100_000, 1009),
    ("{not json", 1007),
    ('"a string, not an object"', 1007),
])
async def test_a_bad_sim_frame_closes_that_socket_with_a_code(frame: str | bytes, code: int, demo: AsyncConnection,
                                                              pool, caplog: pytest.LogCaptureFixture) -> None:
    maria = await customers.find_by_phone(demo, MARIA)
    assert maria is not None
    caplog.set_level(logging.INFO)
    async with voice_service(pool) as stack:
        async with connect(f"{stack.base}/sim?customer_id={maria.id}&token=supervisor-token",
                           max_size=None) as ws:
            while json.loads(await ws.recv())["type"] != "turn_end":
                pass
            await ws.send(frame)
            assert await _close_code(ws) == code
        await stack.services.get_writes().flush()
        await wait_until(lambda: not stack.services.calls, what="the call closed")
    protocol = [r for r in caplog.records if "protocol error" in r.getMessage()]
    assert len(protocol) == 1
    _no_traceback(caplog)
    row = await (await demo.execute("SELECT status FROM calls WHERE call_type = 'simulated'")).fetchall()
    assert row == [("completed",)]


@pytest.mark.parametrize(("frame", "code"), [(b"\xff", 1003), ("[" * 40, 1008), ("nope", 1007)])
async def test_a_bad_live_frame_closes_that_socket(frame: str | bytes, code: int, conn: AsyncConnection, pool,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    async with voice_service(pool) as stack:
        async with connect(f"{stack.base}/live?token=viewer-token") as ws:
            await ws.send(frame)
            assert await _close_code(ws) == code
    _no_traceback(caplog)


async def _media(stack_base: str, frames: list[str | bytes]) -> int | None:
    url = f"{stack_base}/twilio/media"
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, {})
    async with connect(url, additional_headers={"X-Twilio-Signature": signature}) as ws:
        for frame in frames:
            await ws.send(frame)
        return await _close_code(ws)


def _start(call_id: uuid.UUID, token: str) -> str:
    return json.dumps({"event": "start", "sequenceNumber": "1", "streamSid": "MZ" + "1" * 32,
                       "start": {"accountSid": "AC" + "1" * 32, "streamSid": "MZ" + "1" * 32,
                                 "callSid": "CA" + "1" * 32, "tracks": ["inbound"],
                                 "customParameters": {"call_id": str(call_id), "token": token},
                                 "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}}})


async def test_binary_or_media_before_start_on_twilio_media_is_a_protocol_error(
        conn: AsyncConnection, pool, caplog: pytest.LogCaptureFixture) -> None:
    media = json.dumps({"event": "media", "streamSid": "MZ1", "media": {"payload": "AAAA"}})
    async with voice_service(pool) as stack:
        assert await _media(stack.base, [b"\x00binary"]) == 1003                 # unsupported data, as on /sim
        assert await _media(stack.base, [json.dumps({"event": "connected"}), media]) == 1008
        assert await _media(stack.base, ['{"event": "start", "start": 5}']) == 1007   # invalid payload data
        assert not stack.services.calls
    _no_traceback(caplog)


async def test_a_stream_token_works_once(conn: AsyncConnection, pool) -> None:
    async with voice_stack(pool) as stack:
        call_id, caller = await stack.new_call(conn)       # the first handshake claims the call's stream
        await wait_until(lambda: call_id in stack.services.calls, what="stream live")
        replay = issue_stream_token(call_id, secret=TWILIO_TOKEN, now=datetime.now(UTC))
        assert await _media(stack.base, [json.dumps({"event": "connected"}), _start(call_id, replay)]) == 1008
        assert len(stack.engines) == 1                      # no second pipeline ran on the call
        await caller.hangup()
    call = await get_call(conn, call_id)
    assert call.handled_by is not None


async def test_a_replayed_voice_webhook_gets_the_same_decision(conn: AsyncConnection) -> None:
    settings = load_settings(archer_env="test", twilio_auth_token=TWILIO_TOKEN, voice_ws_url="wss://voice.test",
                             public_base_url="https://api.test")
    call = await create_call(conn, NewCall(direction="outbound", call_type="manual", status="ringing"))
    sid = "CA" + uuid.uuid4().hex
    req = VoiceRequest(call_sid=sid, from_number="+18005550100", to_number=MARIA, direction="outbound-api",
                       call_id=call.id)
    first_at = datetime.now(UTC)
    first = await answer_call(conn, req, settings=settings, now=first_at)
    replay = await answer_call(conn, req, settings=settings, now=first_at + timedelta(seconds=7))
    assert first.served and replay.served and replay.twiml == first.twiml
