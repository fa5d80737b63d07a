"""The console an operations team uses, in headless Chromium against a dev host started as `make dev` starts it
(no auth settings): first sign-in per role, facts on screen, campaigns that explain themselves, analytics and
exports, operator conveniences. Screenshots land in tests/e2e/screenshots/ (console-*)."""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from playwright.async_api import BrowserContext, Page, expect
from psycopg_pool import AsyncConnectionPool

from shared.db import calls, customers
from tests.e2e.conftest import screenshot, sign_in
from tests.e2e.history import add_finished_call, today_at

pytestmark = pytest.mark.e2e


async def _role_shown(page: Page, role: str) -> None:
    await expect(page.get_by_role("button", name=re.compile("^User menu"))).to_contain_text(role, ignore_case=True)


@pytest.mark.parametrize("role", ["viewer", "supervisor", "admin"])
async def test_first_run_signs_in_as_each_role_with_no_auth_settings(page: Page, role: str) -> None:
    await sign_in(page, role)
    await _role_shown(page, role)
    await page.goto("/test-call")
    simulate = page.get_by_role("button", name="Simulate call")
    if role == "viewer":
        await expect(simulate).to_have_count(0)  # simulating needs the supervisor role (the API refuses it too)
        await expect(page.get_by_text("needs the supervisor role")).to_be_visible()
    else:
        await expect(simulate).to_be_visible()
    await screenshot(page, f"console-01-signed-in-{role}")


async def test_sign_in_is_shared_by_every_tab(context: BrowserContext) -> None:
    first = await context.new_page()
    await sign_in(first, "supervisor")
    second = await context.new_page()
    await second.goto("/customers")
    await expect(second.get_by_role("heading", name="Customers")).to_be_visible()
    await _role_shown(second, "supervisor")
    await first.get_by_role("button", name=re.compile("^User menu")).click()
    await first.get_by_role("menuitem", name="Sign out").click()
    await expect(second.get_by_role("heading", name="Sign in")).to_be_visible()  # signing out reaches every tab
    await screenshot(second, "console-02-signed-out-in-other-tab")


async def test_customer_flags_and_search_as_you_type(page: Page) -> None:
    await sign_in(page, "supervisor")  # numbers are searchable for roles that see them unmasked
    await page.get_by_role("link", name="Customers").click()
    table = page.get_by_role("table", name="Customers")
    search = page.get_by_role("searchbox", name="Search")
    await search.type("(312) 555-0104", delay=20)  # a phone number in another format: no Enter needed
    await expect(table.get_by_role("row")).to_have_count(2)
    await expect(table).to_contain_text("Kowalski")
    await expect(table).to_contain_text("On do-not-call list")
    await screenshot(page, "console-03-customers-search-phone")
    await search.fill("4821")                      # account last four
    await expect(table).to_contain_text("Maria Gonzalez")
    await expect(table.get_by_role("row")).to_have_count(2)
    await search.fill("okafor")
    await expect(table).to_contain_text("Asked to stop calls")
    await search.fill("Kowalski")
    await table.get_by_role("link", name="Daniel Kowalski").click()
    flags = page.get_by_role("table", name="Compliance flags")
    await expect(flags).to_contain_text("On do-not-call list")
    await expect(flags).to_contain_text("consumer request")
    await expect(flags).to_contain_text(re.compile(r"\d{4}, \d{1,2}:\d{2} [AP]M [A-Z]{2,5}|GMT"))  # date, time, zone
    await expect(page.get_by_text("Dnc listed")).to_have_count(0)
    await screenshot(page, "console-04-customer-flags")


async def test_calls_list_updates_live_and_lines_carry_their_own_time(context: BrowserContext,
                                                                      pool: AsyncConnectionPool) -> None:
    caller = await context.new_page()
    await sign_in(caller, "supervisor")
    watcher = await context.new_page()
    await watcher.goto("/calls")
    table = watcher.get_by_role("table").first
    await expect(watcher.get_by_text("Updates live.")).to_be_visible()
    before = await table.get_by_role("row", name=re.compile("Hannah Schmidt")).count()

    await caller.goto("/test-call")
    await caller.get_by_label("Customer", exact=True).select_option(label="Hannah Schmidt · +13035550109")
    await caller.get_by_role("button", name="Simulate call").click()
    await expect(caller.get_by_text("Your turn", exact=True)).to_be_visible(timeout=20_000)
    await caller.wait_for_timeout(1200)                        # the caller thinks before answering
    await caller.get_by_label("Say as the customer").fill("Yes, this is Hannah.")
    await caller.get_by_role("button", name="Send").click()
    await expect(caller.get_by_text("Your turn", exact=True)).to_be_visible(timeout=20_000)
    await caller.get_by_role("button", name="Hang up").click()
    await expect(caller.get_by_text(re.compile("^Call ended"))).to_be_visible()

    rows = table.get_by_role("row", name=re.compile("Hannah Schmidt"))
    await expect(rows).to_have_count(before + 1, timeout=12_000)  # pushed by /live, no reload (polling is off)
    await screenshot(watcher, "console-05-calls-live")
    await rows.first.get_by_role("link").first.click()
    stamps = watcher.get_by_label("Call timeline").locator("time")
    await expect(stamps.nth(1)).to_be_visible()
    times = [await stamps.nth(i).get_attribute("datetime") for i in range(await stamps.count())]
    async with pool.connection() as conn:
        call_id = watcher.url.rsplit("/", 1)[-1]
        lines = await calls.list_transcript(conn, __import__("uuid").UUID(call_id))
    greeting, reply = next(t for t in lines if t.speaker == "agent"), next(t for t in lines if t.speaker == "caller")
    assert (reply.spoken_at - greeting.spoken_at).total_seconds() >= 1.0, "the greeting is stamped when spoken"
    assert all(times), "every transcript line shows its time stamp"
    await screenshot(watcher, "console-06-call-times")


