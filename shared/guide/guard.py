"""The guide's output check: nothing Archer says or shows in a chat line carries a full phone or account number.
Phone-like runs are masked as the logs mask them (shared/pii.py: '+1******0101'); any other run of 6+ digits keeps
only its last two. Amounts ($1,250.00), percentages and latencies pass untouched."""
from __future__ import annotations

import re

from shared.pii import mask_phone

_PHONE = re.compile(r"\+?\d[\d\s().-]{8,}\d")
_LONG_DIGITS = re.compile(r"(?<![\d$,.])\d{6,}(?![\d,.]*\d)")
_AMOUNT = re.compile(r"\$\s?\d[\d,]*(?:\.\d+)?")


def safe_say(text: str) -> str:
    """The sentence with phone and account numbers masked (amounts kept)."""
    kept: list[str] = []

    def hold(m: re.Match[str]) -> str:
        kept.append(m.group(0))
        return f"\x00{len(kept) - 1}\x00"

    out = _AMOUNT.sub(hold, text)
    out = _PHONE.sub(lambda m: mask_phone(m.group(0)) if sum(c.isdigit() for c in m.group(0)) >= 10
                     else m.group(0), out)
    out = _LONG_DIGITS.sub(lambda m: "*" * (len(m.group(0)) - 2) + m.group(0)[-2:], out)
    return re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m.group(1))], out)


def sentences(text: str) -> list[str]:
    """Split an answer into the sentences sent one `say` each (numbers like 41.7 and $1,250.00 stay whole)."""
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z0-9\"'])", text.strip())
    return [p for p in (x.strip() for x in parts) if p]
