"""The `rules` brain: a documented set of question and command forms → one typed tool call. Deterministic; it is
the guide's brain whenever no LLM is configured (the `make dev` default) and the fallback when the LLM fails.

Documented forms (case-insensitive; [..] optional; WINDOW is "today", "this week", "last week"/"past week"/"last
7 days", "this month" or "last N days" (default: the last 7 days); TACTIC is a tactic's name or a word of it,
e.g. "empathetic"):

Analytics (query_analytics):
  1. "how many calls [WINDOW] [with the TACTIC tactic]"                      → calls
  2. "what [was|is] [our|the] success rate [with the TACTIC tactic] [WINDOW]" → success_rate
  3. "how many promises [to pay] [WINDOW]" / "how many calls ended in a promise …" → promises
  4. "how much was arranged [WINDOW]" / "[total|average] arrangement amount …" / "how many arrangements …"
                                                                              → arrangements (count, total, average)
  5. "what were the outcomes [WINDOW]" / "outcome breakdown" / "how did calls end" → outcomes
  6. "which tactic [works|worked|performs|performed|is] best [WINDOW]" / "best tactic" → best_tactic
  7. "how is the TACTIC tactic doing|performing [WINDOW]"                    → success_rate for that tactic
  8. "what is [the] [voice-to-voice|overhead|first sentence|llm] latency [WINDOW]" / "how fast …" → latency p50/p95
  9. "how many compliance events [WINDOW]"                                   → compliance_events (by category)
 10. "how many [sentences did the guard block|guard blocks] [WINDOW]"         → guard_blocks

Commands:
  - "start|take|give me the [quick] tour", "show me around"                  → run_demo_flow(quick_tour)
  - "go to|open|show [me] [the] PAGE [page]"                                 → navigate(page)
  - "what is|explain [the] ELEMENT" / "what is this [page]" / "where am I"   → explain(element)
  - "launch|start|run|place a test call [to|for|with] CUSTOMER [with|using] [the] TACTIC [tactic]"
    (CUSTOMER: a name, a phone number or "ending 4821")                      → launch_test_call(customer, tactic)
Anything else → a short "I can answer questions like …" reply."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from shared.guide.catalog import Catalog, load_catalog

HELP = ("I can answer questions like: what was our success rate with the empathetic tactic this week? "
        "How many calls today? Which tactic works best this month? What is the voice latency? "
        "I can also take you to a page, explain what you see, launch a test call, or start the quick tour.")


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Reply:
    text: str


Decision = ToolCall | Reply

_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                 "nine": 9, "ten": 10, "fourteen": 14, "thirty": 30, "sixty": 60, "ninety": 90}


def _clean(text: str) -> str:
    t = text.lower().replace("’", "'")
    t = re.sub(r"[^a-z0-9'+\- ]", " ", t)
    return re.sub(r"\s+", " ", t).strip()


def parse_window(t: str) -> dict[str, Any]:
    m = re.search(r"\b(?:last|past) (\d{1,3}|[a-z]+) days?\b", t)
    if m:
        raw = m.group(1)
        n = int(raw) if raw.isdigit() else _WORD_NUMBERS.get(raw)
        if n == 7:
            return {"window": "last_7_days"}
        if n:
            return {"window": "custom", "days": n}
    if re.search(r"\btoday\b", t):
        return {"window": "today"}
    if re.search(r"\bthis week\b", t):
        return {"window": "this_week"}
    if re.search(r"\bthis month\b", t):
        return {"window": "this_month"}
    if re.search(r"\b(?:last|past) (?:week|seven days)\b", t):
        return {"window": "last_7_days"}
    return {"window": "last_7_days"}


_TACTIC_RX = (re.compile(r"\b(?:with|for|using|by|of|is) (?:the )?([a-z][a-z _-]{1,40}?) tactic\b"),
              re.compile(r"\btactic ([a-z][a-z_-]{1,40})\b"),
              re.compile(r"\bhow (?:is|was|did|does) (?:the )?([a-z][a-z _-]{1,40}?)(?: tactic)? "
                         r"(?:do|doing|perform|performing|done)\b"))
_NOT_TACTIC = {"best", "which", "each", "every", "a", "this", "that", "our", "my"}


def parse_tactic(t: str) -> str | None:
    for rx in _TACTIC_RX:
        m = rx.search(t)
        if m:
            name = m.group(1).strip()
            name = re.sub(r"^(?:the|our) ", "", name)
            if name and name.split()[-1] not in _NOT_TACTIC:
                return name
    return None


def _latency_kind(t: str) -> str:
    if "overhead" in t or "own share" in t:
        return "overhead"
    if "first sentence" in t:
        return "first_sentence"
    if re.search(r"\b(?:llm|model|first token|ttft)\b", t):
        return "llm_ttft"
    return "voice_to_voice"


def analytics_query(text: str) -> dict[str, Any] | None:
    """The typed query of a documented question form (as query_analytics arguments), or None."""
    t = _clean(text)
    metric: str | None = None
    if re.search(r"\bguard\b.*\b(?:block|blocked|stop|stopped)|\bguard blocks?\b|\bblocked sentences\b", t):
        metric = "guard_blocks"
    elif re.search(r"\bcompliance events?\b", t):
        metric = "compliance_events"
    elif re.search(r"\blatenc|\bhow fast\b|\bp50\b|\bp95\b|\bresponse time\b", t):
        metric = "latency"
    elif re.search(r"\b(?:which|what) tactic\b.*\bbest\b|\bbest(?:-performing| performing)? tactic\b|"
                   r"\btop tactic\b", t):
        metric = "best_tactic"
    elif re.search(r"\bsuccess rate\b|\bsuccess\b", t):
        metric = "success_rate"
    elif re.search(r"\bhow (?:is|was|did|does) (?:the )?[a-z _-]+? (?:do|doing|perform|performing|done)\b", t) \
            and parse_tactic(t):
        metric = "success_rate"
    elif re.search(r"\bhow much\b.*\b(?:arranged|promised|collected)\b|\barrangement amounts?\b|"
                   r"\bhow many (?:payment )?arrangements\b|\barrangements? total", t):
        metric = "arrangements"
    elif re.search(r"\bpromises?\b|\bpromised\b", t):
        metric = "promises"
    elif re.search(r"\boutcomes?\b|\bhow did (?:the )?calls end\b|\bbreakdown\b", t):
        metric = "outcomes"
    elif re.search(r"\bhow many calls\b|\bnumber of calls\b|\bcall (?:count|volume)\b|\bcalls (?:today|this)\b", t):
        metric = "calls"
    if metric is None:
        return None
    query: dict[str, Any] = {"metric": metric, **parse_window(t)}
    if metric not in ("best_tactic", "latency", "compliance_events", "guard_blocks"):
        tactic = parse_tactic(t)
        if tactic:
            query["tactic"] = tactic
    if metric == "latency":
        query["latency"] = _latency_kind(t)
    return query


def _find_page(t: str, catalog: Catalog) -> str | None:
    for p in sorted(catalog.pages, key=lambda p: -len(p.title)):
        names = {p.id.replace("-", " "), _clean(p.title), p.id}
        if p.id == "dashboard":
            names |= {"home", "home page", "overview"}
        if p.id == "test-call":
            names |= {"simulation", "sandbox", "simulator", "test calls"}
        if p.id == "quality":
            names |= {"quality report"}
        for n in names:
            if re.search(rf"\b{re.escape(n)}\b", t):
                return p.id
    return None


def _find_element(t: str, catalog: Catalog) -> str | None:
    best: tuple[int, str] | None = None
    for e in catalog.elements:
        for n in (_clean(e.label), e.id.replace("-", " ")):
            if re.search(rf"\b{re.escape(n)}\b", t) and (best is None or len(n) > best[0]):
                best = (len(n), e.id)
    return best[1] if best else None


_LAUNCH = re.compile(r"\b(?:launch|start|run|place|make|begin)\b (?:a |an |the )?(?:new )?(?:test|simulated|demo|"
                     r"practice|sample) call\b(.*)$")


def _launch_arguments(rest: str) -> dict[str, Any]:
    """'with maria gonzalez using the empathetic tactic' → customer 'maria gonzalez', tactic 'empathetic'."""
    rest = re.sub(r"^(?:to|for|with|on|at)\b ?", "", rest.strip()).strip()
    tactic = ""
    connectors = list(re.finditer(r"\b(?:with|using|via)\b", rest))
    if connectors:
        m = connectors[-1]
        tactic = re.sub(r"^(?:the|a) ", "", rest[m.end():].strip()).removesuffix(" tactic").strip()
        rest = rest[:m.start()].strip()
    elif (t := re.search(r"\b([a-z][a-z_-]{1,40}) tactic\b", rest)):
        tactic = t.group(1)
        rest = (rest[:t.start()] + rest[t.end():]).strip()
    rest = re.sub(r"^(?:the )?(?:customer|account|number|phone)\b ?", "", rest).strip()
    rest = re.sub(r"\b(?:and)$", "", rest).strip()
    return {"customer": rest, "tactic": tactic}


def decide(text: str, *, current_page: str | None = None, catalog: Catalog | None = None) -> Decision:
    catalog = catalog or load_catalog()
    t = _clean(text)
    if not t:
        return Reply(HELP)
    if re.search(r"\b(?:tour|show me around|walk me through|demo of the product)\b", t) and \
            not re.search(r"\bwhat is the tour\b", t):
        return ToolCall("run_demo_flow", {"name": "quick_tour"})
    m = _LAUNCH.search(t)
    if m:
        # keep the original casing/digits of what follows for the customer lookup
        return ToolCall("launch_test_call", _launch_arguments(m.group(1)))
    query = analytics_query(t)
    if query is not None:
        return ToolCall("query_analytics", {"question": text.strip()[:500], **query})
    if re.search(r"^(?:please )?(?:go|take me|navigate|bring me|switch|jump)\b|^(?:open|show)\b", t):
        page = _find_page(t, catalog)
        if page:
            return ToolCall("navigate", {"page": page})
    if re.search(r"\b(?:what is|what's|whats|what are|explain|what does|tell me about|describe|where am i|"
                 r"what am i looking at|help me understand)\b", t):
        element = _find_element(t, catalog)
        if element:
            return ToolCall("explain", {"element": element})
        page = _find_page(t, catalog)
        if page and not re.search(r"\bthis\b", t):
            return ToolCall("navigate", {"page": page, "explain": True})
        if re.search(r"\bthis\b|\bhere\b|\bwhere am i\b|\blooking at\b", t):
            return ToolCall("explain", {"element": "this"})
    if re.search(r"^(?:hi|hello|hey)\b", t):
        return Reply("Hello! " + HELP)
    return Reply(HELP)
