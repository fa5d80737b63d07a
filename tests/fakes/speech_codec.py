"""How the scripted caller's words travel inside its μ-law audio, so the STT fake can "recognise" them.

An utterance starts with a marker, the speech length and the text (nibble-coded, so every byte is loud: ~6 ms),
followed by real speech (espeak-ng, cached; loud filler when espeak-ng/sox are missing); noise is loud filler
without a marker; silence is 0xFF. The service's VAD hears a voice, as it would on a real line.
"""
from __future__ import annotations

import random

from shared.speech.audio import FRAME_BYTES, SILENCE_BYTE

MARKER = bytes([0x1A, 0x9A, 0x1A, 0x9A])
_FILLER = bytes(random.Random(7).choice([*range(0x20, 0x40), *range(0xA0, 0xC0)]) for _ in range(4096))


def _nibbles(data: bytes) -> bytes:
    out = bytearray()
    for b in data:
        out += bytes([b >> 4, 0x80 | (b & 0x0F)])
    return bytes(out)


def _unnibble(data: bytes) -> bytes:
    return bytes(((data[i] & 0x0F) << 4) | (data[i + 1] & 0x0F) for i in range(0, len(data) - 1, 2))


_VOICE_TEXT = ("Well I was going to say that I would rather talk about this on another day because right now "
               "is really not a good time for me and I have to go")
_voice: list[bytes] = []


def voice_bed() -> bytes:
    """A few seconds of a real voice (μ-law 8 kHz), made once per process."""
    if not _voice:
        from tests.fakes import noisy_line

        audio = b""
        if noisy_line.available():
            try:
                audio = noisy_line.to_ulaw(noisy_line.speech_clip(_VOICE_TEXT, "en-us"))
            except Exception:
                audio = b""
        _voice.append(audio or _FILLER)
    return _voice[0]


def _filler(n: int, source: bytes = _FILLER) -> bytes:
    reps = n // len(source) + 1
    return (source * reps)[:n]


def utterance_audio(text: str, duration_ms: int | None = None) -> bytes:
    """Speech frames (whole 160-byte frames) carrying `text`; default length ~60 ms per character, ≥ 300 ms."""
    body = text.encode()
    if duration_ms is None:
        duration_ms = max(300, 60 * len(text))
    total = max(duration_ms * 8, len(MARKER) + 12 + 2 * len(body))
    total += -total % FRAME_BYTES
    header = MARKER + _nibbles(len(body).to_bytes(2, "big")) + _nibbles(total.to_bytes(4, "big")) + _nibbles(body)
    return header + _filler(total - len(header), voice_bed())


def noise_audio(duration_ms: int) -> bytes:
    n = duration_ms * 8
    return _filler(n + (-n % FRAME_BYTES))


def silence(duration_ms: int) -> bytes:
    return bytes([SILENCE_BYTE]) * (duration_ms * 8)


HEADER_FIXED = len(MARKER) + 4 + 8


def parse_header(buf: bytes, at: int) -> tuple[str, int, int] | None:
    """(text, total speech bytes, header bytes) of an utterance whose marker is at `at`; None until complete."""
    if len(buf) < at + HEADER_FIXED:
        return None
    text_len = int.from_bytes(_unnibble(buf[at + 4:at + 8]), "big")
    total = int.from_bytes(_unnibble(buf[at + 8:at + 16]), "big")
    end = at + HEADER_FIXED + 2 * text_len
    if len(buf) < end:
        return None
    return _unnibble(buf[at + HEADER_FIXED:end]).decode(errors="replace"), total, end - at
