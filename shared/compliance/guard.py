"""The streaming output guard — the one gate every agent sentence passes before text-to-speech (COMPLIANCE §2).

A deterministic pattern layer (sync, well under a millisecond) plus an optional moderation hook that can only block.
Amounts are read in figures and in words ("two hundred eight dollars and thirty-three cents"); the caller's and the
engine's offers may be named back; a wrong figure is replaced by the tool's figure (never the balance) when there is
one. `SpeechGuard` is the engine's sentence gate (fixed disclosure text passes as signed off).
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
    offers: frozenset[Decimal] = frozenset()         # the caller's stated offers and the engine's own offers
    tool_figure: Decimal | None = None               # the latest figure a tool put to the caller (for corrections)


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

# Hints of the debt that carry no debt word: before verification they disclose as much as "balance" would.
_NUM_WORD = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|" \
            r"sixty|seventy|eighty|ninety|hundred|thousand)"
_DEBT_HINTS = _rx(
    r"\b(money|funds|amount|sum|payment)\b.{0,40}\b(we|you|i)\b.{0,12}\b(havent|have not|hasnt|has not|didnt|did not|"
    r"never)\b.{0,12}\b(received|paid|sent|got|gotten|made|come in)\b",
    r"\b(\d+|" + _NUM_WORD + r"|several|a few|a couple of|many) (months?|weeks?|days?|payments?) (behind|late|overdue)\b",
    r"\b(fall|fallen|fell|falling|gotten|got|getting) behind\b",
    r"(?<!last )\b(\d[\d,.]*|" + _NUM_WORD + r")( dollars?)? (on|for) your (visa|mastercard|master card|amex|american "
    r"express|discover|credit card|card|loan|mortgage|line of credit|account)\b",
    r"\b(money|amount|sum|charges?|spending)\b.{0,20}\bon your (visa|mastercard|amex|credit card|card|loan)\b",
)
# Escalation threats the record never supports: legal team, collections attorneys, bureaus, "final notice".
_LEGAL_ESCALATION = _rx(
    r"\b(refer\w*|sen[dt]|sending|forward\w*|turn\w* (it |this |the account |your account )?over|hand\w* (it |this )?over|"
    r"escalat\w*|pass\w* (it |this )?(on|along)|goes|go|going|transfer\w* (it|this|the account|your account)|"
    r"assign\w*|place\w*|move\w*)\b.{0,25}\b(our|the|a|an|outside|external)( banks?)? (collections? |outside |external )?"
    r"(attorneys?|lawyers?|law firm|legal (team|department|counsel|division)|collections? (agency|agencies|department))\b",
    r"\bcollections? (attorneys?|lawyers?)\b",
    r"\b(our|the banks) legal (team|department|division)\b",
)
_CREDIT_THREAT = _rx(
    r"\b(report\w*|notify\w*|tell\w*|inform\w*|send\w*|flag\w*)\b.{0,30}\b(credit (bureaus?|agenc\w+|reporting)|"
    r"equifax|experian|transunion|trans union)\b",
    r"\b(will|could|may|might|going to|gonna|can)\b.{0,15}\b(hurt|damage|ruin|affect|hit|lower|drop|tank)\w* your "
    r"credit\b",
)
_FINAL_NOTICE = _rx(
    r"\b(this is|its|it is|consider this|treat this as) (your|a|the|our) (final|last) (notice|warning|chance|"
    r"opportunity|reminder|call)\b",
    r"\bfinal (notice|warning|demand)\b",
    r"\blast chance\b",
)
# Waivers of the debt itself (a fee waiver can be bank policy; forgiving the balance never comes from a tool).
_WAIVER = _rx(
    r"\b(ive|i have|we have|weve|ill|well|we will|i will|i can|we can|im going to|were going to|i|we) (just |already )?"
    r"(waive|waived|waiving|forgive|forgiven|forgave|wipe|wiped|erase|erased|write off|written off|wrote off)\b.{0,25}"
    r"\b(balance|debt|rest|remaining|remainder|everything|all of it|whole thing|account)\b",
    r"\b(balance|debt|rest|remaining|remainder|remaining amount) (is|are|has been|have been|will be|would be|gets?|can "
    r"be) (fully |completely |all )?(waived|forgiven|wiped( out| away| clean)?|erased|cancell?ed|written off)\b",
    r"\b(waive|forgive|wipe out|write off|cancel) (the |your )?(rest|remaining|remainder|balance|debt)\b",
)
_DISCOUNT = _rx(
    r"\b(\d+|" + _NUM_WORD + r"|half|a quarter)( ?(percent|%|per cent))? (off|discount|reduction)\b",
    r"\bdiscount(s|ed)?\b",
    r"\b(\d+ ?%|\w+ percent) (less|lower|cheaper)\b",
)
_CREDIT_PROMISE = _rx(
    r"\b(wont|will not|doesnt|does not|would not|wouldnt|never|not going to|shouldnt|should not|cant|cannot) "
    r"(\w+ )?(affect|hurt|impact|damage|harm|show up on|appear on|be reported|go on|touch)\b.{0,15}\bcredit\b",
    r"\b(improve|boost|raise|fix|repair|clean|restore|rebuild|help)\w* (up )?your credit\b",
    r"\b(remove|removed|delete|deleted|taken off|wiped|erased) (it |this |the account )?(from|off) your credit\b",
    r"\bcredit (score|rating|report|file) (will|would|is going to|should) (go up|improve|recover|be fine|be clean|"
    r"be cleared|be restored)\b",
)
_DEADLINE = _rx(
    r"\b(pay|paid|payment|settle|decide|decision|respond|offer|deal|arrangement|commit\w*)\b.{0,30}\b(by|before|until|"
    r"no later than|within) (monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|tonight|today|this "
    r"(week|weekend|month)|end of (the )?(day|week|month)|close of business|the end of|\d+ (hours?|days?)|"
    r"(one|two|three|five|seven|ten|fourteen|thirty|twenty four|forty eight) (hours?|days?))\b",
    r"\b(offer|deal|this|it|rate|settlement|figure|price) (expires|ends|runs out|goes away|is (only )?(good|valid|"
    r"available) (until|through|till|for|today))\b",
    r"\b(today|tonight|this week) only\b",
    r"\bonly (good|valid|available|open) (until|through|till|for|today)\b",
)
_LEAKAGE = _rx(
    r"\b(system prompt|my (instructions|prompt|programming|guidelines|rules|settings|configuration|tactic|persona|"
    r"script)|(tactic|style) (settings?|config\w*|called|named|is set)|aggressive anchor|balanced progression|"
    r"empathetic gradual|stern tactic)\b",
    r"\b(urgency|empathy|persistence|authority)\b.{0,20}\b(\d+|out of ten|level|setting|score|dial|band)\b",
    r"\bi (was|am|have been|ve been|ive been) (instructed|programmed|told|configured|prompted) to\b",
    r"\b(compliance rules|my rules) (say|tell|require|forbid|dont allow)\b",
)
_NUMBER_WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                 "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
                 "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
                 "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_NUMBER_ALTS = "|".join(sorted([*_NUMBER_WORDS, *_SCALES, "and", "a"], key=len, reverse=True))
_WORDS_RUN = r"(?:(?:" + _NUMBER_ALTS + r")\b[ -]?)+"
_FIGURE = r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?"
# Figures: "$1,250.50", "$2k", "300 dollars", "208 dollars and 33 cents"; words: "two hundred eight dollars and
# thirty-three cents". Matched case-insensitively on the sentence as written, so a wrong one can be replaced in place.
_AMOUNT_NUM = re.compile(
    r"(?:\$|\busd ?|\bus\$)\s*(" + _FIGURE + r")(?:\s*(thousand|k)\b)?"
    r"|\b(" + _FIGURE + r")\s*(thousand\s+)?(?:dollars?|bucks|usd)\b(?:\s+and\s+(\d{1,2})\s+cents?\b)?", re.I)
_WORD_AMOUNT = re.compile(r"\b(" + _WORDS_RUN + r")\s*dollars?\b(?:\s+and\s+(" + _WORDS_RUN + r")\s*cents?\b)?",
                          re.I)
_HEDGE = re.compile(r"\b(about|around|roughly|approximately|nearly|almost|just (over|under)|a (little|bit) "
                    r"(over|under|more than|less than)|close to)\s*$", re.I)
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
    for w in re.split(r"[ -]+", words.strip().lower()):
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


@dataclass(frozen=True)
class AmountSpan:
    start: int
    end: int
    value: Decimal
    hedged: bool                    # "about $208": a rounded figure, not a claim to the cent


def amount_spans(text: str) -> list[AmountSpan]:
    """Every money amount in the text, with where it is: figures first, then amounts in words."""
    found: list[AmountSpan] = []
    for m in _AMOUNT_NUM.finditer(text):
        raw = (m.group(1) or m.group(3) or "").replace(",", "")
        try:
            value = Decimal(raw)
        except InvalidOperation:
            continue
        if m.group(2) or m.group(4):
            value *= 1000
        if m.group(5):
            value += Decimal(int(m.group(5))) / 100
        found.append(AmountSpan(m.start(), m.end(), value, bool(_HEDGE.search(text[max(0, m.start() - 24):m.start()]))))
    taken = [(a.start, a.end) for a in found]
    for m in _WORD_AMOUNT.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        value_or_none = _words_to_number(m.group(1))
        if value_or_none is None:
            continue
        if m.group(2):
            cents_value = _words_to_number(m.group(2))
            if cents_value is not None and cents_value < 100:
                value_or_none += cents_value / 100
        found.append(AmountSpan(m.start(), m.end(), value_or_none,
                                bool(_HEDGE.search(text[max(0, m.start() - 24):m.start()]))))
    return found


def stated_amounts(text: str) -> list[Decimal]:
    """Money amounts in a sentence: '$1,250.50', '300 dollars', 'two hundred dollars', '$2k'."""
    return [a.value for a in amount_spans(text)]


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


def unknown_amounts(sentence: str, ctx: GuardContext) -> list[AmountSpan]:
    """Amounts that came from neither the record, a tool, nor an offer on the table (a hedged round figure within a
    dollar of a known one passes: "about $208 a month")."""
    allowed = {_cents(a) for a in ctx.known_amounts} | {_cents(a) for a in ctx.offers}
    out = []
    for span in amount_spans(sentence):
        value = _cents(span.value)
        if value in allowed or (span.hedged and any(abs(value - a) < 1 for a in allowed)):
            continue
        out.append(span)
    return out


def find_violations(sentence: str, ctx: GuardContext) -> tuple[str, ...]:
    """Every rule the sentence breaks in this context (empty: it may be spoken)."""
    text = normalize(sentence)
    deleeted = _deleet(text)
    texts = (text,) if deleeted == text else (text, deleeted)
    found: list[str] = []
    checks = ((_ARREST, "threat_arrest"), (_VIOLENCE, "threat_violence"), (_CRIME, "crime_implication"),
              (_IMPERSONATION, "impersonation"), (_PROFANITY, "profanity"), (_FALSE_STATUS, "false_legal_status"),
              (_LEGAL_ESCALATION, "legal_escalation_threat"), (_FINAL_NOTICE, "false_urgency"),
              (_WAIVER, "waiver_promise"), (_DISCOUNT, "discount_promise"), (_CREDIT_PROMISE, "credit_outcome_promise"),
              (_DEADLINE, "invented_deadline"), (_LEAKAGE, "prompt_leakage"))
    found.extend(code for pattern, code in checks if _any(pattern, texts))
    if "credit_outcome_promise" not in found and _any(_CREDIT_THREAT, texts):
        found.append("credit_threat")
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
    amounts = amount_spans(sentence)
    if not ctx.verified and (amounts or _any(_DEBT_WORDS, texts) or _any(_DEBT_HINTS, texts)):
        found.append("debt_before_verification")
    if ctx.verified and unknown_amounts(sentence, ctx):
        found.append("amount_mismatch")
    return tuple(found)


def safe_text(violations: Sequence[str]) -> str:
    """The line spoken instead of a blocked sentence; it passes the guard in every context."""
    if violations and all(v in _SAFE_LINES for v in violations):
        return _SAFE_LINES[violations[0]]
    return _NEUTRAL_LINE


def _money(amount: Decimal) -> str:
    return f"${_cents(amount):,.2f}"


def corrected(sentence: str, ctx: GuardContext) -> str | None:
    """The sentence with its one wrong figure replaced by the tool's figure, when that is all that is wrong."""
    wrong = unknown_amounts(sentence, ctx)
    if ctx.tool_figure is None or len(wrong) != 1:
        return None
    span = wrong[0]
    fixed = sentence[:span.start] + _money(ctx.tool_figure) + sentence[span.end:]
    return fixed if find_violations(fixed, ctx) == () else None


