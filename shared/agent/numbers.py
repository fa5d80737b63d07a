"""Spoken numbers: number words to digits, money amounts, account digits and postal codes from a caller's words.

Speech-to-text gives "one two three four", "twelve fifty" or "eight hundred seventy five dollars"; tools need
1234, 1250 and 875. The one public reading of money is `parse_money` (the latest amount the caller stated) and
`find_amounts` (every amount, in order); numbers that are not money ("911", "chapter 13", phone numbers, dates,
clock times, counts of months) are never returned as amounts.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

__all__ = ["find_amounts", "find_last4", "find_postal_code", "format_money", "normalize_numbers", "normalize_postal",
           "parse_amounts", "parse_money", "spoken_digits"]

_UNITS = {"zero": 0, "oh": 0, "o": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
          "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
          "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
         "ninety": 90}
_SCALES = {"hundred": 100, "thousand": 1000}
_NUMBER_WORDS = set(_UNITS) | set(_TENS) | set(_SCALES)
_TOKEN_RE = re.compile(r"[A-Za-z]+|\d[\d,]*(?:\.\d+)?|\S")


def _colloquial_hundreds(words: list[str]) -> int | None:
    """'twelve fifty' → 1250, 'eight seventy five' → 875, 'nine oh five' → 905: hundreds said without 'hundred'."""
    if len(words) < 2 or words[0] not in _UNITS or not 1 <= _UNITS[words[0]] <= 99:
        return None
    rest = words[1:]
    if rest[0] in ("oh", "o") and len(rest) == 2 and rest[1] in _UNITS and 1 <= _UNITS[rest[1]] <= 9:
        return _UNITS[words[0]] * 100 + _UNITS[rest[1]]
    if rest[0] in _TENS and (len(rest) == 1 or (len(rest) == 2 and rest[1] in _UNITS and 1 <= _UNITS[rest[1]] <= 9)):
        return _UNITS[words[0]] * 100 + _TENS[rest[0]] + (_UNITS[rest[1]] if len(rest) == 2 else 0)
    if len(rest) == 1 and rest[0] in _UNITS and 10 <= _UNITS[rest[0]] <= 19:
        return _UNITS[words[0]] * 100 + _UNITS[rest[0]]        # 'nine fifteen'
    return None


def _run_value(words: list[str]) -> int:
    """Value of one run of number words ('twelve hundred fifty' → 1250, 'one thousand two hundred' → 1200)."""
    colloquial = _colloquial_hundreds(words)
    if colloquial is not None:
        return colloquial
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
    return len(words) >= 2 and all(w in _UNITS and _UNITS[w] <= 9 for w in words) and \
        not (len(words) == 2 and words[1] in ("oh", "o"))


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
    """Replace number words by numerals, keeping everything else: 'eight hundred and five dollars' → '805 dollars',
    'a hundred and a half' → '150', 'one and a half thousand' → '1500', 'a grand' → '1 grand'."""
    out: list[str] = []
    run: list[str] = []
    tokens = _TOKEN_RE.findall(text.replace("-", " "))
    lows = [t.lower() for t in tokens]
    i = 0
    while i < len(tokens):
        tok, low = tokens[i], lows[i]
        nxt = lows[i + 1] if i + 1 < len(tokens) else ""
        if low in _NUMBER_WORDS or (low == "o" and run):
            run.append(low)
            i += 1
            continue
        if low == "a" and not run and (nxt in _SCALES or nxt == "grand"):
            run.append("one")                           # 'a hundred', 'a thousand', 'a grand'
            i += 1
            continue
        if low == "and" and run and lows[i + 1:i + 3] == ["a", "half"] and not _is_digit_sequence(run):
            half = _and_a_half(run, lows[i + 3] if i + 3 < len(tokens) else "")
            if half is not None:                        # 'a hundred and a half', 'one and a half thousand'
                value, used = half
                out.append(str(value))
                run.clear()
                i += 3 + used
                continue
        if low == "and" and run and nxt in _NUMBER_WORDS and not _is_digit_sequence(run) and \
                any(w in _SCALES for w in run):
            i += 1
            continue                                    # "eight hundred and five"
        _flush(run, out)
        out.append(tok)
        i += 1
    _flush(run, out)
    return _join(out)


def _and_a_half(run: list[str], after: str) -> tuple[int, int] | None:
    """The value of a run followed by 'and a half', and how many words after 'half' it took: a scale ends the run
    ('a hundred and a half' = 150) or follows it ('one and a half thousand' = 1500); else not money ('two and a half
    months' stays as it is)."""
    if run[-1] in _SCALES:
        return _run_value(run) * 3 // 2, 0
    scale = _SCALES.get(after) or (1000 if after == "grand" else None)
    if scale is not None and not any(w in _SCALES for w in run):
        return _run_value(run) * scale + scale // 2, 1
    return None


def _join(tokens: list[str]) -> str:
    text = ""
    for tok in tokens:
        glued = text.endswith("$") or (text.endswith(":") and tok.isdigit())
        if text and not (tok in ",.?!;:%" or glued):
            text += " "
        text += tok
    return text


# ---- money ------------------------------------------------------------------------------------------------------
_NUM = r"\d[\d,]*(?:\.\d{1,2})?"
_MONEY_RE = re.compile(rf"\$\s?(?P<a>{_NUM})(?:\s*(?:k|grand)\b)?|(?P<b>{_NUM})\s*(?P<k>k|grand)?\s*(?:dollars?|bucks|usd)\b"
                       rf"|(?P<c>{_NUM})\s*(?:k|grand)\b", re.IGNORECASE)
_BARE_RE = re.compile(r"(?<![\d:$.])(\d[\d,]*(?:\.\d{1,2})?)(?![\d:]|\.\d)")
# Words right before a number that make it something other than money.
_NOT_MONEY_BEFORE = re.compile(
    r"\b(chapter|ch|call|calling|called|dial|dialed|dialling|dialing|number|no|extension|ext|room|apartment|apt|"
    r"suite|unit|page|case|zip|postal|code|last|digits?|account|acct|ending( in)?|ends( in)?|route|highway|"
    r"interstate|exit|floor|line|option|press|step|age|aged|since|in|at|around|by|before|after|until|til|till|"
    r"from|the|on|of the|out of|balance( of)?|owe|owed|owing|than|about the|top|lot|i'?m|im|i am|he'?s|she'?s|"
    r"times?|version|model|year)\s*$", re.IGNORECASE)
# Words right after a number that make it something other than money.
_NOT_MONEY_AFTER = re.compile(
    r"^\s*(?:-|\s)?(st|nd|rd|th|am|a\.m\.|a m\b|pm|p\.m\.|p m\b|o'?clock|oclock|months?|mos?|weeks?|days?|years?|"
    r"yrs?|hours?|hrs?|minutes?|mins?|seconds?|percent|%|times|kids|children|people|payments?|instal+ments?|"
    r"installments?|digits?|of (january|february|march|april|may|june|july|august|september|october|november|"
    r"december|the month|next month|this month)|(january|february|march|april|may|june|july|august|september|"
    r"october|november|december)\b|:\d|calls?|phone|miles?|kilometers?|pounds|lbs|feet|ft|inches|degrees|"
    r"year old|years old|or so days)", re.IGNORECASE)
_EMERGENCY_NUMBERS = {"911", "988", "411", "311", "999", "112"}
_PHONE_RE = re.compile(r"(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}\b")


def _to_decimal(raw: str) -> Decimal | None:
    try:
        return Decimal(raw.replace(",", "")).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


def _money_text(text: str) -> str:
    """The caller's words with phone numbers removed, numbers as numerals and cents folded in."""
    text = _PHONE_RE.sub(" phone ", text)
    norm = normalize_numbers(text)
    norm = re.sub(r"(\d+) dollars? and (\d{1,2}) cents?", r"\1.\2 dollars", norm, flags=re.IGNORECASE)
    norm = re.sub(r"(\d+) dollars? (\d{2})\b(?! ?(?:dollars|cents|months|days))", r"\1.\2 dollars", norm,
                  flags=re.IGNORECASE)
    return norm


def _bare_is_money(norm: str, start: int, end: int, raw: str) -> bool:
    digits = raw.replace(",", "").split(".")[0]
    if digits in _EMERGENCY_NUMBERS or len(digits) >= 7 or (len(digits) > 1 and digits.startswith("0")):
        return False
    before, after = norm[:start], norm[end:]
    if _NOT_MONEY_BEFORE.search(before) or _NOT_MONEY_AFTER.match(after):
        return False
    if re.search(r"\b(last (4|four)|account|digits|ending|zip|postal|phone|number)\b[^.?!]{0,20}$", before,
                 re.IGNORECASE):
        return False                                    # 'the last 4 are 1234', 'my zip is 10001'
    if re.search(r"\d\s*$", before) or re.match(r"\s*\d", after):
        return False                                    # part of a run of separate numbers (digits read out)
    return Decimal(raw.replace(",", "")) > 0


def _scaled(raw: str, k: str | None) -> Decimal | None:
    value = _to_decimal(raw)
    if value is not None and k:
        value = (value * 1000).quantize(Decimal("0.01"))
    return value


def find_amounts(text: str, *, allow_bare: bool = False) -> list[Decimal]:
    """Every money amount in the caller's words, in the order said ('$875', '875 dollars', 'eight seventy five
    dollars', '2k'). With `allow_bare`, plain numbers count too ('make it nine hundred instead'), except numbers
    that are clearly something else: 911, 'chapter 13', phone numbers, account digits, dates ('the 15th'), clock
    times ('at 3', '7 am'), durations and counts ('6 months', '2 kids')."""
    norm = _money_text(text)
    found: list[tuple[int, Decimal]] = []
    taken: list[tuple[int, int]] = []
    for m in _MONEY_RE.finditer(norm):
        raw = m.group("a") or m.group("b") or m.group("c")
        k = m.group("k") if m.group("b") else (None if m.group("a") else "k")
        if m.group("a") and re.search(r"(k|grand)\s*$", m.group(0), re.IGNORECASE):
            k = "k"
        value = _scaled(raw, k)
        if value is not None:
            found.append((m.start(), value))
            taken.append(m.span())
    if allow_bare:
        for m in _BARE_RE.finditer(norm):
            if any(s <= m.start() < e for s, e in taken):
                continue
            if _bare_is_money(norm, m.start(), m.end(), m.group(1)):
                value = _to_decimal(m.group(1))
                if value is not None:
                    found.append((m.start(), value))
    return [v for _, v in sorted(found, key=lambda p: p[0])]


def parse_money(text: str, *, allow_bare: bool = True) -> Decimal | None:
    """The amount the caller stated in this utterance; when several, the latest one ('I said eight hundred, make it
    nine hundred' → 900). None when no amount was stated (never a phone number, 911, a date or 'chapter 13')."""
    found = find_amounts(text, allow_bare=allow_bare)
    return found[-1] if found else None


def parse_amounts(text: str, *, allow_bare: bool = False) -> list[Decimal]:
    """Every amount, in order (the older name of `find_amounts`; kept for existing callers)."""
    if not allow_bare:
        return find_amounts(text)
    explicit = find_amounts(text)
    return explicit or find_amounts(text, allow_bare=True)


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
    grouped = re.search(r"(?<!\d)\d{4}(?:[ -]\d{4}){1,3}(?!\d)", norm)
    if grouped:                          # '5555 4444 3333 4821': a whole card number read in groups
        return grouped.group(0)[-4:]
    m = _LAST4_RE.search(norm)
    if m:
        return m.group(1)
    longer = re.search(r"(?<!\d)\d{8,16}(?!\d)", norm)
    return longer.group(0)[-4:] if longer else None


def format_money(amount: Decimal) -> str:
    """'$1,250.00' — the one way an amount is written for speech and compared by the guard."""
    return f"${amount.quantize(Decimal('0.01')):,.2f}"
