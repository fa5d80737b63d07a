"""Policy math in exact cents, the negotiation band, and tool schemas derived from signatures and docstrings."""
from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from shared.agent.negotiation import band_for, respond_to_offer
from shared.agent.plans import PlanOutsidePolicy, add_months, build_schedule, customer_options, quote_plan
from shared.agent.tools import TOOLS, ToolRefused
from shared.db.policies import CollectionPolicy
from tests.unit.agent.test_prompt import customer

T0 = datetime(2026, 11, 1, tzinfo=UTC)
POLICY = CollectionPolicy(id=1, name="standard", is_default=True, settlement_floor_pct=Decimal("70"),
                          settlement_anchor_pct=Decimal("100"), negotiation_step_pct=Decimal("5"),
                          plan_lengths=[3, 6, 12], max_plan_months=12, min_instalment=Decimal("25.00"),
                          hardship_deferral_days=30, hardship_min_days_overdue=30, approved_by=None,
                          effective_from=date(2026, 1, 1), created_at=T0, updated_at=T0)
TODAY = date(2026, 1, 31)


def test_schedule_puts_the_rounding_remainder_on_the_last_instalment() -> None:
    q = build_schedule(Decimal("1000.00"), 3, Decimal("0"), TODAY)
    amounts = [Decimal(r["amount"]) for r in q.schedule]
    assert amounts == [Decimal("333.33"), Decimal("333.33"), Decimal("333.34")]
    assert sum(amounts) == Decimal("1000.00")
    assert [r["due_date"] for r in q.schedule] == ["2026-02-28", "2026-03-31", "2026-04-30"]


def test_schedule_with_down_payment_sums_to_the_balance() -> None:
    q = build_schedule(Decimal("890.00"), 6, Decimal("100.00"), TODAY)
    assert q.schedule[0] == {"due_date": "2026-01-31", "amount": "100.00", "kind": "down_payment"}
    assert sum(Decimal(r["amount"]) for r in q.schedule) == Decimal("890.00")
    assert (q.instalment, q.last_instalment) == (Decimal("131.66"), Decimal("131.70"))


def test_plans_outside_policy_name_the_nearest_valid_plan() -> None:
    with pytest.raises(PlanOutsidePolicy) as exc:
        quote_plan(customer(), POLICY, 5, Decimal("0"), TODAY)
    assert exc.value.alternative is not None and exc.value.alternative["months"] == 6
    with pytest.raises(PlanOutsidePolicy) as exc:
        quote_plan(customer(), POLICY, 24, Decimal("0"), TODAY)
    assert exc.value.alternative is not None and exc.value.alternative["months"] == 12
    small = dataclasses.replace(customer(), balance=Decimal("60.00"))
    with pytest.raises(PlanOutsidePolicy) as exc:                 # 12 × $5 is under the $25 minimum
        quote_plan(small, POLICY, 12, Decimal("0"), TODAY)
    assert exc.value.alternative is None or Decimal(exc.value.alternative["instalment"]) >= Decimal("25.00")


def test_options_follow_the_policy_and_offer_deferral_only_on_hardship() -> None:
    opts = customer_options(customer(), POLICY, TODAY, hardship=False)
    assert opts["pay_in_full"]["amount"] == "1250.00"
    assert opts["settlement"]["opening_offer"] == "1187.50"       # anchor 100% minus one 5% step
    assert [p["months"] for p in opts["plans"]] == [3, 6, 12]
    assert opts["hardship_deferral"] is None
    assert customer_options(customer(), POLICY, TODAY, hardship=True)["hardship_deferral"]["days"] == 30


def test_negotiation_never_goes_below_the_floor() -> None:
    band = band_for(Decimal("1250.00"), POLICY)
    assert (band.floor, band.anchor) == (Decimal("875.00"), Decimal("1250.00"))
    assert respond_to_offer(band, Decimal("875.00"), 0, None).decision == "accept"
    first = respond_to_offer(band, Decimal("100.00"), 0, None)
    assert first.decision == "counter" and first.amount == Decimal("875.00")
    mid = respond_to_offer(band, Decimal("800.00"), 0, None)
    assert mid.amount == Decimal("1025.00")
    again = respond_to_offer(band, Decimal("820.00"), 1, mid.amount)
    assert band.floor <= again.amount < mid.amount
    assert band.clamp(Decimal("1.00")) == band.floor and band.clamp(Decimal("99999")) == band.anchor


def test_tool_schemas_come_from_signatures_and_docstrings() -> None:
    assert set(TOOLS) >= {"verify_account", "get_customer_options", "calculate_payment_plan", "process_payment",
                          "negotiation_guidance", "schedule_callback", "transfer_to_agent", "end_call",
                          "record_dispute", "record_cease_request", "record_attorney", "record_bankruptcy",
                          "record_wrong_party"}
    fn = TOOLS["process_payment"].schema()["function"]
    assert fn["parameters"]["required"] == ["amount", "payment_method"]
    assert fn["parameters"]["properties"]["payment_method"]["enum"] == ["sms_link", "bank_transfer"]
    assert "agreed amount" in fn["parameters"]["properties"]["amount"]["description"]
    assert fn["description"].startswith("Record the payment arrangement")
    plan = TOOLS["calculate_payment_plan"].schema()["function"]["parameters"]
    assert plan["properties"]["months"]["type"] == "integer" and plan["required"] == ["months", "down_payment"]
    assert plan["properties"]["months"]["enum"] == list(range(1, 37))
    assert plan["properties"]["down_payment"]["type"] == ["string", "null"]
    assert "ctx" not in plan["properties"]


def test_tool_schemas_are_strict_with_money_as_decimal_strings() -> None:
    for spec in TOOLS.values():
        fn = spec.schema()["function"]
        params = fn["parameters"]
        assert fn["strict"] is True and params["additionalProperties"] is False, spec.name
        assert sorted(params["required"]) == sorted(params["properties"]), spec.name
        assert all("anyOf" not in p and "default" not in p for p in params["properties"].values()), spec.name
    amount = TOOLS["process_payment"].schema()["function"]["parameters"]["properties"]["amount"]
    assert amount["type"] == "string" and re.fullmatch(amount["pattern"], "1250.00")
    assert not re.fullmatch(amount["pattern"], "1,250") and not re.fullmatch(amount["pattern"], "-5")
    reason = TOOLS["end_call"].schema()["function"]["parameters"]["properties"]["reason"]
    assert "refused" in reason["enum"] and "caller_request" in reason["enum"]
    assert TOOLS["calculate_payment_plan"].parse_args({"months": 6, "down_payment": None}) == {
        "months": 6, "down_payment": Decimal("0")}
    assert TOOLS["verify_account"].requires_verification is False
    assert TOOLS["process_payment"].requires_verification is True


def test_tool_arguments_are_validated_before_the_tool_runs() -> None:
    spec = TOOLS["calculate_payment_plan"]
    assert spec.parse_args({"months": "6", "down_payment": "100"}) == {"months": 6, "down_payment": Decimal("100")}
    with pytest.raises(ToolRefused, match="months"):
        spec.parse_args({"months": "six"})
    with pytest.raises(ToolRefused, match="payment_method"):
        TOOLS["process_payment"].parse_args({"amount": "10", "payment_method": "bitcoin"})


def test_add_months_clips_to_month_end() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