class OutputGuard:
    """Checks agent sentences before they are spoken; optional moderation runs only after the patterns pass."""

    def __init__(self, moderation: ModerationHook | None = None, *, moderation_timeout_s: float = 0.25) -> None:
        self._moderation = moderation
        self._timeout = moderation_timeout_s

    def check(self, sentence: str, ctx: GuardContext) -> GuardResult:
        violations = find_violations(sentence, ctx)
        if not violations:
            return GuardResult(True, sentence, ())
        if violations == ("amount_mismatch",):
            fixed = corrected(sentence, ctx)
            if fixed is not None:
                return GuardResult(False, fixed, violations)
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


@dataclass(frozen=True)
class Checked:
    text: str                       # what to speak
    violations: tuple[str, ...]     # empty when the sentence passed unchanged

    @property
    def blocked(self) -> bool:
        return bool(self.violations)


class SpeechGuard:
    """The engine's sentence gate: fixed, signed-off disclosure text passes; everything else is checked."""

    def __init__(self, output_guard: OutputGuard | None = None) -> None:
        self._guard = output_guard or OutputGuard()

    def check(self, sentence: str, ctx: GuardContext, *, fixed: bool = False) -> Checked:
        if fixed:
            return Checked(sentence, ())
        result = self._guard.check(sentence, ctx)
        return Checked(result.text, result.violations)


async def record_block(conn: AsyncConnection, *, result: GuardResult, original: str, call_id: uuid.UUID | None,
                       customer_id: uuid.UUID | None) -> None:
    """Store a blocked sentence as a compliance event (category guard_block, one per violation code)."""
    details = {"violations": list(result.violations), "original": mask_text(original), "spoken": result.text}
    code = re.sub(r"[^a-z0-9_]", "_", result.violations[0].lower()) if result.violations else "blocked"
    await compliance_records.record_event(conn, category="guard_block", code=code, customer_id=customer_id,
                                          call_id=call_id, details=details)
