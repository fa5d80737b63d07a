"""WS /guide in voice mode over the Cartesia fakes: a real spoken clip (espeak-ng → sox, PCM s16le 16 kHz) →
STT → transcript → the agent → `say` + PCM 24 kHz audio frames + per-turn metrics; push-to-talk and hands-free;
barge-in stops the audio; bad audio frames get clear errors and the session goes on."""
from __future__ import annotations

import asyncio
import logging

from tests.fakes.cartesia_stt import SttFakeConfig
from tests.fakes.cartesia_tts import TtsFakeConfig
from tests.integration.guide.conftest import guide_stack
from tests.integration.guide.support import open_guide, said, spoken_pcm16k, stream_pcm

STT = SttFakeConfig(start_latency_ms=20, end_latency_ms=60)
TTS = TtsFakeConfig(first_byte_ms=40, wpm=220, tempo=1.0)


def _audio_turn(messages, turn):
    kinds = [m["type"] for m in messages if m.get("turn") == turn]
    return kinds


async def test_push_to_talk_question_is_heard_answered_spoken_and_measured(seeded, pool):
    clip = spoken_pcm16k("go to the calls page")
    stt = SttFakeConfig(start_latency_ms=20, end_latency_ms=60, pcm_transcripts=["go to the calls page"])
    async with guide_stack(pool, stt=stt, tts=TTS) as stack:
        cm, g, ready = await open_guide(stack.base, "viewer-token", voice=True)
        try:
            assert ready["voice"] is True
            await g.send({"type": "ptt", "state": "down"})
            await stream_pcm(g, clip)
            await g.send({"type": "ptt", "state": "up"})
            seen = await g.until(lambda m: m["type"] == "audio_end", timeout=15)
            seen += await g.until(lambda m: m == {"type": "state", "state": "idle"})
        finally:
            await cm.__aexit__(None, None, None)
        assert stack.cartesia.stt.stats.transcripts == ["go to the calls page"]
        assert stack.cartesia.stt.stats.audio_bytes >= len(clip) - 640
    assert {"type": "transcript", "text": "go to the calls page", "final": True} in seen
    assert {"type": "action", "action": "navigate", "path": "/calls"} in seen
    say = next(m for m in seen if m["type"] == "say")
    assert say["text"] == "Here is the Calls page."
    start = next(m for m in seen if m["type"] == "audio_start")
    assert start == {"type": "audio_start", "turn": say["turn"], "sample_rate": 24000}
    audio = b"".join(chunk for _, chunk in g.audio)
    assert len(audio) > 24000 and len(audio) % 2 == 0          # > 0.5 s of PCM s16le 24 kHz speech
    metrics = next(m for m in seen if m["type"] == "metrics")
    assert metrics["turn"] == say["turn"]
    for key in ("eos_to_first_audio_ms", "stt_final_ms", "brain_ms", "tts_first_byte_ms", "overhead_ms"):
        assert isinstance(metrics[key], float | int), key
    assert metrics["eos_to_first_audio_ms"] >= metrics["stt_final_ms"] + metrics["tts_first_byte_ms"] - 1
    print("guide voice turn metrics:", metrics)


async def test_hands_free_turn_detection_ends_the_turn(seeded, pool, caplog):
    clip = spoken_pcm16k("how many calls today")
    stt = SttFakeConfig(start_latency_ms=20, end_latency_ms=60, pcm_transcripts=["how many calls today"],
                        pcm_end_silence_ms=300)
    caplog.set_level(logging.INFO, logger="voice.guide")
    async with guide_stack(pool, stt=stt, tts=TTS) as stack:
        cm, g, _ = await open_guide(stack.base, "viewer-token", voice=True)
        try:
            await stream_pcm(g, clip, trailing_silence_ms=600)
            seen = await g.until(lambda m: m["type"] == "audio_end", timeout=15)
            turn = next(m for m in seen if m["type"] == "metrics")["turn"]
            # The browser's own figure (its VAD's last voiced frame → first played sample) is checked and logged.
            for bad, expect in (({"turn": turn, "eos_to_first_audio_ms": -1}, "from 0 to 60000"),
                                ({"turn": turn, "eos_to_first_audio_ms": 60_001}, "from 0 to 60000"),
                                ({"turn": turn, "eos_to_first_audio_ms": "400"}, "from 0 to 60000"),
                                ({"turn": turn, "eos_to_first_audio_ms": True}, "from 0 to 60000"),
                                ({"turn": turn + 5, "eos_to_first_audio_ms": 400}, "turn"),
                                ({"eos_to_first_audio_ms": 400}, "turn")):
                await g.send({"type": "client_metrics", **bad})
                m = await g.until(lambda m: m["type"] == "error")
                assert expect in m[-1]["message"], (bad, m)
            await g.send({"type": "client_metrics", "turn": turn, "eos_to_first_audio_ms": 712.5})
            seen += await g.ask("go to tactics")                # no error in between; the session goes on
        finally:
            await cm.__aexit__(None, None, None)
    assert {"type": "transcript", "text": "how many calls today", "final": True} in seen
    assert "There were 0 calls today" in said(seen)
    assert not [m for m in seen if m["type"] == "error"]
    metrics = next(m for m in seen if m["type"] == "metrics")
    assert metrics["stt_final_ms"] == 0.0 and metrics["eos_to_first_audio_ms"] > 0
    logged = [r for r in caplog.records if r.getMessage() == "guide turn figures"]
    assert len(logged) == 1 and logged[0].turn == turn and logged[0].client_eos_to_first_audio_ms == 712.5
    assert logged[0].server_eos_to_first_audio_ms == metrics["eos_to_first_audio_ms"]


