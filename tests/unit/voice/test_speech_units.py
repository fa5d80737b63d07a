"""Units of the voice path: framing, VAD, the Twilio wire format, backchannels, heard-text truncation, events."""
from __future__ import annotations

import base64
import json
import uuid

import pytest

from shared.events.live import LiveEvent
from shared.speech.audio import FRAME_BYTES, SILENCE_FRAME, Reframer, loud_fraction
from shared.speech.vad import EnergyVad
from shared.telemetry.latency import TurnClock
from tests.fakes.speech_codec import noise_audio, parse_header, utterance_audio
from voice import twilio_serializer as wire
from voice.call import is_backchannel


def test_reframer_cuts_160_byte_frames_and_pads_the_final_partial_one_with_silence():
    r = Reframer()
    assert [len(f) for f in r.push(b"\x01" * 100)] == []
    frames = r.push(b"\x02" * 300)
    assert [len(f) for f in frames] == [160, 160]
    tail = r.flush()
    assert len(tail) == 1 and tail[0][:80] == b"\x02" * 80 and tail[0][80:] == b"\xff" * 80
    assert r.flush() == []


def test_vad_needs_consecutive_loud_frames_and_a_quiet_hangover():
    vad = EnergyVad(onset_frames=3, hangover_frames=2)
    loud = noise_audio(20)
    assert loud_fraction(loud) == 1.0 and loud_fraction(SILENCE_FRAME) == 0.0
    assert [vad.feed(loud, t) for t in (0.0, 0.02)] == [None, None]
    assert vad.feed(loud, 0.04) == "start" and vad.onset_at == 0.0
    assert vad.feed(SILENCE_FRAME, 0.06) is None
    assert vad.feed(SILENCE_FRAME, 0.08) == "end" and vad.last_loud_at == 0.04


def test_a_two_frame_click_is_not_speech():
    vad = EnergyVad(onset_frames=3)
    events = [vad.feed(f, i * 0.02) for i, f in enumerate([noise_audio(20)] * 2 + [SILENCE_FRAME] * 5)]
    assert events == [None] * 7


def test_twilio_frames_parse_to_typed_events():
    payload = base64.b64encode(b"\x7f" * FRAME_BYTES).decode()
    assert wire.parse(json.dumps({"event": "media", "media": {"payload": payload}})) == wire.Media(b"\x7f" * 160)
    start = wire.parse(json.dumps({"event": "start", "start": {"streamSid": "MZ1", "callSid": "CA1",
                                                                "customParameters": {"call_id": "x"}}}))
    assert start == wire.Start("MZ1", "CA1", {"call_id": "x"})
    assert wire.parse('{"event":"dtmf","dtmf":{"digit":"5"}}') == wire.Dtmf("5")
    assert wire.parse('{"event":"mark","mark":{"name":"1.0.10"}}') == wire.MarkEcho("1.0.10")
    assert wire.parse('{"event":"stop"}') == wire.Stop()
    assert wire.parse('{"event":"something-new"}') is None
    with pytest.raises(wire.ProtocolError):
        wire.parse("not json")
    with pytest.raises(wire.ProtocolError):
        wire.parse('{"event":"media"}')


def test_outbound_messages_have_twilio_shapes():
    media = json.loads(wire.media("MZ1", b"\x00\x01"))
    assert media == {"event": "media", "streamSid": "MZ1", "media": {"payload": "AAE="}}
    assert json.loads(wire.clear("MZ1")) == {"event": "clear", "streamSid": "MZ1"}
    assert json.loads(wire.mark("MZ1", "n")) == {"event": "mark", "streamSid": "MZ1", "mark": {"name": "n"}}


@pytest.mark.parametrize(("text", "expected"), [("Uh-huh.", True), ("okay", True), ("", True), ("mm-hmm", True),
                                                 ("wait", False), ("okay but I can't pay", False),
                                                 ("stop calling me", False)])
def test_backchannels_are_told_from_real_interruptions(text, expected):
    assert is_backchannel(text) is expected


def test_caller_speech_codec_round_trips_text_inside_loud_audio():
    audio = utterance_audio("my zip is 90210", duration_ms=400)
    assert len(audio) % FRAME_BYTES == 0 and len(audio) == 3200
    assert parse_header(audio, 0) == ("my zip is 90210", 3200, 4 + 12 + 30)
    shares = [loud_fraction(audio[i:i + 160]) for i in range(0, len(audio), 160)]
    assert sum(share >= 0.2 for share in shares) >= len(shares) * 0.8      # a voice: loud nearly throughout


def test_turn_clock_overhead_is_voice_to_voice_minus_vendor_time():
    c = TurnClock(turn=1, speech_end=10.0, stt_end=10.1, engine_start=10.101, llm_first_token=10.351,
                  first_sentence=10.352, tts_first_push=10.353, tts_first_byte=10.443, first_frame=10.445)
    f = c.figures()
    assert f["voice_to_voice_ms"] == 445.0 and f["stt_ms"] == 100.0 and f["llm_ttft_ms"] == 250.0
    assert f["tts_ttfb_ms"] == 90.0 and f["overhead_ms"] == 5.0


def test_live_event_round_trips_and_rejects_unknown_types():
    e = LiveEvent(type="latency", call_id=uuid.uuid4(), data={"voice_to_voice_ms": 420.5})
    assert LiveEvent.from_json(e.to_json()) == e
    with pytest.raises(ValueError):
        LiveEvent.from_json(json.dumps({"type": "gossip", "call_id": str(uuid.uuid4()), "at": e.at.isoformat()}))
