"""The guide's typed tools. Each acts only with the signed-in user's role (launch_test_call: supervisor or admin)
and returns a ToolOutcome: what to say, the browser actions, and a JSON result (shown as a `tool` message).

launch_test_call never dials: its result is a navigate action to the simulation sandbox page
(`/test-call?customer=<id>&tactic=<name>&autostart=1`), where the existing /sim socket runs the call."""
from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from psycopg import AsyncConnection

from shared.guide.analytics import AnalyticsQuery, QueryError, humanize, resolve_tactic, run_query
from shared.guide.catalog import Catalog, load_catalog
from shared.guide.tour import DEMO_FLOWS
from shared.pii import mask_account

SUPERVISOR_ROLES = ("supervisor", "admin")
ConnectionSource = Callable[[], Awaitable[Any]]     # → an async context manager yielding an AsyncConnection


class ToolError(ValueError):
    """Bad arguments (the message is speakable)."""


@dataclass
class ToolOutcome:
    say: list[str] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    result: dict[str, Any] = field(default_factory=dict)
    tour: str | None = None                          # run_demo_flow: the flow to start


@dataclass(frozen=True)
class Caller:
    role: str                                        # viewer | supervisor | admin
    page_path: str | None = None                     # where the user is (for "explain this")


# ---- typed arguments --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RunDemoFlow:
    name: str


@dataclass(frozen=True)
class LaunchTestCall:
    customer: str
    tactic: str = ""


@dataclass(frozen=True)
class Navigate:
    page: str
    explain: bool = False


@dataclass(frozen=True)
class Explain:
    element: str


@dataclass(frozen=True)
class QueryAnalytics:
    question: str
    query: AnalyticsQuery


def parse_arguments(name: str, args: dict[str, Any]) -> Any:
    """A tool's arguments → its typed form (ToolError on anything missing or of the wrong type)."""
    def text(key: str, *, required: bool = True, limit: int = 200) -> str:
        v = args.get(key, "")
        if v is None:
            v = ""
        if not isinstance(v, str) or (required and not v.strip()):
            raise ToolError(f"{name} needs {key.replace('_', ' ')}.")
        return v.strip()[:limit]
    if name == "run_demo_flow":
        return RunDemoFlow(text("name"))
    if name == "launch_test_call":
        return LaunchTestCall(text("customer", required=False), text("tactic", required=False))
    if name == "navigate":
        return Navigate(text("page"), bool(args.get("explain", False)))
    if name == "explain":
        return Explain(text("element"))
    if name == "query_analytics":
        days = args.get("days")
        if days is not None and (not isinstance(days, int) or isinstance(days, bool)):
            raise ToolError("days must be a whole number.")
        tactic = args.get("tactic") or None
        if tactic is not None and not isinstance(tactic, str):
            raise ToolError("tactic must be a name.")
        try:
            query = AnalyticsQuery(metric=args.get("metric"), window=args.get("window") or "last_7_days",  # type: ignore[arg-type]
                                   days=days, tactic=tactic, latency=args.get("latency") or "voice_to_voice")
        except QueryError as exc:
            raise ToolError(str(exc)) from None
        return QueryAnalytics(text("question", required=False, limit=500), query)
    raise ToolError(f"There is no tool called {name}.")


# ---- the tools --------------------------------------------------------------------------------------------------
def _page(catalog: Catalog, wanted: str) -> Any:
    key = wanted.strip().lower()
    for p in catalog.pages:
        if key in (p.id, p.title.lower(), p.path) or key.replace(" ", "-") == p.id:
            return p
    return catalog.page_for_path(wanted) if wanted.startswith("/") else None


def navigate(args: Navigate, caller: Caller, catalog: Catalog | None = None) -> ToolOutcome:
    catalog = catalog or load_catalog()
    page = _page(catalog, args.page)
    if page is None:
        names = ", ".join(p.title for p in catalog.pages)
        raise ToolError(f"I don't know a page called {args.page}. The pages are: {names}.")
    text = f"Here is the {page.title} page." + (f" {page.summary}" if args.explain else "")
    return ToolOutcome(say=[text], actions=[{"type": "action", "action": "navigate", "path": page.path}],
                       result={"page": page.id, "path": page.path})


