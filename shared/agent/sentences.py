"""Streamed text → sentence-sized chunks, so each can be guarded and spoken while the model is still talking."""
from __future__ import annotations

import re

# A sentence ends at . ! ? followed by whitespace — not inside '$1,250.00' or 'e.g.' mid-token.
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]?\s+")
_MIN_CHARS = 12


class SentenceBuffer:
    def __init__(self) -> None:
        self._buf = ""

    def feed(self, text: str) -> list[str]:
        """Add streamed text; return the complete sentences it finished."""
        self._buf += text
        out: list[str] = []
        start = 0
        for m in _BOUNDARY.finditer(self._buf):
            candidate = self._buf[start:m.start() + 1].strip()
            if len(candidate) >= _MIN_CHARS:
                out.append(candidate)
                start = m.end()
        self._buf = self._buf[start:]
        return out

    def flush(self) -> str | None:
        rest, self._buf = self._buf.strip(), ""
        return rest or None