async def test_latency_of_simulated_calls_is_labelled(page: Page, pool: AsyncConnectionPool) -> None:
    async with pool.connection() as conn:
        await conn.set_autocommit(True)
        grace = await customers.find_by_phone(conn, "+12065550105")
        assert grace is not None
        call = await calls.create_call(conn, calls.NewCall(direction="outbound", call_type="simulated",
                                                           customer_id=grace.id, status="completed"))
        for turn in range(3):
            await calls.record_turn_metrics(conn, calls.TurnMetrics(call_id=call.id, turn=turn, llm_ttft_ms=140 + turn,
                                                                    first_sentence_ms=320 + 10 * turn))
    await sign_in(page, "viewer")
    await page.goto(f"/calls/{call.id}")
    await expect(page.get_by_role("table", name="Per-turn engine timings (simulated)")).to_contain_text("330 ms")
    await expect(page.get_by_text("Per-turn latency (simulated")).to_be_visible()
    await screenshot(page, "console-07-call-latency-simulated")
    await page.goto("/")
    await expect(page.get_by_text("figures appear after the first call")).to_have_count(0)
    await expect(page.get_by_role("img", name=re.compile("Latency"))).to_be_visible()


async def test_campaigns_explain_themselves(page: Page) -> None:
    await sign_in(page, "supervisor")
    await page.get_by_role("link", name="Campaigns").click()
    for name, field, value in (("Nobody matches", "At least days overdue", "30000"),
                               ("Illinois only", "State / province", "IL")):
        await page.get_by_role("button", name="New campaign").click()
        await page.get_by_label("Name", exact=True).fill(name)
        await page.get_by_label("At least days overdue").fill("")
        await page.get_by_label(field).fill(value)
        await page.get_by_role("button", name="Create as draft").click()
        await expect(page.locator("section", has=page.get_by_text(name, exact=True))).to_be_visible()
    nobody = page.locator("section", has=page.get_by_text("Nobody matches", exact=True))
    await nobody.get_by_role("button", name="Start").click()
    await expect(nobody.get_by_role("alert")).to_contain_text("no eligible targets")
    illinois = page.locator("section", has=page.get_by_text("Illinois only", exact=True))
    await illinois.get_by_role("button", name="Start").click()
    # Blocked now, or already skipped for it by the local workflow driver: either way the card says why.
    explanation = illinois.get_by_test_id("campaign-explanation")
    await expect(explanation).to_contain_text(re.compile("blocked by the pre-dial gate|skipped by the pre-dial gate"))
    await expect(explanation).to_contain_text("On do-not-call list (1)")
    await expect(illinois).to_contain_text(re.compile("[01] of 1 customers done"))
    await illinois.get_by_role("button", name=re.compile("Show the 1 targets")).click()
    targets = illinois.get_by_role("table", name="Campaign targets")
    await expect(targets).to_contain_text("Daniel Kowalski")
    await expect(targets).to_contain_text("Blocked")
    await screenshot(page, "console-08-campaign-explained")


