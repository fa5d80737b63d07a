"""The quick tour fits 80–100 s of narration at 150 wpm over pages and elements that exist in the catalog; the rules
brain maps each documented form to its typed query; the guide's guard masks phone and account numbers."""
from __future__ import annotations

import pytest

from shared.guide.analytics import AnalyticsQuery, QueryError, percent
from shared.guide.catalog import load_catalog
from shared.guide.guard import safe_say
from shared.guide.rules import HELP, Reply, ToolCall, decide
from shared.guide.tour import QUICK_TOUR, total_narration_s


def test_the_quick_tour_takes_80_to_100_seconds_over_existing_pages_and_elements():
    catalog = load_catalog()
    assert 10 <= len(QUICK_TOUR) <= 12
    assert 80 <= total_narration_s() <= 100                      # a supervisor: the live simulated call is launched
    assert 80 <= total_narration_s(launched=False) <= 100        # a viewer: that step is narrated only
    live = [s for s in QUICK_TOUR if s.live_call is not None]
    assert len(live) == 1 and live[0].page == "test-call" and live[0].narration_unlaunched
    assert live[0].narration_for(True) != live[0].narration_for(False)
    assert all(s.narration_for(False) == s.narration for s in QUICK_TOUR if s.live_call is None)
    for step in QUICK_TOUR:
        assert catalog.page(step.page) is not None, step.page
        if step.element is not None:
            element = catalog.element(step.element)
            assert element is not None, step.element
            assert element.page in (step.page, "*"), step.element


def test_catalog_ids_are_unique_and_elements_sit_on_known_pages():
    catalog = load_catalog()
    assert len({p.id for p in catalog.pages}) == len(catalog.pages)
    assert len({e.id for e in catalog.elements}) == len(catalog.elements)
    assert all(e.page == "*" or catalog.page(e.page) for e in catalog.elements)
    assert catalog.page_for_path("/calls/123").id == "calls"
    assert catalog.page_for_path("/").id == "dashboard"


@pytest.mark.parametrize(("question", "expected"), [
    ("How many calls today?", {"metric": "calls", "window": "today"}),
    ("how many calls this month with the stern tactic", {"metric": "calls", "window": "this_month",
                                                          "tactic": "stern"}),
    ("What was our success rate with the empathetic tactic this week?",
     {"metric": "success_rate", "window": "this_week", "tactic": "empathetic"}),
    ("success rate over the last 30 days", {"metric": "success_rate", "window": "custom", "days": 30}),
    ("How many promises to pay in the past week?", {"metric": "promises", "window": "last_7_days"}),
    ("How much was arranged this month?", {"metric": "arrangements", "window": "this_month"}),
    ("What were the outcomes today?", {"metric": "outcomes", "window": "today"}),
    ("Which tactic works best this month?", {"metric": "best_tactic", "window": "this_month"}),
    ("How is the stern tactic doing?", {"metric": "success_rate", "window": "last_7_days", "tactic": "stern"}),
    ("What is the voice latency this week?", {"metric": "latency", "window": "this_week",
                                              "latency": "voice_to_voice"}),
    ("what's the overhead latency", {"metric": "latency", "window": "last_7_days", "latency": "overhead"}),
    ("How many compliance events in the last 14 days?", {"metric": "compliance_events", "window": "custom",
                                                        "days": 14}),
    ("How many sentences did the guard block today?", {"metric": "guard_blocks", "window": "today"}),
])
def test_documented_question_forms_map_to_typed_queries(question, expected):
    decision = decide(question)
    assert isinstance(decision, ToolCall) and decision.name == "query_analytics"
    args = {k: v for k, v in decision.arguments.items() if k != "question"}
    assert args == expected
    AnalyticsQuery(**args)          # a valid typed query


@pytest.mark.parametrize(("text", "name", "arguments"), [
    ("take the tour", "run_demo_flow", {"name": "quick_tour"}),
    ("show me around", "run_demo_flow", {"name": "quick_tour"}),
    ("go to the compliance page", "navigate", {"page": "compliance"}),
    ("open test call", "navigate", {"page": "test-call"}),
    ("what is the do-not-call list?", "explain", {"element": "compliance-dnc"}),
    ("what am I looking at?", "explain", {"element": "this"}),
    ("launch a test call with Maria Gonzalez using the stern tactic", "launch_test_call",
     {"customer": "maria gonzalez", "tactic": "stern"}),
])
def test_commands_map_to_tools(text, name, arguments):
    assert decide(text) == ToolCall(name, arguments)


def test_unknown_questions_get_the_help_line():
    assert decide("what is the meaning of life") == Reply(HELP)
    assert "I can answer questions like" in HELP


def test_bad_typed_queries_are_refused_with_a_speakable_reason():
    with pytest.raises(QueryError):
        AnalyticsQuery(metric="revenue")  # type: ignore[arg-type]
    with pytest.raises(QueryError):
        AnalyticsQuery(metric="calls", window="custom", days=0)


def test_numbers_are_spoken_like_the_agent_speaks_them_and_pii_is_masked():
    assert percent(0.4167) == "41.7 percent" and percent(0.5) == "50 percent" and percent(None) == "not available"
    assert safe_say("Call +1 212 555 0101 about account 123456789.") == "Call +1******0101 about account *******89."
    assert safe_say("They promised $1,250.00 over 12 months, 41.7 percent.") == \
        "They promised $1,250.00 over 12 months, 41.7 percent."
