"""μ-law 8 kHz audio as Twilio and Cartesia exchange it: 20 ms frames of 160 bytes, silence, loudness.

Everything here works on raw bytes with C-level byte operations so it stays cheap at hundreds of calls.
"""
from __future__ import annotations

SAMPLE_RATE = 8000
FRAME_MS = 20
FRAME_BYTES = SAMPLE_RATE * FRAME_MS // 1000      # 160
SILENCE_BYTE = 0xFF                               # μ-law code for zero amplitude
SILENCE_FRAME = bytes([SILENCE_BYTE]) * FRAME_BYTES


def _magnitude(code: int) -> int:
    """Linear magnitude (0..32124) of a μ-law code (ITU-T G.711)."""
    u = ~code & 0xFF
    exponent = (u >> 4) & 0x07
    mantissa = u & 0x0F
    return ((mantissa << 3) + 0x84 << exponent) - 0x84


# Bytes whose amplitude is above roughly -40 dBFS map to 1, the rest to 0: `frame.translate(...).count(1)`
# counts loud samples in C.
LOUD_THRESHOLD = 330
_LOUD_TABLE = bytes(1 if _magnitude(c) > LOUD_THRESHOLD else 0 for c in range(256))


def loud_fraction(frame: bytes) -> float:
    """Share of samples in the frame louder than the speech threshold."""
    if not frame:
        return 0.0
    return frame.translate(_LOUD_TABLE).count(1) / len(frame)


def duration_ms(audio: bytes) -> float:
    return len(audio) * 1000 / SAMPLE_RATE


class Reframer:
    """Re-cuts arbitrarily sized μ-law chunks into 160-byte frames; `flush` pads the final partial frame."""

    def __init__(self) -> None:
        self._pending = bytearray()

    def push(self, chunk: bytes) -> list[bytes]:
        self._pending += chunk
        whole = len(self._pending) - len(self._pending) % FRAME_BYTES
        if whole == 0:
            return []
        out = [bytes(self._pending[i:i + FRAME_BYTES]) for i in range(0, whole, FRAME_BYTES)]
        del self._pending[:whole]
        return out

    def flush(self) -> list[bytes]:
        if not self._pending:
            return []
        frame = bytes(self._pending) + bytes([SILENCE_BYTE]) * (FRAME_BYTES - len(self._pending))
        self._pending.clear()
        return [frame]
