"""The streaming output guard: every agent sentence passes it before text-to-speech (COMPLIANCE §2).

A deterministic pattern layer (sync, well under a millisecond) plus an optional moderation hook that can only block.
"""
from __future__ import annotations

import asyncio
import logging
import re
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Protocol

from psycopg import AsyncConnection

from shared.db import compliance_records
from shared.pii import mask_text

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GuardContext:
    verified: bool                                   # right party verified on this call?
    known_amounts: frozenset[Decimal] = frozenset()  # amounts the agent may state (balance, policy, tool results)
    lawsuit_permitted: bool = False                  # from the customer record
    garnishment_permitted: bool = False
    time_barred: bool = False


@dataclass(frozen=True)
class GuardResult:
    allowed: bool
    text: str                      # what to speak: the original if allowed, else a safe rephrasing / neutral line
    violations: tuple[str, ...]    # machine codes, e.g. 'threat_arrest', 'amount_mismatch'


class ModerationHook(Protocol):
    """An extra (e.g. LLM) check. Returns violation codes; an empty sequence means no objection."""

    async def __call__(self, sentence: str, ctx: GuardContext) -> Sequence[str]: ...


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in parts))


# Patterns run on normalized text: lower case, ASCII, single spaces, apostrophes removed ("don't" → "dont").
_ARREST = _rx(
    r"\b(arrest(ed|ing)?|jail(ed)?|prison|imprison(ed|ment)?|incarcerat\w*|behind bars|locked up|lock you up)\b",
    r"\b(handcuff\w*|warrant for your|arrest warrant|bench warrant)\b",
    r"\b(police|sheriff|marshals?|cops?|deputies|deputy|law enforcement)\b.{0,40}\b(come|coming|sent|send|"
    r"show up|visit|pick you|door|after you|involved|called|notified)\b",
    r"\b(send|sending|call|calling|notify|notifying|contact|contacting)\b.{0,20}\b(the )?(police|sheriff|"
    r"cops|authorities|law enforcement)\b",
)
_VIOLENCE = _rx(
    r"\b(hurt|harm|beat|kill|shoot|stab|punch|break) (you|your)\b",
    r"\bwe know where you (live|work|sleep)\b",
    r"\b(you|your family) (will|could|might|are going to|gonna) (get hurt|regret|be sorry|pay for this)\b",
    r"\b(watch your back|something bad (will|could|might) happen|better watch out)\b",
)
_CRIME = _rx(
    r"\b(crime|criminal(ly)?|felony|felon|misdemeanou?r|prosecut\w*|indict\w*|charged with)\b",
    r"\b(you|your|youre|this is|that is|thats|its|considered|amounts to|counts as)\b.{0,30}\b(fraud\w*|"
    r"theft|thief|stealing|stole|steal|embezzl\w*)\b",
    r"\b(illegal|against the law|unlawful) (not to pay|to not pay|to ignore|for you)\b",
    r"\bbreaking the law\b",
    r"\b(is|are|was|be) (basically |just |like |considered |essentially |the same as )?(stealing|theft|fraud|a crime)\b",
)
_IMPERSONATION = _rx(
    r"\b(i am|im|i m|this is|speaking is|i work as) (a |an |the |your )?(attorney|lawyer|counsel|solicitor|paralegal|judge|"
    r"police officer|officer|detective|sheriff|marshal|federal agent|agent of the (irs|fbi|government|state|court))\b",
    r"\b(calling|call|contacting you) (from|on behalf of) (the )?(irs|fbi|internal revenue service|police|sheriffs? office|"
    r"district attorneys? office|attorney generals? office|department of justice|doj|court|courthouse|government|"
    r"federal government|state government|law (office|firm)|legal department)\b",
    r"\b(this is|from) (the )?(law offices?|law firm|legal department)\b",
    r"\b(officer|agent) of the (court|law|government)\b",
    r"\b(government|federal|state) (agency|official|agent|officer|investigator)\b",
    r"\bon behalf of (the )?(government|court|irs|fbi|police)\b",
)
_PROFANITY = _rx(
    r"\bf+[\W_]*[u*@#v0]+[\W_]*[c*k]+[\W_]*k*\w*",
    r"\bf\W*\*+\W*k\w*|\bf\*+\w*",
    r"\b(sh[i1!*]+t\w*|bull ?sh[i1!*]t|b[i1!*]tch\w*|bastard\w*|ass ?hole\w*|dumb ?ass|jackass|"
    r"damn(ed|it)?|goddamn\w*|crap|piss(ed)?|dick(head)?|prick|cunt|twat|wank\w*|motherf\w*|screw you)\b",
    r"\ba[s$*]{2}(?!\w)",
    r"\b(idiot|moron|imbecile|stupid|dumb|loser|deadbeat|scum(bag)?|lowlife|low life|worthless|pathetic|"
    r"liar|lazy bum|freeloader|parasite|trash|garbage person|bum)\b",
    r"\b(shut up|go to hell|drop dead|get a job)\b",
)
_LAWSUIT = _rx(
    r"\b(sue|sued|suing|lawsuits?|law suits?|litigat\w*|take (you|this|legal action|action) to court|"
    r"in court|to court|court (date|case|order|action|summons)|summons|subpoena\w*|judgm?ents? against)\b",
    r"\blegal (action|proceedings|steps|measures|consequences|remedies)\b",
    r"\b(file|filing|filed) (a |an )?(claim|case|complaint|suit) against\b",
)
_GARNISH = _rx(
    r"\b(garnish\w*|wage (attachment|deduction|levy)|levy (on )?your)\b",
    r"\b(take|taking|deduct|deducting|dock|docking|seize|seizing) (part of |a portion of |money from )?(your|from your) "
    r"(wages?|pay ?checks?|paychecks?|salary|pay|income|social security|benefits)\b",
    r"\b(contact|call|calling|notify|notifying|tell|telling) your (employer|boss|job|workplace|company)\b",
)
_SEIZE = _rx(
    r"\b(seize|seizing|seizure|repossess\w*|repo|foreclos\w*|confiscat\w*|impound\w*|levy|levies)\b",
    r"\b(take|taking|lose|losing) (away )?(your|you) (house|home|car|vehicle|truck|property|assets|belongings|savings)\b",
    r"\b(freeze|freezing|frozen|empty|emptying|drain|draining) (all )?(of )?your (bank )?(accounts?|savings|funds)\b",
    r"\blien (on|against)\b",
)
_FALSE_STATUS = _rx(
    r"\b(you have been|youve been|you are being|youre being) (served|sued|charged|reported to the police|investigated)\b",
    r"\b(case|complaint|claim|suit) (has been|was|is being) (filed|opened|submitted)\b",
    r"\b(this is your|final) (legal notice|notice before legal)\b",
    r"\bcredit (will be|is going to be) (ruined|destroyed)\b",
    r"\b(ruin|destroy) your (credit|life|reputation)\b",
)
# Debt words a third party (or an unverified listener) must never hear.
_DEBT_WORDS = _rx(
    r"\b(debts?|indebted|balances?|owe|owes|owed|owing|overdue|past due|late (payment|fee)|payments?|pay|paying|"
    r"repay\w*|collect|collects|collecting|collection|collections|collector|delinquen\w*|arrears|outstanding|"
    r"behind on|missed payments?|settle|settlement|default(ed)?|charge ?off|charged off|amount due|instal?lments?|"
    r"payment plan|past-due|in the red)\b",
)

