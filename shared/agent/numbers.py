"""Spoken numbers: number words to digits, amounts, account digits and postal codes from a caller's words.

Speech-to-text gives "one two three four" or "eight hundred seventy five dollars"; tools need 1234 and 875.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_UNITS = {"zero": 0, "oh": 0, "o": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
          "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
          "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
         "ninety": 90}
_SCALES = {"hundred": 100, "thousand": 1000}
_NUMBER_WORDS = set(_UNITS) | set(_TENS) | set(_SCALES)
_TOKEN_RE = re.compile(r"[A-Za-z]+|\d[\d,]*(?:\.\d+)?|\S")


def _run_value(words: list[str]) -> int:
    """Value of one run of number words ('twelve hundred fifty' → 1250, 'one thousand two hundred' → 1200)."""
    total, current = 0, 0
    for w in words:
        if w in _UNITS:
            current += _UNITS[w]
        elif w in _TENS:
            current += _TENS[w]
        elif w == "hundred":
            current = max(current, 1) * 100
        elif w == "thousand":
            total += max(current, 1) * 1000
            current = 0
    return total + current


def _is_digit_sequence(words: list[str]) -> bool:
    """'one two three four': each word a single digit, spoken one by one (an account number, not a sum)."""
    return len(words) >= 2 and all(w in _UNITS and _UNITS[w] <= 9 for w in words)


def _flush(run: list[str], out: list[str]) -> None:
    if not run:
        return
    if run == ["o"]:
        out.append("o")
    elif _is_digit_sequence(run):
        out.append("".join(str(_UNITS[w]) for w in run))
    else:
        out.append(str(_run_value(run)))
    run.clear()


def normalize_numbers(text: str) -> str:
    """Replace number words by numerals, keeping everything else: 'eight hundred and five dollars' → '805 dollars'."""
    out: list[str] = []
    run: list[str] = []
    tokens = _TOKEN_RE.findall(text.replace("-", " "))
    for i, tok in enumerate(tokens):
        low = tok.lower()
        if low in _NUMBER_WORDS or (low == "o" and run):
            run.append(low)
            continue
        nxt = tokens[i + 1].lower() if i + 1 < len(tokens) else ""
        if low == "and" and run and nxt in _NUMBER_WORDS and not _is_digit_sequence(run):
            continue                                    # "eight hundred and five"
        _flush(run, out)
        out.append(tok)
    _flush(run, out)
    return _join(out)


def _join(tokens: list[str]) -> str:
    text = ""
    for tok in tokens:
        glued = text.endswith("$") or (text.endswith(":") and tok.isdigit())
        if text and not (tok in ",.?!;:%" or glued):
            text += " "
        text += tok
    return text


_AMOUNT_RE = re.compile(r"\$\s?(\d[\d,]*(?:\.\d{1,2})?)|(\d[\d,]*(?:\.\d{1,2})?)\s*(?:dollars?|bucks|usd)\b",
                        re.IGNORECASE)
_BARE_NUMBER_RE = re.compile(r"(?<![\d:])(\d[\d,]*(?:\.\d{1,2})?)(?![\d:])")


def _to_decimal(raw: str) -> Decimal | None:
    try:
        return Decimal(raw.replace(",", "")).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


def parse_amounts(text: str, *, allow_bare: bool = False) -> list[Decimal]:
    """Every money amount in the text, in order ('$875', '875 dollars', 'eight seventy five dollars'...).

    With allow_bare, plain numbers count too (the caller answering 'how much?' with 'five hundred').
    """
    norm = normalize_numbers(text)
    norm = re.sub(r"(\d+) dollars? and (\d{1,2}) cents?", r"\1.\2 dollars", norm)
    found = [_to_decimal(a or b) for a, b in _AMOUNT_RE.findall(norm)]
    if not found and allow_bare:
        found = [_to_decimal(n) for n in _BARE_NUMBER_RE.findall(norm)]
    return [a for a in found if a is not None]


def spoken_digits(text: str) -> str:
    """All the digits the caller said, in order ('four eight two one' → '4821')."""
    return re.sub(r"\D", "", normalize_numbers(text))


_CA_POSTAL_RE = re.compile(r"\b([A-Za-z])\s*(\d)\s*([A-Za-z])\s*-?\s*(\d)\s*([A-Za-z])\s*(\d)\b")
_ZIP_RE = re.compile(r"(?<!\d)(\d{5})(?:[- ]?(\d{4}))?(?!\d)")
_LAST4_RE = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def normalize_postal(raw: str) -> str:
    """Canonical postal code: 'k1a 0b1' → 'K1A0B1'; ZIP+4 '10001-1234' → '10001'."""
    compact = re.sub(r"[\s-]", "", normalize_numbers(raw)).upper()
    compact = re.sub(r"[^A-Z0-9]", "", compact)
    if re.fullmatch(r"\d{9}", compact):
        return compact[:5]
    return compact


def find_postal_code(text: str) -> str | None:
    """A US ZIP (ZIP+4 allowed) or Canadian postal code said anywhere in the utterance."""
    norm = normalize_numbers(text)
    ca = _CA_POSTAL_RE.search(norm.replace(" o ", " 0 "))
    if ca:
        return "".join(ca.groups()).upper()
    z = _ZIP_RE.search(norm)
    return z.group(1) if z else None


def find_last4(text: str) -> str | None:
    """Four account digits said anywhere in the utterance (a 4-digit group, or the last 4 of a longer run)."""
    norm = normalize_numbers(text)
    m = _LAST4_RE.search(norm)
    if m:
        return m.group(1)
    longer = re.search(r"(?<!\d)\d{8,16}(?!\d)", norm)
    return longer.group(0)[-4:] if longer else None


def format_money(amount: Decimal) -> str:
    """'$1,250.00' — the one way an amount is written for speech and compared by the guard."""
    return f"${amount.quantize(Decimal('0.01')):,.2f}"
