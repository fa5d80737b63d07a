"""Latency from a dual-channel recording of a fake phone call: the recording callback fetches the WAV from the
Twilio fake (basic auth), detects speech per channel and stores per-turn gaps within ±20 ms of what was heard."""
from __future__ import annotations

import dataclasses
import io
import struct
import wave
from datetime import timedelta

import pytest
from psycopg import AsyncConnection

from shared.db.calls import get_call
from shared.quality.dataset import Period
from shared.quality.recording_analysis import Segment, analyze_wav, reply_gaps
from shared.quality.report import generate
from tests.fakes.cartesia_stt import SttFakeConfig
from tests.fakes.cartesia_tts import TtsFakeConfig
from tests.integration.quality.recorded_call import RecordingCaller, spoken
from tests.integration.quality.test_report import small_sample_thresholds
from tests.integration.telephony.conftest import PUBLIC_BASE, Api
from tests.integration.voice import harness
from tests.integration.voice.harness import voice_stack, wait_until

RECORDING_URL = f"{PUBLIC_BASE}/api/twilio/recording"
STT_END_MS, TTFT_S, TTS_FIRST_BYTE_MS = 120, 0.15, 110
CONFIGURED_MS = STT_END_MS + TTFT_S * 1000 + TTS_FIRST_BYTE_MS
LINES = ("I can pay part of it", "maybe next friday", "thank you for that")


