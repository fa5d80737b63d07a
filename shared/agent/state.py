"""One call's conversation state: who we are talking to, what was disclosed, and the negotiation both brains share —
what the agent is waiting for, the caller's stated offers, the figures the engine put to the caller, agreed terms.

The engine feeds it the caller's words (`hear_caller`); tools read and write it; the `rules` brain and the `llm`
brain's per-request facts read it, so a fallback mid-call keeps the thread. Nothing here touches the database.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from shared.agent.brains import language as lang
from shared.agent.numbers import find_amounts, format_money

Phase = Literal["identify", "verify", "negotiate", "closing", "ended"]
TermsKind = Literal["full", "settlement", "plan"]
MAX_VERIFICATION_ATTEMPTS = 2
CENT = Decimal("0.01")


def cents(value: Decimal | str | int) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


@dataclass(frozen=True)
class Terms:
    """Payment terms put to the caller or agreed: the figure process_payment takes and every figure naming them."""

    kind: TermsKind
    amount: Decimal                            # what process_payment is called with (total, or a plan's first payment)
    figures: frozenset[Decimal] = frozenset()  # other figures naming the same terms (plan total, instalment)
    months: int | None = None

    def names(self, amount: Decimal) -> bool:
        return cents(amount) == self.amount or cents(amount) in self.figures

    def spoken(self) -> str:
        if self.kind == "plan":
            return f"the {self.months}-month plan, with {format_money(self.amount)} due first"
        if self.kind == "full":
            return f"the full balance of {format_money(self.amount)}"
        return f"a one-time settlement of {format_money(self.amount)}"


def caller_amounts(text: str) -> list[Decimal]:
    """Money the caller stated ('$500', 'five hundred dollars', 'make it nine hundred'), in order — the caller's own
    words, parsed (never 911, chapter numbers, phone numbers, dates or counts), never the model's arguments."""
    found = find_amounts(text) or find_amounts(text, allow_bare=True)
    return [cents(a) for a in found if a > 0]


