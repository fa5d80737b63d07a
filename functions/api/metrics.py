"""The call-outcome metrics shape shared by the dashboard and the tactic performance report."""
from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field

from shared.admin.call_stats import Totals


class CallMetrics(BaseModel):
    calls: int = Field(examples=[1240])
    connected: int
    right_party_contacts: int
    right_party_rate: float | None = Field(description="right-party contacts per call placed", examples=[0.41])
    verification_rate: float | None = Field(description="verified identities per right-party contact")
    promise_to_pay_rate: float | None = Field(description="arrangements or promises to pay per right-party contact")
    success_rate: float | None = Field(description="arrangements or promises to pay per connected call")
    arrangements: int
    average_arrangement_amount: Decimal | None = Field(examples=["612.50"])
    average_duration_s: float | None

    @classmethod
    def of(cls, t: Totals) -> CallMetrics:
        return cls(calls=t.calls, connected=t.connected, right_party_contacts=t.right_party,
                   right_party_rate=t.right_party_rate, verification_rate=t.verification_rate,
                   promise_to_pay_rate=t.promise_rate, success_rate=t.success_rate, arrangements=t.arrangements,
                   average_arrangement_amount=t.average_arrangement, average_duration_s=t.average_duration_s)