async def test_recording_gaps_match_what_the_caller_heard(api: Api, conn: AsyncConnection, pool,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(harness, "TwilioCaller", RecordingCaller)   # the harness's caller, keeping both channels
    stt = SttFakeConfig(start_latency_ms=20, end_latency_ms=STT_END_MS)
    tts = TtsFakeConfig(first_byte_ms=TTS_FIRST_BYTE_MS, wpm=260)
    async with voice_stack(pool, stt=stt, tts=tts, ttft_s=TTFT_S) as stack:
        call_id, caller = await stack.new_call(conn)
        assert isinstance(caller, RecordingCaller)
        await caller.wait_agent_done()
        for line in LINES:
            await caller.say_speech(await spoken(line))
            await caller.wait_agent_done()
        await caller.hangup()
        await wait_until(lambda: not stack.services.calls, what="call closed")
    heard = caller.heard_gaps_ms()
    assert len(heard) == len(LINES)

    call_sid = caller.call_sid
    await conn.execute("UPDATE calls SET call_sid = %s WHERE id = %s", (call_sid, call_id))
    sid = api.fake.add_recording_media(caller.stereo_wav())
    response = await api.deliver(api.fake.recording_callback(call_sid, RECORDING_URL, recording_sid=sid,
                                                             channels=2))
    assert response.status_code == 204
    rows = await (await conn.execute(
        "SELECT turn, gap_ms::float8 FROM recording_turn_gaps WHERE call_id = %s ORDER BY turn", (call_id,))
    ).fetchall()
    status = (await (await conn.execute("SELECT status FROM recording_analyses WHERE call_id = %s",
                                        (call_id,))).fetchone())
    measured = [gap for _, gap in rows]
    print(f"configured ≥ {CONFIGURED_MS:.0f} ms; heard {heard}; measured {measured}")
    assert status == ("analyzed",) and [t for t, _ in rows] == [1, 2, 3]
    for truth, gap in zip(heard, measured, strict=True):
        assert abs(gap - truth) <= 20, (truth, gap)
        assert gap >= CONFIGURED_MS - 20      # the fakes' latencies are the floor of what a caller can hear
    media_fetches = [r for r in api.fake.requests if r.path.endswith(f"/Recordings/{sid}.wav")]
    assert len(media_fetches) == 1 and media_fetches[0].authorized
    assert media_fetches[0].params.get("RequestedChannels") == ["2"]      # the per-leg file, not a downmix

    # the report puts the service's own figure beside the one heard on the recording, turn by turn
    thresholds = small_sample_thresholds()
    started = (await get_call(conn, call_id)).started_at    # the period around the call, not this host's clock
    report, _ = await generate(conn, Period(started - timedelta(hours=1), started + timedelta(hours=1),
                                            (call_id,)), dataclasses.replace(
        thresholds, sample=dataclasses.replace(thresholds.sample, min_turns=3, min_recorded_calls=1)))
    side = report.side_by_side
    print(f"service P50 {side.service_p50} ms, recording P50 {side.recording_p50} ms")
    assert side.turns == 3 and side.recording_p50 == pytest.approx(sorted(measured)[1])
    assert side.service_p50 is not None and side.mean_difference_ms is not None


async def test_an_unreadable_recording_is_stored_as_failed_with_the_reason(api: Api, conn: AsyncConnection) -> None:
    from shared.db.calls import NewCall, create_call

    call = await create_call(conn, NewCall(direction="outbound", call_type="test", call_sid="CA" + "ab" * 16))
    sid = api.fake.add_recording_media(b"RIFF-not-really-a-wav")
    response = await api.deliver(api.fake.recording_callback(call.call_sid or "", RECORDING_URL, recording_sid=sid))
    assert response.status_code == 204
    row = await (await conn.execute("SELECT status, detail FROM recording_analyses WHERE call_id = %s",
                                    (call.id,))).fetchone()
    assert row is not None and row[0] == "failed" and "WAV" in row[1]


def _wav(left: list[int], right: list[int]) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(struct.pack(f"<{2 * len(left)}h", *[v for pair in zip(left, right, strict=True)
                                                          for v in pair]))
    return buf.getvalue()


def test_a_mono_recording_is_refused_with_a_clear_reason() -> None:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x00" * 800)
    from shared.quality.recording_analysis import RecordingFormatError
    with pytest.raises(RecordingFormatError, match="expected 2 channels"):
        analyze_wav(buf.getvalue())


def test_silence_has_no_turns_and_overlaps_are_not_replies() -> None:
    assert analyze_wav(_wav([0] * 8000, [0] * 8000)).gaps == []
    caller = [Segment(0, 1000), Segment(3000, 4000)]
    agent = [Segment(900, 1500), Segment(4300, 5000)]   # the first starts before the caller finished
    assert [(g.turn, g.gap_ms) for g in reply_gaps(caller, agent)] == [(1, 300.0)]




async def test_configured_gaps_between_caller_speech_and_tts_audio_are_measured_within_20_ms() -> None:
    """Both channels from the fakes' own audio (espeak caller speech, the TTS fake's synthesiser) laid out with
    configured gaps on the bridge's 20 ms clock, independent of machine speed."""
    from tests.fakes.cartesia_tts import synthesize
    from tests.integration.quality.recorded_call import ULAW

    configured = [260, 480, 740, 1220]
    caller, agent = bytearray(b"\xff" * 4000), bytearray(b"\xff" * 4000)   # 0.5 s of silence first
    for i, gap in enumerate(configured):
        said = await spoken(LINES[i % len(LINES)])
        reply = await synthesize(f"Reply number {i + 1}. Thanks.", wpm=260)
        end = len(caller) + len(said)
        caller += said + b"\xff" * (gap * 8 + len(reply) + 6000)
        agent += b"\xff" * (end - len(agent) + gap * 8)
        agent += reply
        agent += b"\xff" * (len(caller) - len(agent))
    pcm = [v for a, b in zip(caller, agent, strict=True) for v in (ULAW[a], ULAW[b])]
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(struct.pack(f"<{len(pcm)}h", *pcm))
    gaps = analyze_wav(buf.getvalue()).gaps
    print("configured", configured, "measured", [g.gap_ms for g in gaps])
    assert [g.turn for g in gaps] == [1, 2, 3, 4]
    for want, got in zip(configured, gaps, strict=True):
        assert abs(got.gap_ms - want) <= 20, (want, got)
