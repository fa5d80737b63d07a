"""Reading ordinary phrasing: yes/no variants, payment methods, what the caller wants (pay in full, plan,
settlement, callback), months and down payments. Used by the rules brain."""
from __future__ import annotations

import re
from decimal import Decimal

from shared.agent.numbers import find_amounts, normalize_numbers, parse_amounts

_YES = re.compile(r"\b(yes|yeah|yep|yup|sure|ok(ay)?|alright|all right|fine|correct|that works|sounds good|"
                  r"go ahead|please do|absolutely|of course|definitely|let'?s do (it|that)|do that|i agree|"
                  r"speaking|that'?s me|this is (she|he|him|her|me)|it'?s me|i am|deal)\b")
_NO = re.compile(r"\b(no|nope|nah|not really|i can'?t|cannot|don'?t|doesn'?t work|too (much|high)|no thanks|"
                 r"not (now|today|interested)|negative|(not|never|won'?t|refuse to) (going to |gonna )?pay(ing)?)\b")
_THIRD_PARTY = re.compile(r"\b(not (here|home|available|in)|isn'?t (here|home|available|in)|(he|she)'?s (out|away|"
                          r"at work|not)|this is (his|her|their) (wife|husband|partner|son|daughter|mother|father|"
                          r"mom|dad|brother|sister|roommate|friend)|i'?m (his|her|their) (wife|husband|partner|son|"
                          r"daughter|mother|father|mom|dad|brother|sister|roommate|friend)|can i take a message)\b")
_DONE = re.compile(r"\b(that'?s (all|it)|nothing else|no,? thanks?|no thank you|goodbye|bye|i'?m good|all set|"
                   r"that will be all|we'?re done|i'?m done)\b")


def _low(text: str) -> str:
    return text.lower().replace("’", "'")


def is_yes(text: str) -> bool:
    low = _low(text)
    if re.search(r"\b(can'?t|cannot|won'?t|don'?t|not)\b", low):
        return bool(re.match(r"\s*(yes|yeah|yep|sure)\b", low))
    return bool(_YES.search(low)) and not re.match(r"\s*(no|nope|nah)\b", low)


def is_no(text: str) -> bool:
    low = _low(text)
    return bool(_NO.search(low)) and not re.match(r"\s*(yes|yeah|yep|sure)\b", low)


def is_third_party(text: str) -> bool:
    return bool(_THIRD_PARTY.search(_low(text)))


def is_done(text: str) -> bool:
    return bool(_DONE.search(_low(text)))


_NO_METHOD = re.compile(r"\b(don'?t|do not|didn'?t|can'?t|cannot|no|not|haven'?t|lost|forgot|without) (have |got |"
                        r"find |use |with me )?(my |a |the |any )?(card|bank|phone|checking)\b|\bask my bank\b|"
                        r"\bmy bank (said|says|told|is)\b")


def payment_method(text: str) -> str | None:
    """How the caller wants to pay, only when they say so ('text me the link', 'by bank transfer', 'pay with my
    card'); a word in passing ('I don't have my card', 'I'll ask my bank') is not a choice."""
    low = _NO_METHOD.sub(" ", _low(text))
    if re.fullmatch(r"\W*((by|with|use|using) )?(my |a |the )?(debit |credit |visa |mastercard )?card( please)?\W*", low):
        return "sms_link"                  # 'Card.' as the answer: a card is paid through the secure link
    if re.search(r"\b(text|sms|link|message me|by message|online|(pay|use|with|by) (my |a |the )?(debit |credit )?"
                 r"card|debit card|credit card)\b", low):
        return "sms_link"
    if re.search(r"\b(bank transfer|transfer|wire|ach|direct debit|(from|with|by) (my )?(bank|checking)( account)?|"
                 r"bank account)\b", low):
        return "bank_transfer"
    return None


def wants_full(text: str) -> bool:
    return bool(re.search(r"\b(in full|full (amount|balance|payment)|whole (thing|amount|balance)|pay (it )?all|"
                          r"entire (balance|amount)|pay (off )?everything|everything at once|pay it off|"
                          r"all of it)\b", _low(text)))


def wants_plan(text: str) -> bool:
    low = _low(text)
    return bool(re.search(r"\b(plan|instal+ments?|monthly|per month|a month|payments over|spread)\b", low)) or \
        months_in(text) is not None


def wants_callback(text: str) -> bool:
    return bool(re.search(r"\b(call (me )?back|callback|call me (later|tomorrow|on|at|next)|another time|"
                          r"better time|not a good time|busy right now|call later)\b", _low(text)))


def months_in(text: str) -> int | None:
    m = re.search(r"\b(\d{1,2})[- ]?months?\b", normalize_numbers(_low(text)))
    if m:
        return int(m.group(1))
    if re.search(r"\b(a|one) year\b", _low(text)):
        return 12
    if re.search(r"\bhalf (a )?year\b", _low(text)):
        return 6
    return None


def down_payment_in(text: str) -> Decimal:
    """An amount said together with 'down', 'up front' or 'today' ('300 down and 6 months')."""
    norm = normalize_numbers(_low(text))
    m = re.search(r"(\$?\s?\d[\d,]*(?:\.\d{1,2})?)\s*(?:dollars?\s*)?(down|up ?front|today|now|to start)", norm)
    if m:
        found = parse_amounts(m.group(1), allow_bare=True)
        if found:
            return found[0]
    m = re.search(r"(down payment|up ?front|put down)\D{0,20}(\$?\s?\d[\d,]*(?:\.\d{1,2})?)", norm)
    if m:
        found = parse_amounts(m.group(2), allow_bare=True)
        if found:
            return found[0]
    return Decimal("0")


def offered_amount(text: str) -> Decimal | None:
    """A lump sum the caller offers ('I can pay 500', 'settle for eight hundred seventy five dollars')."""
    found = find_amounts(text)
    if not found and re.search(r"\b(settle|offer|pay|give|afford|manage|do|have|make it|how about|what about)\b",
                               _low(text)):
        found = [a for a in find_amounts(text, allow_bare=True) if a >= 10]
    return found[-1] if found else None                 # the latest amount the caller stated wins
