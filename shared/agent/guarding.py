"""Every sentence the agent is about to speak passes here: the engine's own disclosure and amount checks, then the
compliance output guard (shared.compliance.guard). A blocked sentence is replaced, never spoken."""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from shared.agent.numbers import format_money, normalize_numbers
from shared.compliance.guard import GuardContext, OutputGuard

_MONEY_RE = re.compile(r"\$\s?(\d[\d,]*(?:\.\d{1,2})?)|(\d[\d,]*(?:\.\d{1,2})?)\s*(?:dollars?|bucks)\b", re.I)
# Words that reveal a debt or collections purpose: never before the right party is verified.
_DEBT_WORDS = re.compile(r"\b(debt|balance|owe[sd]?|overdue|past due|collections?|payment|delinquent|arrears)\b", re.I)
_NEUTRAL = "I'm sorry, let me rephrase that."


@dataclass(frozen=True)
class Checked:
    text: str                       # what to speak
    violations: tuple[str, ...]     # empty when the sentence passed unchanged

    @property
    def blocked(self) -> bool:
        return bool(self.violations)


@dataclass(frozen=True)
class GuardFacts:
    verified: bool
    known_amounts: frozenset[Decimal]
    balance: Decimal | None = None
    lawsuit_permitted: bool = False
    garnishment_permitted: bool = False
    time_barred: bool = False


def stated_amounts(sentence: str) -> list[Decimal]:
    norm = normalize_numbers(sentence)
    out = []
    for a, b in _MONEY_RE.findall(norm):
        out.append(Decimal((a or b).replace(",", "")).quantize(Decimal("0.01")))
    return out


def check_amounts(sentence: str, facts: GuardFacts) -> Checked:
    """Amounts may only come from the database or a tool result; a wrong one is corrected from the record."""
    unknown = [a for a in stated_amounts(sentence) if a not in facts.known_amounts]
    if not unknown:
        return Checked(sentence, ())
    if facts.verified and facts.balance is not None:
        return Checked(f"To be precise, the balance on your account is {format_money(facts.balance)}.",
                       ("amount_mismatch",))
    return Checked(_NEUTRAL, ("amount_mismatch",))


def check_disclosure(sentence: str, facts: GuardFacts) -> Checked:
    if not facts.verified and _DEBT_WORDS.search(sentence):
        return Checked("Before we go on, I need to confirm I'm speaking with the right person.",
                       ("debt_before_verification",))
    return Checked(sentence, ())


class SpeechGuard:
    """The sentence gate: disclosure check, amount check, then the compliance output guard."""

    def __init__(self, output_guard: OutputGuard | None = None) -> None:
        self._upstream = output_guard or OutputGuard()

    def check(self, sentence: str, facts: GuardFacts, *, fixed: bool = False) -> Checked:
        if fixed:
            return Checked(sentence, ())      # signed-off disclosure text
        violations: list[str] = []
        text = sentence
        for step in (check_disclosure, check_amounts):
            res = step(text, facts)
            if res.blocked:
                violations.extend(res.violations)
                text = res.text
        ctx = GuardContext(verified=facts.verified, known_amounts=facts.known_amounts,
                           lawsuit_permitted=facts.lawsuit_permitted, garnishment_permitted=facts.garnishment_permitted,
                           time_barred=facts.time_barred)
        upstream = self._upstream.check(text, ctx)
        if not upstream.allowed:
            violations.extend(upstream.violations)
            text = upstream.text
        return Checked(text, tuple(dict.fromkeys(violations)))
