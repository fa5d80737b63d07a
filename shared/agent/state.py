"""One call's conversation state: who we are talking to, what was disclosed, offered and agreed.

The engine owns it; tools and brains read it and tools change it. Nothing here touches the database.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

Phase = Literal["identify", "verify", "negotiate", "closing", "ended"]
MAX_VERIFICATION_ATTEMPTS = 2


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
    awaiting: str | None = None               # what the agent last asked for (rules brain)
    pending_amount: Decimal | None = None     # an amount agreed but not yet processed (awaiting a method)
    silences: int = 0
    turn: int = 0
    known_amounts: set[Decimal] = field(default_factory=set)

    @property
    def attempts_left(self) -> int:
        return max(MAX_VERIFICATION_ATTEMPTS - self.verification_attempts, 0)

    def remember_amounts(self, *amounts: Decimal | None) -> None:
        """Amounts from the database or a tool result: the only ones the agent may say."""
        for a in amounts:
            if a is not None:
                self.known_amounts.add(Decimal(a).quantize(Decimal("0.01")))

    def summary(self) -> dict[str, Any]:
        """The state as the prompt and the call record see it (no verification factors)."""
        return {"phase": self.phase, "verified": self.verified, "third_party": self.third_party,
                "verification_attempts_left": self.attempts_left, "disclosures_played": list(self.disclosures),
                "options_offered": self.options_offered, "arrangement_made": self.arrangement is not None,
                "callback_scheduled": self.callback is not None, "intents": list(self.intents),
                "hardship": self.hardship, "disputed": self.disputed}
