"""A dual-channel recording of a fake phone call, assembled as Twilio would from what the caller sent and heard.

The caller speaks real speech (espeak-ng through the TTS fake's synthesiser) behind the STT fake's marker; every
20 ms tick records the frame it sent (caller channel) and the frame it played (agent channel), so both channels
share one clock, like the bridge's recorder.
"""
from __future__ import annotations

import io
import struct
import wave
from typing import Any

from shared.speech.audio import FRAME_BYTES, SILENCE_FRAME, loud_fraction
from tests.fakes.cartesia_tts import synthesize
from tests.fakes.speech_codec import HEADER_FIXED, utterance_audio
from tests.fakes.twilio_caller import TICK_S, TwilioCaller


def _ulaw_to_linear(code: int) -> int:
    u = ~code & 0xFF
    magnitude = (((u & 0x0F) << 3) + 0x84 << ((u >> 4) & 0x07)) - 0x84
    return -magnitude if u & 0x80 else magnitude


ULAW = [_ulaw_to_linear(c) for c in range(256)]
_QUIET = 330  # shared.speech.audio.LOUD_THRESHOLD: what the caller fake itself calls "loud"


async def spoken(text: str) -> bytes:
    """Caller speech carrying `text` for the STT fake: its marker header, then espeak speech cut so that it ends
    (and starts) loud, in whole frames."""
    speech = await synthesize(text, wpm=190)
    loud = [i for i, c in enumerate(speech) if abs(ULAW[c]) > _QUIET]
    speech = speech[loud[0]:loud[-1] + 1]
    header_len = HEADER_FIXED + 2 * len(text.encode())
    frames = (header_len + len(speech)) // FRAME_BYTES
    audio = utterance_audio(text, frames * FRAME_BYTES // 8)
    assert len(audio) == frames * FRAME_BYTES
    return audio[:header_len] + speech[:len(audio) - header_len]


class RecordingCaller(TwilioCaller):
    """The Twilio caller fake, also keeping both channels tick by tick."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.caller_track: list[bytes] = []
        self.agent_track: list[bytes] = []

    async def _send(self, body: dict[str, Any]) -> None:
        if body.get("event") == "media":
            import base64

            self.caller_track.append(base64.b64decode(body["media"]["payload"]))
        await super()._send(body)

    async def _play_one(self, now: float) -> None:
        before = self.log.played_frames
        await self._echo_due_marks()
        head = self._playback[0] if self._playback and isinstance(self._playback[0], bytes) else None
        await super()._play_one(now)
        self.agent_track.append(head if head is not None and self.log.played_frames > before else SILENCE_FRAME)

    async def say_speech(self, audio: bytes) -> None:
        await self._speak(audio)

    def stereo_wav(self) -> bytes:
        """16-bit PCM 8 kHz WAV: channel 0 the caller, channel 1 the agent (as heard)."""
        ticks = min(len(self.caller_track), len(self.agent_track))
        caller = b"".join(self.caller_track[:ticks])
        agent = b"".join(self.agent_track[:ticks])
        interleaved = [v for a, b in zip(caller, agent, strict=True) for v in (ULAW[a], ULAW[b])]
        buf = io.BytesIO()
        with wave.open(buf, "wb") as wav:
            wav.setnchannels(2)
            wav.setsampwidth(2)
            wav.setframerate(8000)
            wav.writeframes(struct.pack(f"<{len(interleaved)}h", *interleaved))
        return buf.getvalue()

    def heard_gaps_ms(self) -> list[float]:
        """The truth on the tick clock: end of each caller utterance → first agent frame with sound after it."""
        tick_ms = TICK_S * 1000
        gaps, speaking = [], False
        for i, frame in enumerate(self.caller_track):
            if frame != SILENCE_FRAME:
                speaking = True
                continue
            if speaking:
                speaking = False
                first = next((j for j in range(i, len(self.agent_track))
                              if loud_fraction(self.agent_track[j]) > 0), None)
                if first is not None:
                    gaps.append((first - i) * tick_ms)
        return gaps
