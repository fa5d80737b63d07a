"""A tactic's four dimensions (urgency, empathy, persistence, authority; 1–10) as five bands each: the instruction
the LLM prompt carries and the behaviour the rules brain follows, from one table, so style survives a fallback.

Bands change behaviour, never compliance: no band asserts a fact the account record does not hold (fees, deadlines,
credit effects), and every sentence still passes the output guard."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.db.tactics import DIMENSIONS

# dimension → five instructions, for values 1–2, 3–4, 5–6, 7–8, 9–10
BANDS: dict[str, tuple[str, str, str, str, str]] = {
    "urgency": (
        "Keep a relaxed pace; there is no pressure to resolve the account on this call, and a call back is fine.",
        "Keep a calm pace; mention that sorting it out soon keeps things simple, without pressing for a decision.",
        "Suggest resolving it on this call and ask, once, whether today works; accept a later date without argument.",
        "Ask for a commitment on this call and propose the earliest start date a tool returned; never invent a "
        "deadline or a consequence.",
        "Be direct that the account is past due (state the days overdue from the facts) and ask for a commitment "
        "today; name only dates a tool returned, never a deadline of your own.",
    ),
    "empathy": (
        "Be courteous and businesslike; acknowledge feelings in a few words and move to options.",
        "Acknowledge the caller's situation in one short clause before moving on.",
        "Acknowledge the caller's feelings in a sentence before any figure, and ask how things are when they hint "
        "at difficulty.",
        "Lead with understanding: acknowledge first, invite them to explain, and offer the most affordable plan "
        "before larger payments.",
        "Listen first: acknowledge feelings warmly, invite them to explain, and lead with hardship options (a pause "
        "when eligible, the longest plan) before anything else.",
    ),
    "persistence": (
        "If the caller declines, accept it at once and offer a call back; do not re-offer.",
        "If the caller declines, offer one alternative, then accept their answer and offer a call back.",
        "If the caller declines, offer up to two alternatives (a plan, a settlement offer, a call back) before "
        "closing.",
        "If the caller declines, explore up to three alternatives within policy before closing; never repeat a "
        "refused offer word for word.",
        "If the caller declines, keep exploring within policy — plans, settlement steps, a call back — until they "
        "have clearly said no four times; never badger or repeat a refused offer word for word.",
    ),
    "authority": (
        "Speak as a helpful service representative; use a friendly, informal register; soften limits "
        "(\"I'm afraid that's the lowest I can go\").",
        "Speak as a friendly bank representative; state limits plainly and kindly.",
        "Speak as a knowledgeable bank representative: clear, polite, confident about what policy allows.",
        "Speak as the bank's accounts specialist: direct and precise; state limits once, firmly, without apology.",
        "Speak formally and directly, as the bank's accounts specialist; be precise about account status and state "
        "policy limits as fixed, without threats.",
    ),
}


def level(value: Any) -> int:
    """1–2 → 0, 3–4 → 1, 5–6 → 2, 7–8 → 3, 9–10 → 4 (non-numbers read as 5; out of range clamped)."""
    v = value if isinstance(value, int | float) and not isinstance(value, bool) else 5
    return (min(max(int(v), 1), 10) - 1) // 2


def values(config: dict[str, Any]) -> dict[str, int]:
    """The four dimensions as integers 1–10 (only these are ever read from a tactic's config)."""
    out = {}
    for dim in DIMENSIONS:
        raw = config.get(dim, 5)
        out[dim] = min(max(int(raw), 1), 10) if isinstance(raw, int | float) and not isinstance(raw, bool) else 5
    return out


def instructions(config: dict[str, Any]) -> list[str]:
    """One prompt line per dimension: a tactic cannot inject text, only pick bands."""
    return [f"- {dim.capitalize()} {v}/10: {BANDS[dim][level(v)]}" for dim, v in values(config).items()]


@dataclass(frozen=True)
class Style:
    """The same bands as behaviour for the rules brain."""

    re_offers: int              # alternatives offered after a refusal before letting the caller go (persistence)
    refusal_ends: bool          # the first refusal ends the negotiation (lowest persistence)
    press_today: bool           # ask for a commitment on this call (urgency)
    state_overdue: bool         # name the days past due when listing options (urgency)
    acknowledge: int            # 0 brief … 4 warm acknowledgement before content (empathy)
    hardship_first: bool        # lead with the most affordable options (empathy)
    firm: bool                  # state limits as fixed, without softening (authority)
    formal: bool                # formal register (authority)


def style(config: dict[str, Any]) -> Style:
    v = {dim: level(x) for dim, x in values(config).items()}
    return Style(re_offers=[0, 1, 2, 3, 4][v["persistence"]], refusal_ends=v["persistence"] == 0,
                 press_today=v["urgency"] >= 2, state_overdue=v["urgency"] >= 3, acknowledge=v["empathy"],
                 hardship_first=v["empathy"] >= 3, firm=v["authority"] >= 3, formal=v["authority"] >= 4)
