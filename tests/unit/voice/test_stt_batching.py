"""The STT stream's send policy: how the caller's frames are grouped into websocket messages, and which never wait."""
from __future__ import annotations

from typing import Any

from shared.speech.stt import IDLE_BATCH_FRAMES, SPEECH_BATCH_FRAMES, SttStream


class RecordingConn:
    """A connection whose sends complete at once; records each message's frame count."""

    def __init__(self) -> None:
        self.messages: list[int] = []

    async def send_raw(self, chunk: bytes) -> None:
        self.messages.append(len(chunk) // 160)


def stream() -> tuple[SttStream, RecordingConn]:
    stt = SttStream(client=None, on_event=lambda event: None)  # type: ignore[arg-type]
    conn = RecordingConn()
    stt._conn = conn
    stt._connected.set()
    return stt, conn


def feed(stt: SttStream, n: int, **flags: Any) -> None:
    for i in range(n):
        stt.send_audio(bytes([i % 256]) * 160, **flags)


async def test_quiet_audio_between_turns_goes_in_half_second_messages():
    stt, conn = stream()
    feed(stt, 2 * IDLE_BATCH_FRAMES + 3, urgent=False)
    assert conn.messages == [IDLE_BATCH_FRAMES, IDLE_BATCH_FRAMES]


async def test_the_voices_first_frame_flushes_the_held_audio_at_once_and_speech_goes_in_40_ms_messages():
    stt, conn = stream()
    feed(stt, 3, urgent=False)
    feed(stt, 1, urgent=True)
    assert conn.messages == [4]                      # the onset takes the held quiet audio with it, now
    feed(stt, 5, urgent=True)
    assert conn.messages == [4, *[SPEECH_BATCH_FRAMES] * 2]


async def test_the_end_of_the_voice_flushes_at_once():
    stt, conn = stream()
    feed(stt, 2, urgent=True)
    assert conn.messages == [1]                      # the second frame held ...
    feed(stt, 1, urgent=False)
    assert conn.messages == [1, 2]                   # ... until the voice ends: never longer


async def test_inside_a_recognised_turn_quiet_audio_still_goes_in_40_ms_messages():
    stt, conn = stream()
    stt._dispatch(type("Event", (), {"type": "turn.start"})())
    feed(stt, 6, urgent=False)
    assert conn.messages == [2, 2, 2]


async def test_nothing_is_sent_on_a_closed_stream():
    stt, conn = stream()
    stt._closed = True
    feed(stt, 30, urgent=True)
    assert conn.messages == []


def turn_event(kind: str) -> object:
    return type("Event", (), {"type": kind})()


async def test_once_the_recogniser_ended_the_turn_the_quiet_after_it_waits_and_a_new_voice_flushes_at_once():
    stt, conn = stream()
    stt._dispatch(turn_event("turn.start"))
    feed(stt, 2, urgent=True, voiced=True)
    assert conn.messages == [1]                      # the onset at once, then 40 ms messages
    stt._dispatch(turn_event("turn.end"))
    feed(stt, 1, urgent=True, voiced=False)          # still "urgent" to the VAD (speech ended < 0.5 s ago) ...
    assert conn.messages == [1, 2]                   # ... but the turn is over: what was held goes, and then
    feed(stt, 10, urgent=True, voiced=False)
    assert conn.messages == [1, 2]                   # the quiet waits for a 500 ms message
    feed(stt, 1, urgent=True, voiced=True)
    assert conn.messages == [1, 2, 11]               # a new voice: everything held goes at once
    feed(stt, 2, urgent=True, voiced=False)
    assert conn.messages == [1, 2, 11, 2]            # and it is speech again (40 ms messages)


async def test_without_a_vad_the_stream_keeps_its_40_ms_messages_after_a_turn():
    stt, conn = stream()
    stt._dispatch(turn_event("turn.start"))
    stt._dispatch(turn_event("turn.end"))
    feed(stt, 4)                                     # urgent, voicing unknown (the browser guide's audio)
    assert conn.messages == [1, 2]