def explain(args: Explain, caller: Caller, catalog: Catalog | None = None) -> ToolOutcome:
    catalog = catalog or load_catalog()
    key = args.element.strip().lower()
    if key in ("this", "here", "page", "this page"):
        page = catalog.page_for_path(caller.page_path or "/")
        if page is None:
            raise ToolError("I'm not sure which page you are on.")
        labels = ", ".join(e.label for e in catalog.elements_on(page.id))
        say = [f"This is the {page.title} page. {page.summary}"]
        if labels:
            say.append(f"On it: {labels}.")
        return ToolOutcome(say=say, result={"page": page.id})
    element = catalog.element(key) or next((e for e in catalog.elements if e.label.lower() == key), None)
    if element is None:
        raise ToolError(f"I don't know the part called {args.element}.")
    actions: list[dict[str, Any]] = []
    here = catalog.page_for_path(caller.page_path or "/")
    if element.page != "*" and (here is None or here.id != element.page):
        target = catalog.page(element.page)
        if target is not None:
            actions.append({"type": "action", "action": "navigate", "path": target.path})
    actions.append({"type": "action", "action": "highlight", "element": element.id})
    return ToolOutcome(say=[f"{element.label}: {element.explain}"], actions=actions,
                       result={"element": element.id, "page": element.page})


def run_demo_flow(args: RunDemoFlow, caller: Caller) -> ToolOutcome:
    name = args.name.strip().lower().replace(" ", "_")
    if name not in DEMO_FLOWS:
        raise ToolError(f"I only know these demos: {', '.join(humanize(n) for n in DEMO_FLOWS)}.")
    steps = DEMO_FLOWS[name]
    return ToolOutcome(say=[], result={"flow": name, "steps": len(steps)}, tour=name)


_PHONE = re.compile(r"^\+?[\d\s().-]{7,}$")


async def find_customer(conn: AsyncConnection, wanted: str) -> tuple[uuid.UUID, str, str]:
    """A seeded customer by name, phone number or account last four: (id, full name, last four)."""
    w = wanted.strip()
    digits = re.sub(r"\D", "", w)
    m = re.search(r"(?:ending(?: in)?|last four|last 4)\s*(\d{4})\b", w.lower())
    if m or re.fullmatch(r"\d{4}", w):
        last4 = m.group(1) if m else w
        sql, params = "account_last_4 = %s", (last4,)
    elif _PHONE.match(w) and len(digits) >= 10:
        sql, params = "regexp_replace(phone, '\\D', '', 'g') LIKE %s", ("%" + digits[-10:],)
    else:
        name = re.sub(r"\s+", " ", w.lower())
        if len(name) < 2:
            raise ToolError("Which customer? Say a name, a phone number or the last four digits of the account.")
        sql = ("lower(first_name || ' ' || last_name) = %s OR lower(first_name) = %s OR lower(last_name) = %s")
        params = (name, name, name)  # type: ignore[assignment]
    cur = await conn.execute(f"SELECT id, first_name || ' ' || last_name, account_last_4 FROM customers "
                             f"WHERE {sql} ORDER BY last_name, first_name LIMIT 3", params)
    rows = await cur.fetchall()
    if not rows:
        raise ToolError("I couldn't find that customer among the accounts. Try a full name, a phone number or the "
                        "last four digits of the account.")
    if len(rows) > 1:
        raise ToolError(f"{len(rows)} customers match; say the full name or the last four digits of the account.")
    return rows[0][0], rows[0][1], rows[0][2]


async def launch_test_call(args: LaunchTestCall, caller: Caller, conn: AsyncConnection) -> ToolOutcome:
    if caller.role not in SUPERVISOR_ROLES:
        return ToolOutcome(say=["Launching a test call needs the supervisor role, and you are signed in as a "
                                f"{caller.role}. I can still show you the test call page or answer questions."],
                           result={"refused": "supervisor role required"})
    if not args.customer:
        raise ToolError("Which customer should the test call be with? Say a name, a phone number or the last four "
                        "digits of the account.")
    from shared.db.tactics import list_tactics

    customer_id, name, last4 = await find_customer(conn, args.customer)
    tactics = [t for t in await list_tactics(conn) if t.active]
    try:
        tactic = resolve_tactic(tactics, args.tactic or "balanced progression")
    except Exception as exc:
        raise ToolError(str(exc)) from None
    path = "/test-call?" + urlencode({"customer": str(customer_id), "tactic": tactic.name, "autostart": 1})
    return ToolOutcome(
        say=[f"Launching a test call with {name}, using the "
             f"{humanize(tactic.name)} tactic. It runs in the simulation sandbox and never dials anyone."],
        actions=[{"type": "action", "action": "navigate", "path": path}],
        result={"customer_id": str(customer_id), "account": mask_account(last4), "tactic": tactic.name,
                "path": path})


async def query_analytics(args: QueryAnalytics, caller: Caller, conn: AsyncConnection) -> ToolOutcome:
    try:
        answer = await run_query(conn, args.query)
    except QueryError as exc:
        raise ToolError(str(exc)) from None
    return ToolOutcome(say=[answer.text], result=answer.result())
