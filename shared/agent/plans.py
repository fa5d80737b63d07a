"""What a customer may be offered under their collection policy: the option list and exact instalment schedules.

All money is Decimal rounded to cents; a schedule's rounding remainder goes on its last instalment.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from typing import Any

from shared.db.customers import Customer
from shared.db.policies import CollectionPolicy

CENT = Decimal("0.01")


def pct_of(amount: Decimal, pct: Decimal, rounding: str = ROUND_UP) -> Decimal:
    return (amount * pct / Decimal(100)).quantize(CENT, rounding=rounding)


@dataclass(frozen=True)
class PlanQuote:
    months: int
    down_payment: Decimal
    instalment: Decimal
    last_instalment: Decimal
    total: Decimal
    schedule: tuple[dict[str, str], ...]

    def as_result(self) -> dict[str, Any]:
        return {"months": self.months, "down_payment": str(self.down_payment), "instalment": str(self.instalment),
                "last_instalment": str(self.last_instalment), "total": str(self.total),
                "first_due_date": self.schedule[0]["due_date"] if self.schedule else None,
                "schedule": list(self.schedule)}


class PlanOutsidePolicy(ValueError):
    def __init__(self, reason: str, alternative: dict[str, Any] | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.alternative = alternative


def allowed_lengths(policy: CollectionPolicy) -> list[int]:
    return sorted(m for m in policy.plan_lengths if m <= policy.max_plan_months)


def add_months(day: date, months: int) -> date:
    """Same day-of-month `months` later, clipped to the month's end (Jan 31 + 1 → Feb 28)."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def build_schedule(balance: Decimal, months: int, down_payment: Decimal, today: date) -> PlanQuote:
    """Exact schedule: the down payment today, then `months` monthly instalments, remainder on the last one."""
    financed = balance - down_payment
    base = (financed / months).quantize(CENT, rounding=ROUND_DOWN)
    last = financed - base * (months - 1)
    rows: list[dict[str, str]] = []
    if down_payment > 0:
        rows.append({"due_date": today.isoformat(), "amount": str(down_payment), "kind": "down_payment"})
    for i in range(months):
        due = add_months(today, i + 1)
        rows.append({"due_date": due.isoformat(), "amount": str(last if i == months - 1 else base),
                     "kind": "instalment"})
    return PlanQuote(months, down_payment, base, last, balance, tuple(rows))


def quote_plan(customer: Customer, policy: CollectionPolicy, months: int, down_payment: Decimal,
               today: date) -> PlanQuote:
    """A plan within policy, or PlanOutsidePolicy naming the nearest valid alternative."""
    balance = customer.balance
    lengths = allowed_lengths(policy)
    down = down_payment.quantize(CENT)
    if down < 0 or down >= balance:
        raise PlanOutsidePolicy("down payment must be at least 0 and less than the balance",
                                _nearest(customer, policy, months, Decimal(0), today))
    if months not in lengths:
        raise PlanOutsidePolicy(f"plans are offered over {', '.join(map(str, lengths))} months",
                                _nearest(customer, policy, months, down, today))
    quote = build_schedule(balance, months, down, today)
    if quote.instalment < policy.min_instalment:
        raise PlanOutsidePolicy(f"the minimum instalment is {policy.min_instalment}",
                                _nearest(customer, policy, months, down, today))
    return quote


def _nearest(customer: Customer, policy: CollectionPolicy, months: int, down: Decimal,
             today: date) -> dict[str, Any] | None:
    """The valid plan closest in length to what was asked (shorter on a tie)."""
    for m in sorted(allowed_lengths(policy), key=lambda m: (abs(m - months), m)):
        for d in (down, Decimal(0)):
            if 0 <= d < customer.balance:
                q = build_schedule(customer.balance, m, d, today)
                if q.instalment >= policy.min_instalment:
                    return q.as_result()
    return None


def hardship_eligible(customer: Customer, policy: CollectionPolicy) -> bool:
    return policy.hardship_deferral_days > 0 and customer.days_overdue >= policy.hardship_min_days_overdue


def customer_options(customer: Customer, policy: CollectionPolicy, today: date, *,
                     hardship: bool) -> dict[str, Any]:
    """Pay in full, a lump-sum settlement (opening figure only; the floor stays with negotiation), instalment
    plans that meet the minimum instalment, and a hardship deferral when the caller described hardship."""
    balance = customer.balance
    plans = []
    for m in allowed_lengths(policy):
        q = build_schedule(balance, m, Decimal(0), today)
        if q.instalment >= policy.min_instalment:
            plans.append({"months": m, "instalment": str(q.instalment), "last_instalment": str(q.last_instalment)})
    opening = max(pct_of(balance, policy.settlement_anchor_pct - policy.negotiation_step_pct),
                  pct_of(balance, policy.settlement_floor_pct))
    options: dict[str, Any] = {
        "balance": str(balance), "days_overdue": customer.days_overdue,
        "pay_in_full": {"amount": str(balance)},
        "settlement": {"available": True, "opening_offer": str(opening)},
        "plans": plans, "min_instalment": str(policy.min_instalment),
        "hardship_deferral": None,
    }
    if hardship and hardship_eligible(customer, policy):
        until = today + timedelta(days=policy.hardship_deferral_days)
        options["hardship_deferral"] = {"days": policy.hardship_deferral_days, "until": until.isoformat()}
    return options
