"""The settlement band from policy (anchor, floor, step) and the deterministic response to a customer's offer.

Any advice from an LLM is clamped into this band: no counter below the floor, none above the anchor.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from shared.agent.plans import CENT, pct_of
from shared.db.policies import CollectionPolicy


@dataclass(frozen=True)
class Band:
    balance: Decimal
    anchor: Decimal
    floor: Decimal
    step: Decimal

    def clamp(self, amount: Decimal) -> Decimal:
        return min(max(amount.quantize(CENT), self.floor), self.anchor)


def band_for(balance: Decimal, policy: CollectionPolicy) -> Band:
    return Band(balance, pct_of(balance, policy.settlement_anchor_pct), pct_of(balance, policy.settlement_floor_pct),
                pct_of(balance, policy.negotiation_step_pct))


@dataclass(frozen=True)
class Guidance:
    decision: Literal["accept", "counter"]
    amount: Decimal            # the figure the agent may now say (accepted offer or counter)
    at_floor: bool

    def as_result(self) -> dict[str, Any]:
        return {"decision": self.decision, "amount": str(self.amount), "at_floor": self.at_floor}


def respond_to_offer(band: Band, offer: Decimal, counters_made: int, previous_counter: Decimal | None) -> Guidance:
    """Accept an offer at or above the floor; otherwise counter halfway between the offer and our last figure,
    never below the floor, never above our previous counter."""
    offer = offer.quantize(CENT)
    if offer >= band.floor:
        return Guidance("accept", min(offer, band.balance), offer <= band.floor)
    ceiling = previous_counter if previous_counter is not None else band.anchor
    midpoint = ((offer + ceiling) / 2).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    counter = band.clamp(min(midpoint, ceiling - band.step if counters_made else midpoint))
    return Guidance("counter", counter, counter == band.floor)