_AMOUNT_NUM = re.compile(
    r"(?:\$|usd ?|us\$)\s*(\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?)(?:\s*(thousand|k)\b)?"
    r"|(\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?)\s*(thousand\s+)?(?:dollars?|bucks|usd)\b")
_NUMBER_WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                 "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
                 "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
                 "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_NUMBER_ALTS = "|".join(sorted([*_NUMBER_WORDS, *_SCALES, "and", "a"], key=len, reverse=True))
_WORD_AMOUNT = re.compile(r"\b((?:(?:" + _NUMBER_ALTS + r")[ -]?)+)\s*dollars?\b")

_SAFE_LINES = {
    "debt_before_verification": "Before we go any further, I need to make sure I'm speaking with the right person.",
    "amount_mismatch": "Let me make sure I give you the exact figure from your account.",
}
_NEUTRAL_LINE = "I'm here to help you find an option that works for you."

_TRANSLATE = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def normalize(text: str) -> str:
    """Lower-case ASCII with apostrophes dropped and whitespace collapsed: the form every pattern matches."""
    folded = unicodedata.normalize("NFKD", text.translate(_TRANSLATE)).encode("ascii", "ignore").decode()
    folded = folded.lower().replace("'", "")
    return " ".join(folded.split())


def _words_to_number(words: str) -> Decimal | None:
    total, current, seen = 0, 0, False
    for w in re.split(r"[ -]+", words.strip()):
        if w in _NUMBER_WORDS:
            current += _NUMBER_WORDS[w]
            seen = True
        elif w in _SCALES:
            current = max(current, 1) * _SCALES[w]
            if _SCALES[w] >= 1000:
                total, current = total + current, 0
            seen = True
        elif w not in ("and", "a", ""):
            return None
    return Decimal(total + current) if seen else None


