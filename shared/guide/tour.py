"""The quick tour: a deterministic script of steps over the console (page, element to highlight, narration).

Narration time in text mode is words at 150 words per minute (2.5 words per second); in voice mode it is the TTS
audio's duration. The whole script is 80–100 s at 150 wpm (tests/unit/guide/test_tour_and_rules.py asserts it, for a
supervisor and for a viewer, and that every page and element exists in the catalog). Nothing here depends on a model
or a network. One step launches a live simulated call for a supervisor or admin (`live_call`: a seeded customer and
tactic through `launch_test_call`, the /sim sandbox with the rules brain); a viewer — or a database without that
seeded customer — hears `narration_unlaunched` instead, so the tour still cannot fail."""
from __future__ import annotations

import re
from dataclasses import dataclass

WORDS_PER_SECOND = 2.5        # 150 wpm


@dataclass(frozen=True)
class TourStep:
    title: str
    page: str                 # catalog page id
    element: str | None       # catalog element id to highlight, or None
    narration: str
    live_call: tuple[str, str] | None = None     # (customer, tactic) launched for a supervisor or admin
    narration_unlaunched: str | None = None      # what a viewer hears on a live_call step (nothing is launched)

    def narration_for(self, launched: bool) -> str:
        if self.live_call is not None and not launched and self.narration_unlaunched:
            return self.narration_unlaunched
        return self.narration

    @property
    def words(self) -> int:
        return words(self.narration)

    @property
    def narration_ms(self) -> int:
        """Text-mode pacing: the narration read at 150 words per minute."""
        return narration_ms(self.narration)

    def narration_ms_for(self, launched: bool) -> int:
        return narration_ms(self.narration_for(launched))


def words(text: str) -> int:
    return len(re.findall(r"[A-Za-z0-9'$%.,-]+", text))


def narration_ms(text: str) -> int:
    """Text-mode pacing: the text read at 150 words per minute."""
    return round(words(text) / WORDS_PER_SECOND * 1000)


QUICK_TOUR: tuple[TourStep, ...] = (
    TourStep("Welcome", "dashboard", "guide-panel",
             "Hi, I'm Archer. In about ninety seconds I'll show you how this console runs AI collection calls that "
             "stay compliant. You can pause me at any time."),
    TourStep("Key figures", "dashboard", "dashboard-kpis",
             "The dashboard shows today's calls, right-party contacts, promises to pay and the amounts promised, "
             "with voice latency beside them."),
    TourStep("Recent calls", "dashboard", "dashboard-recent-calls",
             "Every call lands here the moment it ends. Open one to read its transcript and its compliance record."),
    TourStep("Call search", "calls", "calls-search",
             "On the calls page you can search as you type by name, phone or the last four digits of an account."),
    TourStep("Calls table", "calls", "calls-table",
             "Each row shows the outcome, the tactic the agent used and how long the call took. It updates live."),
    TourStep("Tactics", "tactics", "tactics-list",
             "Tactics steer how the agent negotiates: urgency, empathy, persistence and authority. No tactic can "
             "override compliance."),
    TourStep("Tactic performance", "tactics", "tactics-performance",
             "Here you compare tactics by weekly success rate, so you keep the ones that work."),
    TourStep("Campaigns", "campaigns", "campaigns-list",
             "Campaigns dial batches of accounts, and the pre-dial gate screens every single dial first."),
    TourStep("Compliance", "compliance", "compliance-guard",
             "The compliance page holds the do-not-call list, the collection policy, and every sentence the guard "
             "stopped before a customer heard it."),
    TourStep("Quality", "quality", "quality-verdict",
             "Quality tracks latency, recordings and tester ratings, and gives a clear go or no-go verdict."),
    TourStep("Test call", "test-call", "testcall-setup",
             "Finally, rehearse any call in the simulation sandbox: same engine, same guard, and it never dials "
             "the real customer."),
    TourStep("Live simulated call", "test-call", "testcall-conversation",
             "Watch: I've started a simulated call with Maria Gonzalez on the empathetic tactic. The agent greets her "
             "just as on a real line. That's the tour.",
             live_call=("Maria Gonzalez", "empathetic_gradual"),
             narration_unlaunched="A supervisor would see a live simulated call start right here, with the agent "
                                  "greeting the customer. That's the tour."),
)


def total_narration_s(steps: tuple[TourStep, ...] = QUICK_TOUR, *, launched: bool = True) -> float:
    return sum(s.narration_ms_for(launched) for s in steps) / 1000


DEMO_FLOWS = {"quick_tour": QUICK_TOUR}
