"""The media reader survives whatever a socket sends: a binary frame, bad JSON, absurd nesting, an oversized frame,
audio before `start` — each closes that connection with a close code, logs one line (no traceback) and releases
the call's resources (STT/TTS sockets, the pipeline, the call registry); other calls are not disturbed."""
from __future__ import annotations

import base64
import json
import logging
from datetime import UTC, datetime

import pytest
from twilio.request_validator import RequestValidator
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from shared.db.calls import NewCall, create_call
from shared.speech.audio import SILENCE_FRAME
from shared.telephony.stream_token import issue_stream_token
from tests.integration.voice.harness import TWILIO_TOKEN, voice_stack, wait_until

MEDIA = json.dumps({"event": "media", "streamSid": "MZ1", "media": {"payload": base64.b64encode(SILENCE_FRAME).decode()}})
BAD_FRAMES = {
    "binary": (b"\x00\x01binary", 1003),
    "bad json": ('{"event": "media", "media": {"payload": ', 1007),
    "deep nesting": ('{"event":"media","media":' + "[" * 5000 + "]" * 5000 + "}", 1007),
    "oversized": ('{"event":"media","media":{"payload":"' + "A" * 100_000 + '"}}', 1009),
    "not an object": ("[1, 2, 3]", 1007),
}


async def _open(stack, conn, *, start: bool = True):
    call = await create_call(conn, NewCall(direction="outbound", call_type="test", status="in-progress"))
    url = f"{stack.base}/twilio/media"
    ws = await connect(url, additional_headers={"X-Twilio-Signature": RequestValidator(TWILIO_TOKEN).compute_signature(
        url, {})}, max_size=2**20)
    await ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
    if start:
        token = issue_stream_token(call.id, secret=TWILIO_TOKEN, now=datetime.now(UTC))
        await ws.send(json.dumps({"event": "start", "streamSid": "MZ1", "start": {
            "streamSid": "MZ1", "callSid": "CA1", "customParameters": {"call_id": str(call.id), "token": token}}}))
    return call.id, ws


async def _close_code(ws) -> int:
    with pytest.raises(ConnectionClosed) as info:
        while True:
            await ws.recv()
    assert info.value.rcvd is not None, "the server did not close with a code"
    return info.value.rcvd.code


@pytest.mark.parametrize("kind", list(BAD_FRAMES))
async def test_a_bad_frame_mid_call_closes_that_call_with_a_code_and_releases_it(conn, pool, caplog, kind):
    frame, code = BAD_FRAMES[kind]
    caplog.set_level(logging.INFO)
    async with voice_stack(pool) as stack:
        call_id, ws = await _open(stack, conn)
        _, healthy = await stack.new_call(conn)                  # a second, well-behaved call on the same service
        await wait_until(lambda: call_id in stack.services.calls, what="the call to start")
        await wait_until(lambda: stack.cartesia.open_connections == 4, what="STT and TTS sockets of both calls")
        for _ in range(5):
            await ws.send(MEDIA)
        caplog.clear()
        await ws.send(frame)
        assert await _close_code(ws) == code
        await wait_until(lambda: call_id not in stack.services.calls, what="the call to be released")
        await wait_until(lambda: stack.cartesia.open_connections == 2, what="its STT/TTS sockets closed")
        protocol_lines = [r for r in caplog.records if "protocol error" in r.getMessage()]
        assert len(protocol_lines) == 1 and protocol_lines[0].levelno == logging.WARNING
        assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR], "no traceback"
        assert len(stack.services.calls) == 1                    # the healthy call goes on
        await healthy.wait_agent_done()
        await healthy.hangup()


async def test_media_before_start_is_refused_with_a_policy_close(conn, pool, caplog):
    caplog.set_level(logging.INFO)
    async with voice_stack(pool) as stack:
        _, ws = await _open(stack, conn, start=False)
        await ws.send(MEDIA)
        assert await _close_code(ws) == 1008
        assert stack.services.calls == {} and stack.cartesia.open_connections == 0
        assert len([r for r in caplog.records if "protocol error" in r.getMessage()]) == 1
        assert not [r for r in caplog.records if r.exc_info]