def stated_amounts(normalized: str) -> list[Decimal]:
    """Money amounts in a normalized sentence: '$1,250.50', '300 dollars', 'two hundred dollars', '$2k'."""
    found: list[Decimal] = []
    for m in _AMOUNT_NUM.finditer(normalized):
        raw = (m.group(1) or m.group(3) or "").replace(",", "")
        try:
            value = Decimal(raw)
        except InvalidOperation:
            continue
        if m.group(2) or m.group(4):
            value *= 1000
        found.append(value)
    for m in _WORD_AMOUNT.finditer(normalized):
        value_or_none = _words_to_number(m.group(1))
        if value_or_none is not None:
            found.append(value_or_none)
    return found


def _cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "$": "s", "@": "a", "!": "i"})
_LEET_WORD = re.compile(r"\b(?=\w*[a-z])(?=\w*[013457$@!])[a-z0-9$@!]+\b")


_SPELLED = re.compile(r"\b(?:[a-z][.*_ -]){2,}[a-z]\b")


def _deleet(text: str) -> str:
    """'arr3st', 'g@rnish', 's.u.e' → 'arrest', 'garnish', 'sue': leet only inside words that also have letters, so
    amounts survive; letters spelled out one by one are joined."""
    text = _SPELLED.sub(lambda m: re.sub(r"[.*_ -]", "", m.group(0)), text)
    return _LEET_WORD.sub(lambda m: m.group(0).translate(_LEET), text)


def _any(pattern: re.Pattern[str], texts: tuple[str, ...]) -> bool:
    return any(pattern.search(t) for t in texts)


def find_violations(sentence: str, ctx: GuardContext) -> tuple[str, ...]:
    """Every rule the sentence breaks in this context (empty: it may be spoken)."""
    text = normalize(sentence)
    deleeted = _deleet(text)
    texts = (text,) if deleeted == text else (text, deleeted)
    found: list[str] = []
    checks = ((_ARREST, "threat_arrest"), (_VIOLENCE, "threat_violence"), (_CRIME, "crime_implication"),
              (_IMPERSONATION, "impersonation"), (_PROFANITY, "profanity"), (_FALSE_STATUS, "false_legal_status"))
    found.extend(code for pattern, code in checks if _any(pattern, texts))
    if _any(_LAWSUIT, texts):
        if ctx.time_barred:
            found.append("time_barred_suit")
        elif not ctx.lawsuit_permitted:
            found.append("lawsuit_threat")
    if not ctx.garnishment_permitted:
        if _any(_GARNISH, texts):
            found.append("garnishment")
        if _any(_SEIZE, texts):
            found.append("seizure")
    amounts = stated_amounts(text)
    if not ctx.verified and (amounts or _any(_DEBT_WORDS, texts)):
        found.append("debt_before_verification")
    known = {_cents(a) for a in ctx.known_amounts}
    if ctx.verified and any(_cents(a) not in known for a in amounts):
        found.append("amount_mismatch")
    return tuple(found)


def safe_text(violations: Sequence[str]) -> str:
    """The line spoken instead of a blocked sentence; it passes the guard in every context."""
    if violations and all(v in _SAFE_LINES for v in violations):
        return _SAFE_LINES[violations[0]]
    return _NEUTRAL_LINE


class OutputGuard:
    """Checks agent sentences before they are spoken; optional moderation runs only after the patterns pass."""

    def __init__(self, moderation: ModerationHook | None = None, *, moderation_timeout_s: float = 0.25) -> None:
        self._moderation = moderation
        self._timeout = moderation_timeout_s

    def check(self, sentence: str, ctx: GuardContext) -> GuardResult:
        violations = find_violations(sentence, ctx)
        if not violations:
            return GuardResult(True, sentence, ())
        return GuardResult(False, safe_text(violations), violations)

    async def check_async(self, sentence: str, ctx: GuardContext) -> GuardResult:
        result = self.check(sentence, ctx)
        if not result.allowed or self._moderation is None:
            return result
        try:
            flagged = tuple(await asyncio.wait_for(self._moderation(sentence, ctx), self._timeout))
        except (TimeoutError, Exception) as exc:  # the hook is optional: patterns passed
            log.warning("moderation hook unavailable: %s", type(exc).__name__)
            return result
        if not flagged:
            return result
        codes = tuple(c if c.startswith("moderation") else f"moderation_{c}" for c in flagged)
        return GuardResult(False, _NEUTRAL_LINE, codes)


async def record_block(conn: AsyncConnection, *, result: GuardResult, original: str, call_id: uuid.UUID | None,
                       customer_id: uuid.UUID | None) -> None:
    """Store a blocked sentence as a compliance event (category guard_block, one per violation code)."""
    details = {"violations": list(result.violations), "original": mask_text(original), "spoken": result.text}
    code = re.sub(r"[^a-z0-9_]", "_", result.violations[0].lower()) if result.violations else "blocked"
    await compliance_records.record_event(conn, category="guard_block", code=code, customer_id=customer_id,
                                          call_id=call_id, details=details)
