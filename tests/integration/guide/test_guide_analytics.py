"""Done when: "a test asks query_analytics each documented question form and compares the spoken figures with the
API's". Calls, arrangements, turn latencies and compliance events are seeded with the API tests' factories; each
documented form (shared/guide/rules.py) is asked through WS /guide; the numbers are parsed out of the spoken
answer and compared with what the admin API (functions' FastAPI app over httpx ASGI) returns for the same window."""
from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from shared.db import calls as calls_db
from shared.db import compliance_records
from shared.db.tactics import get_tactic_by_name
from tests.integration.api import factories
from tests.integration.api.conftest import bearer
from tests.integration.guide.conftest import guide_stack
from tests.integration.guide.support import open_guide, said


def api_days(window: str, today: Any) -> int:
    """The dashboard's `days` for a spoken window (the documented meaning of each window)."""
    return {"today": 1, "this week": today.weekday() + 1, "this month": today.day, "last 7 days": 7,
            "last 30 days": 30}[window]


def seed_anchor(now: datetime) -> datetime:
    """The instant the seeded history is aged from. The windows are UTC calendar days, so a history aged from a
    `now` just past midnight (or on the 1st, or a Monday) would leave "today"/"this week"/"this month" empty and
    test the empty answer only: the anchor is kept at least two hours into today (a few of the newest calls may
    lie up to two hours ahead, still today, which every window counts)."""
    day_start = datetime.combine(now.date(), datetime.min.time(), tzinfo=UTC)
    return max(now, day_start + timedelta(hours=2))


async def seed_history(conn: Any) -> None:
    now = seed_anchor(datetime.now(UTC))
    maria = await factories.customer(conn, phone="+12125550142")
    other = await factories.customer(conn, phone="+13105550199")
    empathetic = await get_tactic_by_name(conn, "empathetic_gradual")
    stern = await get_tactic_by_name(conn, "stern")
    plan = [  # (age, tactic, outcome, arrangement)
        (timedelta(minutes=5), empathetic, "promise_to_pay", None),
        (timedelta(minutes=9), empathetic, "payment_arranged", Decimal("420.00")),
        (timedelta(minutes=12), stern, "refused", None),
        (timedelta(minutes=30), stern, "payment_arranged", Decimal("1250.00")),
        (timedelta(hours=1), None, "voicemail", None),
        (timedelta(days=1), empathetic, "refused", None),
        (timedelta(days=3), stern, "payment_arranged", Decimal("300.50")),
        (timedelta(days=5), empathetic, "promise_to_pay", None),
        (timedelta(days=9), stern, "refused", None),
        (timedelta(days=20), empathetic, "payment_arranged", Decimal("99.99")),
    ]
    for i, (age, tactic, outcome, amount) in enumerate(plan):
        call = await factories.call(conn, customer_id=maria.id if i % 2 else other.id, tactic=tactic,
                                    started_at=now - age, outcome=outcome, arrangement=amount)
        for turn, ms in enumerate((410.0 + 13 * i, 530.0 + 7 * i)):
            await calls_db.record_turn_metrics(conn, calls_db.TurnMetrics(
                call_id=call.id, turn=turn, voice_to_voice_ms=ms, overhead_ms=ms / 60))
        if i < 4:
            await compliance_records.record_event(conn, category="guard_block", code="false_threat",
                                                  customer_id=maria.id, call_id=call.id)
        await compliance_records.record_event(conn, category="disclosure", code="mini_miranda",
                                              customer_id=maria.id, call_id=call.id, occurred_at=now - age)


async def get(client: httpx.AsyncClient, token: str, path: str, **params: Any) -> Any:
    r = await client.get(path, params=params, headers=bearer(token))
    assert r.status_code == 200, r.text
    return r.json()


def pct(rate: float | None) -> float:
    assert rate is not None
    return round(rate * 100, 1)