async def test_interrupt_stops_archers_audio(seeded, pool):
    slow = TtsFakeConfig(first_byte_ms=30, chunk_interval_ms=100, late_chunks_after_cancel=2)
    async with guide_stack(pool, stt=STT, tts=slow) as stack:
        cm, g, _ = await open_guide(stack.base, "viewer-token", voice=True)
        try:
            await g.send({"type": "text", "text": "what is this page?"})
            await g.until(lambda m: m["type"] == "audio_start")
            while not g.audio:                                 # the first audio frame
                raw = await asyncio.wait_for(g.ws.recv(), 5)
                if isinstance(raw, bytes):
                    g.audio.append((0.0, raw))
            await g.send({"type": "interrupt"})
            after = await g.until(lambda m: m == {"type": "state", "state": "listening"})
            n = len(g.audio)
            with_late = await asyncio.wait_for(_drain(g, 0.6), 5)
            assert not any(m["type"] == "audio_end" for m in after + with_late)
            assert len(g.audio) - n <= 3                    # at most what was already in flight
            assert stack.cartesia.tts.stats.cancelled        # Cartesia was told to stop
            total = sum(len(c) for _, c in g.audio)
            seen = await g.ask("go to tactics")                # the session goes on
            assert {"type": "action", "action": "navigate", "path": "/tactics"} in seen
        finally:
            await cm.__aexit__(None, None, None)
    assert total < 24000 * 2 * 3                               # far less than the whole answer


async def _drain(g, seconds):
    out = []
    try:
        async with asyncio.timeout(seconds):
            while True:
                out.append(await g.next(timeout=seconds + 1))
    except TimeoutError:
        pass
    return out


async def test_bad_audio_frames_get_clear_errors(seeded, pool):
    async with guide_stack(pool, stt=STT, tts=TTS) as stack:
        cm, g, _ = await open_guide(stack.base, "viewer-token", voice=True)
        try:
            await g.ws.send(b"\x01\x02\x03")
            m = await g.next()
            assert m["type"] == "error" and "whole number of samples" in m["message"]
            await g.ws.send(bytes(40_000))
            m = await g.next()
            assert m["type"] == "error" and "limited to" in m["message"]
            await g.send({"type": "ptt", "state": "up"})
            m = await g.next()
            assert m["type"] == "error" and "ptt up without ptt down" in m["message"]
            seen = await g.ask("go to quality")
            assert {"type": "action", "action": "navigate", "path": "/quality"} in seen
        finally:
            await cm.__aexit__(None, None, None)


async def test_the_tour_narrates_with_audio_in_voice_mode_and_stops(seeded, pool):
    fast = TtsFakeConfig(first_byte_ms=20, wpm=400, tempo=2.0, chunk_interval_ms=5)
    async with guide_stack(pool, stt=STT, tts=fast) as stack:
        cm, g, _ = await open_guide(stack.base, "viewer-token", voice=True)
        try:
            await g.send({"type": "tour", "action": "start"})
            seen = await g.until(lambda m: m["type"] == "tour" and m.get("step") == 1, timeout=20)
            kinds = [m["type"] for m in seen]
            assert kinds.index("say") < kinds.index("audio_start") < kinds.index("audio_end")
            assert g.audio                                  # step 0 was spoken
            await g.send({"type": "tour", "action": "stop"})
            await g.until(lambda m: m["type"] == "tour" and m["state"] == "stopped")
            await asyncio.sleep(0.5)        # the fake's speech synthesis of the cut-off step finishes
        finally:
            await cm.__aexit__(None, None, None)