@dataclass
class CallState:
    phase: Phase = "identify"
    right_party: bool = False                 # the person said they are the customer
    third_party: bool = False                 # someone else answered: location script only
    verified: bool = False
    verification_attempts: int = 0
    pending_last4: str | None = None          # factors heard so far (rules brain), never logged
    pending_postal: str | None = None
    disclosures: list[str] = field(default_factory=list)
    options: dict[str, Any] | None = None
    options_offered: bool = False
    last_plan: dict[str, Any] | None = None
    settlement_counter: Decimal | None = None  # the agent's latest settlement figure (from negotiation_guidance)
    counters_made: int = 0
    arrangement: dict[str, Any] | None = None
    callback: dict[str, Any] | None = None
    intents: list[str] = field(default_factory=list)
    hardship: bool = False
    disputed: bool = False
    outcome: str | None = None
    ended: bool = False
    end_reason: str | None = None
    awaiting: str | None = None               # what the agent last asked for (both brains, via the tools)
    pending_amount: Decimal | None = None     # the figure of the terms on the table (proposed or agreed)
    silences: int = 0
    turn: int = 0
    known_amounts: set[Decimal] = field(default_factory=set)
    # ---- the negotiation, decided from the call (never from a model's arguments) ----
    caller_offers: list[Decimal] = field(default_factory=list)    # amounts the caller stated, in order
    engine_offers: list[Decimal] = field(default_factory=list)    # figures tools put to the caller, in order
    proposal: Terms | None = None             # terms put to the caller, awaiting their yes
    agreed: Terms | None = None               # terms the caller agreed to (or stated themselves)
    wants_full: bool = False                  # the caller asked to pay the whole balance
    caller_method: str | None = None          # 'sms_link' | 'bank_transfer', as the caller said it
    refusals: int = 0                         # the caller declined what was on the table
    refusals_of_time: int = 0                 # the caller declined a proposed callback time
    alt_plan: dict[str, Any] | None = None    # the nearest valid plan offered after a refused one
    alt_time: str | None = None               # the nearest allowed callback time offered
    last_lines: list[str] = field(default_factory=list)  # the agent's recent sentences (no verbatim repeats)

    @property
    def attempts_left(self) -> int:
        return max(MAX_VERIFICATION_ATTEMPTS - self.verification_attempts, 0)

    def remember_amounts(self, *amounts: Decimal | None) -> None:
        """Amounts from the database or a tool result: the only ones the agent may say."""
        for a in amounts:
            if a is not None:
                self.known_amounts.add(cents(a))

    def note_spoken(self, text: str) -> None:
        """The agent's sentences as spoken (after the guard), so neither brain repeats one verbatim."""
        self.last_lines.extend(s for s in re.split(r"(?<=[.?!])\s+", text.strip()) if s)
        del self.last_lines[:-12]

    # ---- the caller's words ---------------------------------------------------------------------------------
    def hear_caller(self, text: str) -> None:
        """Update the negotiation from what the caller said (after verification: before it, digits are factors)."""
        if not self.verified:
            return
        method = lang.payment_method(text)
        if method:
            self.caller_method = method
        yes, no = lang.is_yes(text), lang.is_no(text)
        amounts = caller_amounts(text)
        if amounts:
            latest = amounts[-1]
            self.caller_offers.append(latest)
            if self.proposal is not None and self.proposal.names(latest) and not no:
                self._agree(self.proposal)
            elif self.agreed is not None and not self.agreed.names(latest):
                self.agreed = None                 # the latest amount the caller states wins
                self.proposal = None
        elif self.proposal is not None and (yes or (method and not no)):
            self._agree(self.proposal)
        elif self.proposal is not None and no:
            self.proposal = None
        if lang.wants_full(text) and not no:
            self.wants_full = True

    def _agree(self, terms: Terms) -> None:
        self.agreed = terms
        self.proposal = None
        self.pending_amount = terms.amount

    # ---- what tools put to the caller ----------------------------------------------------------------------
    def propose(self, terms: Terms, awaiting: str) -> None:
        """Terms the agent is putting to the caller; a yes (or a payment method) in their next words agrees."""
        self.proposal = terms
        self.awaiting = awaiting
        self.pending_amount = terms.amount
        self.engine_offers.append(terms.amount)
        self.remember_amounts(terms.amount, *terms.figures)

    def accept_offer(self, terms: Terms) -> None:
        """The caller stated these terms and the engine accepts them."""
        self._agree(terms)
        self.engine_offers.append(terms.amount)
        self.remember_amounts(terms.amount)
        self.awaiting = "payment_method"

    def agreement_for(self, amount: Decimal, balance: Decimal) -> Terms | None:
        """The agreed terms this amount names, or None: nobody agreed to it on this call."""
        amount = cents(amount)
        if self.agreed is not None and self.agreed.names(amount):
            return self.agreed
        if amount == cents(balance) and (self.wants_full or any(o >= cents(balance) for o in self.caller_offers[-1:])):
            return Terms("full", amount)
        return None

    def latest_caller_offer(self) -> Decimal | None:
        return self.caller_offers[-1] if self.caller_offers else None

    def summary(self) -> dict[str, Any]:
        """The state as the prompt and the call record see it (no verification factors)."""
        out: dict[str, Any] = {
            "phase": self.phase, "verified": self.verified, "third_party": self.third_party,
            "verification_attempts_left": self.attempts_left, "disclosures_played": list(self.disclosures),
            "options_offered": self.options_offered, "arrangement_made": self.arrangement is not None,
            "callback_scheduled": self.callback is not None, "intents": list(self.intents),
            "hardship": self.hardship, "disputed": self.disputed}
        if self.verified:
            out.update({
                "awaiting": self.awaiting,
                "caller_offers": [format_money(a) for a in self.caller_offers[-3:]],
                "our_offers": [format_money(a) for a in self.engine_offers[-3:]],
                "on_the_table": self.proposal.spoken() if self.proposal else None,
                "agreed": self.agreed.spoken() if self.agreed else None,
                "caller_payment_method": self.caller_method,
            })
        return out