async def test_analytics_window_weekly_series_and_exports(page: Page, pool: AsyncConnectionPool,
                                                          tmp_path: Path) -> None:
    async with pool.connection() as conn:
        await conn.set_autocommit(True)
        call_id = await add_finished_call(conn, "+19725550111", "stern", "promise_to_pay", today_at(2))
    await sign_in(page, "admin")
    await page.get_by_role("button", name="Last 7 days").click()
    await expect(page.get_by_text(re.compile("Tactic performance, last 7 days"))).to_be_visible()
    legend = page.get_by_role("img", name=re.compile("by tactic")).locator(".recharts-legend-item-text")
    await expect(legend.first).to_be_visible()
    assert await legend.all_inner_texts() == ["Success %", "Promise to pay %"]  # the order the bars are drawn
    await expect(page.get_by_role("img", name=re.compile("Stern \\d+ calls"))).to_be_visible()
    await screenshot(page, "console-09-dashboard-window")
    await page.get_by_role("link", name="Tactics").click()
    await page.locator("section", has=page.get_by_text("Stern", exact=True)).get_by_role(
        "link", name=re.compile("View performance")).click()
    await expect(page.get_by_text("Performance by week, last 7 days")).to_be_visible()  # the same window
    weekly = page.get_by_role("table", name="Performance by week")
    await expect(weekly).to_contain_text(re.compile(r"of \d+"))
    await screenshot(page, "console-10-tactic-weekly")

    await page.goto("/calls")
    await page.get_by_label("Include transcripts").check()
    async with page.expect_download() as info:
        await page.get_by_role("button", name="Export CSV").click()
    await (await info.value).save_as(tmp_path / "calls.csv")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "calls.csv").read_text())))
    assert any("Customer: Not all at once" in r["transcript"] for r in rows)

    await page.goto(f"/calls/{call_id}")
    async with page.expect_download() as info:
        await page.get_by_role("button", name="Export JSON").click()
    await (await info.value).save_as(tmp_path / "call.json")
    assert json.loads((tmp_path / "call.json").read_text())["id"] == str(call_id)
    async with page.expect_download() as info:
        await page.get_by_role("button", name="Export CSV").click()
    await (await info.value).save_as(tmp_path / "call.csv")
    kinds = {r["kind"] for r in csv.DictReader(io.StringIO((tmp_path / "call.csv").read_text()))}
    assert kinds == {"call", "speech", "tool", "compliance"}
    await screenshot(page, "console-11-call-export")


async def test_operator_conveniences(page: Page, tmp_path: Path) -> None:
    await sign_in(page, "admin")
    await page.get_by_role("link", name="Customers").click()
    await page.get_by_role("button", name="Add customer").click()
    form = page.get_by_role("form", name="Add a customer")
    for label, value in (("First name", "Robin"), ("Last name", "Ashcombe"), ("Phone", "(646) 555-0177"),
                         ("Account last four", "5150"), ("Postal code", "10018"), ("Balance (USD)", "2400.00"),
                         ("Days overdue", "40"), ("State / province", "NY")):
        await form.get_by_label(label, exact=True).fill(value)
    await form.get_by_label("Time zone").select_option("America/New_York")
    await form.get_by_role("button", name="Add customer").click()
    await expect(page.get_by_role("heading", name="Robin Ashcombe")).to_be_visible()
    await expect(page.get_by_text("+16465550177")).to_be_visible()
    await page.get_by_role("button", name="Edit customer").click()
    await page.get_by_role("form", name="Edit customer").get_by_label("Days overdue").fill("55")
    await page.get_by_role("button", name="Save changes").click()
    await expect(page.get_by_text("55", exact=True)).to_be_visible()
    await screenshot(page, "console-12-customer-added")

    bad = tmp_path / "one-bad-row.csv"
    bad.write_text("first_name,last_name,phone,account_last_4,postal_code,balance,days_overdue\n"
                   "Ok,Row,+12125550190,1234,10001,10.00,3\n,,not a phone,12,!,-5,x\n")
    await page.goto("/customers")
    await page.get_by_role("button", name="Import CSV").click()
    await page.locator("input[type=file]").set_input_files(str(bad))
    await expect(page.get_by_role("alert")).to_contain_text(re.compile(r"1 row has [2-9] problems"))
    await screenshot(page, "console-13-import-errors")

    await page.goto("/test-call")
    picker = page.get_by_label("Customer", exact=True)
    names = [n.split(" · ")[0] for n in (await picker.locator("option").all_inner_texts())[1:]]
    last = [n.split(" ")[-1] for n in names]
    assert last == sorted(last), "customers are sorted by last name"
    await picker.select_option(label="Daniel Kowalski · +13125550104")
    await expect(page.get_by_test_id("gate-banner")).to_contain_text("would be blocked")
    await expect(page.get_by_test_id("contact-check")).to_contain_text(re.compile(r"there \(America/Chicago\)"))
    await screenshot(page, "console-14-test-call-gate-banner")

    await picker.select_option(label="Maria Gonzalez · +12125550101")
    await page.get_by_label("Balance (USD)").fill("99.50")
    await page.get_by_label("Days overdue").fill("12")
    await expect(page.get_by_text("what if").first).to_be_visible()
    await page.get_by_role("button", name="Simulate call").click()
    say = page.get_by_label("Say as the customer")
    for line in ("Yes, this is Maria Gonzalez.", "My account ends in 4821 and my ZIP code is 10001."):
        await expect(page.get_by_text("Your turn", exact=True)).to_be_visible(timeout=20_000)
        await say.fill(line)
        await page.get_by_role("button", name="Send").click()
    await expect(page.get_by_test_id("sim-agent").last).to_contain_text("$99.50", timeout=20_000)
    await screenshot(page, "console-15-test-call-what-if")
    await page.get_by_role("button", name="Hang up").click()
