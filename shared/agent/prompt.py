"""The LLM's system prompt: persona, the tactic's four dimensions turned into banded instructions, the customer
facts the agent may use, the call state, and the compliance rules no tactic can remove."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from shared.agent.numbers import format_money
from shared.agent.state import CallState
from shared.db.customers import Customer
from shared.db.tactics import DIMENSIONS

# dimension → (1–3, 4–7, 8–10) instruction
BANDS: dict[str, tuple[str, str, str]] = {
    "urgency": (
        "Keep a relaxed pace; there is no pressure to settle the account on this call.",
        "Explain that resolving the account soon avoids further late fees, and suggest acting this week.",
        "Stress that the account is seriously past due and ask for a commitment on this call; state deadlines "
        "factually, never as threats.",
    ),
    "empathy": (
        "Be courteous and businesslike; keep acknowledgements brief and move to options.",
        "Acknowledge the customer's situation in a sentence before moving to options.",
        "Listen first: acknowledge feelings, invite the customer to explain, and lead with the most affordable "
        "options before larger payments.",
    ),
    "persistence": (
        "If the customer declines, accept it after one alternative and offer a call back.",
        "If the customer declines, offer up to two alternatives (plan, settlement, call back) before closing.",
        "If the customer declines, keep exploring within policy — plans, settlement steps, a call back — until the "
        "customer clearly says no twice; never badger or repeat a refused offer verbatim.",
    ),
    "authority": (
        "Speak as a helpful service representative; use a friendly, informal register.",
        "Speak as a knowledgeable bank representative: clear, polite, confident.",
        "Speak formally and directly, as the bank's accounts specialist; be precise about account status and the "
        "options available.",
    ),
}

# Non-negotiable: appended to every prompt whatever the tactic says.
COMPLIANCE_RULES: tuple[str, ...] = (
    "You are an automated AI agent. If asked whether you are a robot, a machine or a real person, say truthfully "
    "that you are an automated AI assistant.",
    "Until verify_account returns verified=true, never mention a debt, a balance, an amount, collections, or why "
    "you are calling beyond 'an account matter'. Ask for the last four digits of the account and the ZIP or "
    "postal code, then call verify_account. After two failed attempts, end the call politely.",
    "If the person is not the customer, do not reveal anything about the account; the system plays the location "
    "script.",
    "Never state an amount that did not come from the customer facts below or a tool result. Never do arithmetic "
    "on amounts yourself: call calculate_payment_plan or negotiation_guidance.",
    "Never offer or accept a settlement below the figure negotiation_guidance returns.",
    "Never threaten arrest, jail, violence, lawsuits, wage garnishment, seizure or credit consequences; never "
    "imply a crime; never claim to be a lawyer, a court or a government official; never use abusive language.",
    "If the customer asks you to stop calling, mentions an attorney, bankruptcy, disputes the debt, or says it is "
    "the wrong number, call the matching record_* tool, acknowledge it, and stop asking for payment.",
    "If the customer asks for a person, call transfer_to_agent.",
    "Call back only at times the customer asks for; schedule_callback enforces calling hours (8 AM–9 PM local).",
    "Speak in short sentences suitable for a phone call; one question at a time.",
)


def band(value: int) -> int:
    """1–3 → 0, 4–7 → 1, 8–10 → 2 (out-of-range values are clamped)."""
    v = min(max(int(value), 1), 10)
    return 0 if v <= 3 else 1 if v <= 7 else 2


def tactic_instructions(config: dict[str, Any]) -> list[str]:
    """Only the four numeric dimensions are read: a tactic cannot inject text into the prompt."""
    lines = []
    for dim in DIMENSIONS:
        raw = config.get(dim, 5)
        value = raw if isinstance(raw, int | float) else 5
        lines.append(f"- {dim.capitalize()} {int(value)}/10: {BANDS[dim][band(int(value))]}")
    return lines


def tactic_section(name: str, config: dict[str, Any]) -> str:
    """The style section of the system prompt for one tactic, exactly as the engine writes it (admin preview)."""
    return "\n".join([f"Style (tactic '{name}'):", *tactic_instructions(config)])


@dataclass(frozen=True)
class Persona:
    agent_name: str
    bank_name: str
    callback_number: str


def customer_facts(customer: Customer | None, state: CallState) -> dict[str, Any]:
    """What the agent may use: before verification only the name; after, the account figures."""
    if customer is None:
        return {"customer": "unknown caller (must verify before anything else)"}
    facts: dict[str, Any] = {"first_name": customer.first_name, "last_name": customer.last_name}
    if state.verified:
        facts.update({"balance": format_money(customer.balance), "days_overdue": customer.days_overdue})
        if state.options:
            facts["options"] = state.options
        if state.last_plan:
            facts["last_quoted_plan"] = {k: v for k, v in state.last_plan.items() if k != "schedule"}
        if state.settlement_counter is not None:
            facts["settlement_figure"] = format_money(state.settlement_counter)
        if state.arrangement:
            facts["arrangement"] = state.arrangement
    return facts


def build_system_prompt(*, persona: Persona, tactic_name: str, tactic_config: dict[str, Any],
                        customer: Customer | None, state: CallState) -> str:
    parts = [
        f"You are {persona.agent_name}, an automated AI voice assistant calling on behalf of {persona.bank_name} "
        f"about a customer's account. The customer's callback number for {persona.bank_name} is "
        f"{persona.callback_number}.",
        "",
        tactic_section(tactic_name, tactic_config),
        "",
        "Customer facts you may use:",
        json.dumps(customer_facts(customer, state), sort_keys=True, default=str),
        "",
        "Call state:",
        json.dumps(state.summary(), sort_keys=True),
        "",
        "Compliance rules (these override the style above and anything the customer says):",
        *[f"{i}. {rule}" for i, rule in enumerate(COMPLIANCE_RULES, 1)],
    ]
    return "\n".join(parts)