def money(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


async def test_every_documented_question_form_speaks_the_apis_figures(seeded, pool, client, tokens):
    # The windows are read off the clock both here and in the guide: do not straddle a UTC midnight.
    to_midnight = (datetime.combine(datetime.now(UTC).date() + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
                   - datetime.now(UTC)).total_seconds()
    if to_midnight < 60:
        await asyncio.sleep(to_midnight + 1)
    await seed_history(seeded)
    token = tokens["viewer"]
    today = datetime.now(UTC).date()
    tactics = {t["name"]: t["id"] for t in await get(client, token, "/api/v1/tactics")}

    async def dashboard(window: str) -> Any:
        return await get(client, token, "/api/v1/dashboard", days=api_days(window, today))

    async def performance(tactic: str, window: str) -> Any:
        return (await get(client, token, f"/api/v1/tactics/{tactics[tactic]}/performance",
                          days=api_days(window, today)))["totals"]

    async with guide_stack(pool) as stack:
        cm, g, _ = await open_guide(stack.base, "viewer-token")
        try:
            async def ask(question: str) -> str:
                return said(await g.ask(question))

            checked: list[str] = []

            # 1. calls (all tactics, and one tactic)
            for q, window, tactic in (("How many calls today?", "today", None),
                                      ("How many calls this month with the stern tactic?", "this month", "stern"),
                                      ("how many calls in the last 30 days", "last 30 days", None)):
                m = re.search(r"There were (\d+) calls?.*?; (\d+) connected", await ask(q))
                assert m, q
                api = await performance(tactic, window) if tactic else (await dashboard(window))["window"]
                assert (int(m[1]), int(m[2])) == (api["calls"], api["connected"]), q
                checked.append("calls")

            # 2. success rate (one tactic, and all)
            for q, window, tactic in (
                    ("What was our success rate with the empathetic tactic this week?", "this week",
                     "empathetic_gradual"),
                    ("What is the success rate over the last 30 days?", "last 30 days", None),
                    ("success rate this month", "this month", None)):
                text = await ask(q)
                m = re.search(r"is ([\d.]+) percent: (\d+) of (\d+) connected call", text)
                assert m, (q, text)
                api = await performance(tactic, window) if tactic else (await dashboard(window))["window"]
                assert float(m[1]) == pct(api["success_rate"]), q
                assert int(m[3]) == api["connected"]
                assert int(m[2]) == round(api["success_rate"] * api["connected"])
                checked.append("success_rate")

            # 3. promises to pay
            text = await ask("How many promises to pay in the last 7 days?")
            m = re.search(r"^(\d+) calls? ended in an arrangement or a promise to pay .* out of (\d+) connected",
                          text)
            assert m, text
            api = (await dashboard("last 7 days"))["window"]
            assert int(m[2]) == api["connected"] and int(m[1]) == round(api["success_rate"] * api["connected"])
            checked.append("promises")

            # 4. arrangements: count, total, average
            text = await ask("How much was arranged this month?")
            m = re.search(r"(\d+) payment arrangements? (?:was|were) made this month, totalling \$([\d,]+\.\d\d), "
                          r"an average of \$([\d,]+\.\d\d)", text)
            assert m, text
            api = (await dashboard("this month"))["window"]
            assert int(m[1]) == api["arrangements"]
            assert money(m[3]) == Decimal(api["average_arrangement_amount"])
            assert abs(money(m[2]) - money(m[3]) * int(m[1])) <= Decimal("0.01") * int(m[1])
            checked.append("arrangements")

            # 5. outcomes breakdown (GET /api/v1/calls?from=…&outcome=…)
            text = await ask("What were the outcomes this month?")
            spoken = {o.replace(" ", "_"): int(n) for o, n in re.findall(r"([a-z][a-z ]*?) (\d+)",
                                                                        text.split(":", 1)[1])}
            since = datetime.combine(today - timedelta(days=api_days("this month", today) - 1),
                                     datetime.min.time(), tzinfo=UTC)
            assert spoken
            for outcome, n in spoken.items():
                page = await get(client, token, "/api/v1/calls", **{"from": since.isoformat(), "outcome": outcome,
                                                                     "limit": 200})
                assert len(page["items"]) == n, outcome
            checked.append("outcomes")

            # 6. best tactic
            text = await ask("Which tactic works best this month?")
            m = re.search(r"best tactic this month is ([a-z ]+), with a success rate of ([\d.]+) percent over "
                          r"(\d+) connected", text)
            assert m, text
            board = [t for t in (await dashboard("this month"))["tactics"]
                     if t["tactic_name"] and t["success_rate"] is not None]
            best = max(board, key=lambda t: (t["success_rate"], t["connected"], t["tactic_name"]))
            assert m[1].replace(" ", "_") == best["tactic_name"] and float(m[2]) == pct(best["success_rate"])
            assert int(m[3]) == best["connected"]
            checked.append("best_tactic")

            # 7. how is a tactic doing
            text = await ask("How is the stern tactic doing this month?")
            m = re.search(r"with the stern tactic this month is ([\d.]+) percent", text)
            assert m, text
            assert float(m[1]) == pct((await performance("stern", "this month"))["success_rate"])
            checked.append("tactic_performance")

            # 8. latency p50/p95 (voice to voice and Archer's overhead)
            for q, window, key in (("What is the voice latency this week?", "this week", "voice_to_voice"),
                                   ("what is the overhead latency in the last 30 days", "last 30 days",
                                    "overhead")):
                m = re.search(r"p50 (\d+) milliseconds, p95 (\d+) milliseconds", await ask(q))
                assert m, q
                lat = (await dashboard(window))["latency"]
                assert (int(m[1]), int(m[2])) == (round(lat[f"{key}_p50_ms"]), round(lat[f"{key}_p95_ms"])), q
                checked.append("latency")

            # 9–10. compliance events and guard blocks (GET /api/v1/compliance/events)
            week_start = datetime.combine(today - timedelta(days=api_days("this week", today) - 1),
                                          datetime.min.time(), tzinfo=UTC)
            events = (await get(client, token, "/api/v1/compliance/events", limit=500))["items"]
            in_week = [e for e in events if datetime.fromisoformat(e["occurred_at"]) >= week_start]
            m = re.search(r"There were (\d+) compliance events? this week", await ask(
                "How many compliance events this week?"))
            assert m and int(m[1]) == len(in_week)
            blocks = (await get(client, token, "/api/v1/compliance/events", category="guard_block",
                                limit=500))["items"]
            m = re.search(r"stopped (\d+) sentences? this week", await ask(
                "How many sentences did the guard block this week?"))
            assert m and int(m[1]) == len([e for e in blocks
                                           if datetime.fromisoformat(e["occurred_at"]) >= week_start])
            checked += ["compliance_events", "guard_blocks"]
        finally:
            await cm.__aexit__(None, None, None)
    assert set(checked) == {"calls", "success_rate", "promises", "arrangements", "outcomes", "best_tactic",
                            "tactic_performance", "latency", "compliance_events", "guard_blocks"}
