"""The admin web app in headless Chromium against the local stack (dev host + this run's database).

Each test saves a screenshot under tests/e2e/screenshots/ (git-ignored) for a human look.
"""
from __future__ import annotations

import re

import pytest
from playwright.async_api import BrowserContext, Page, expect
from psycopg_pool import AsyncConnectionPool

from shared.db import calls
from tests.e2e.conftest import screenshot, sign_in
from tests.e2e.history import add_finished_call, add_live_call, today_at

pytestmark = pytest.mark.e2e

MARIA = "+12125550101"
CALLER_LINES = [
    "Yes, this is Maria Gonzalez.",
    "My account ends in 4821 and my ZIP code is 10001.",
    "I can't pay it all today. What are my options?",
    "A three month plan works for me.",
    "Yes, please set that up. I will pay by bank transfer.",
    "No, that's everything. Thank you, goodbye.",
]


async def test_dashboard_shows_seeded_data(page: Page, pool: AsyncConnectionPool) -> None:
    async with pool.connection() as conn:
        await conn.set_autocommit(True)
        for i, (phone, tactic, outcome) in enumerate([
            (MARIA, "empathetic_gradual", "payment_arranged"),
            ("+13105550102", "balanced_progression", "promise_to_pay"),
            ("+16175550103", "stern", "refused"),
        ]):
            await add_finished_call(conn, phone, tactic, outcome, today_at(1 + i))
    await sign_in(page, "admin")
    await expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    # the figure itself (label, figure and "N connected" run together in the group's text: "0" + "0 connected"
    # read as "00")
    calls_today = page.get_by_role("group", name="Calls today").locator("div").nth(1)
    await expect(calls_today).to_have_text(re.compile(r"^([3-9]|[1-9]\d+)$"))
    recent = page.get_by_role("table")
    await expect(recent).to_contain_text("Maria Gonzalez")
    await expect(recent).to_contain_text("Payment arranged")
    await expect(page.get_by_role("img", name=re.compile("by tactic"))).to_be_visible()
    await screenshot(page, "01-dashboard-dark")
    await page.set_viewport_size({"width": 820, "height": 1180})  # tablet, portrait: navigation folds away
    await expect(page.get_by_role("button", name="Open navigation")).to_be_visible()
    await screenshot(page, "01b-dashboard-tablet")


async def test_simulated_test_call_is_carried_to_the_end_and_appears_in_calls(page: Page) -> None:
    await sign_in(page, "supervisor")
    await page.get_by_role("link", name="Test call").click()
    await page.get_by_label("Customer", exact=True).select_option(label=f"Maria Gonzalez · {MARIA}")
    await expect(page.get_by_test_id("contact-check")).to_be_visible()
    await page.get_by_label("Tactic").select_option("empathetic_gradual")
    await page.get_by_role("button", name="Simulate call").click()
    await expect(page.get_by_test_id("sim-agent").first).to_be_visible(timeout=20_000)
    say = page.get_by_label("Say as the customer")
    ended = page.get_by_text(re.compile("^Call ended"))
    your_turn = page.get_by_text("Your turn", exact=True).or_(ended)
    for line in CALLER_LINES:
        await expect(your_turn).to_be_visible(timeout=20_000)
        if await ended.is_visible():
            break
        await say.fill(line)
        await page.get_by_role("button", name="Send").click()
        await expect(page.get_by_test_id("sim-caller").last).to_contain_text(line)
    await expect(ended).to_be_visible(timeout=30_000)
    await expect(page.get_by_text("Error", exact=True)).to_have_count(0)
    tools = page.get_by_test_id("sim-tool")
    await expect(tools.filter(has_text="verify_account")).to_have_count(1)
    await expect(tools.filter(has_text="process_payment")).to_have_count(1)
    await screenshot(page, "02-test-call-simulated")

    await page.get_by_role("link", name="Open the call record").click()
    timeline = page.get_by_label("Call timeline")
    await expect(timeline).to_contain_text("4821")
    await expect(timeline).to_contain_text("verify_account")
    await expect(timeline).to_contain_text("process_payment")
    await page.get_by_role("link", name="All calls").click()
    await expect(page.get_by_role("table")).to_contain_text("Simulated")
    await screenshot(page, "03-calls-list")


async def test_tactic_edit_persists(page: Page) -> None:
    await sign_in(page, "admin")
    await page.get_by_role("link", name="Tactics").click()
    card = page.locator("section", has=page.get_by_text("Balanced progression", exact=True))
    await card.get_by_role("link", name=re.compile("View performance")).click()
    before = await page.get_by_text(re.compile(r"version \d+")).first.inner_text()
    await page.get_by_role("button", name="Edit tactic").click()
    urgency = page.get_by_label("Urgency", exact=True)
    await urgency.focus()
    await urgency.press("End")  # keyboard only: the slider jumps to 10
    await expect(urgency).to_have_value("10")
    await expect(page.get_by_test_id("prompt-preview")).to_contain_text("Urgency 10/10")
    await page.get_by_role("button", name="Save new version").click()
    await expect(page.get_by_role("status")).to_contain_text("Saved as version")
    await page.reload()
    await expect(page.get_by_label("Urgency", exact=True)).to_have_value("10")
    after = await page.get_by_text(re.compile(r"version \d+")).first.inner_text()
    assert _version(after) == _version(before) + 1
    await expect(page.get_by_role("table", name="Version history")).to_contain_text(f"v{_version(after)}")
    await screenshot(page, "04-tactic-edited")


def _version(text: str) -> int:
    found = re.search(r"version (\d+)", text)
    assert found, text
    return int(found.group(1))


async def test_viewer_cannot_see_edit_and_the_api_refuses(page: Page) -> None:
    await sign_in(page, "viewer")
    await page.get_by_role("link", name="Tactics").click()
    await expect(page.get_by_role("link", name="New tactic")).to_have_count(0)
    await page.locator("section", has=page.get_by_text("Stern", exact=True)).get_by_role(
        "link", name=re.compile("View performance")).click()
    await expect(page).to_have_url(re.compile(r"/tactics/\d+$"))   # the list page has a "Stern" heading too
    await expect(page.get_by_role("heading", name="Stern")).to_be_visible()
    await expect(page.get_by_role("button", name="Edit tactic")).to_have_count(0)
    await expect(page.get_by_label("Urgency", exact=True)).to_be_disabled()
    await screenshot(page, "05-viewer-tactic-readonly")

    token = await page.evaluate("localStorage.getItem('archer.devToken')")
    tactic_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    res = await page.request.patch(f"/api/v1/tactics/{tactic_id}", headers={"Authorization": f"Bearer {token}"},
                                   data={"config": {"urgency": 10, "empathy": 1, "persistence": 10, "authority": 10}})
    assert res.status == 403, await res.text()


async def test_theme_survives_a_reload(page: Page) -> None:
    await sign_in(page, "admin")
    html = page.locator("html")
    await expect(html).to_have_attribute("data-theme", "dark")
    assert await page.evaluate("getComputedStyle(document.documentElement).backgroundColor") == "rgb(10, 14, 26)"
    await page.get_by_role("button", name=re.compile("^User menu")).click()
    await page.get_by_role("menuitem", name="Switch to light theme").click()
    await expect(html).to_have_attribute("data-theme", "light")
    await page.reload()
    await expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    await expect(html).to_have_attribute("data-theme", "light")
    assert await page.evaluate("localStorage.getItem('archer.theme')") == "light"
    assert await page.evaluate("getComputedStyle(document.documentElement).backgroundColor") != "rgb(10, 14, 26)"
    await screenshot(page, "06-dashboard-light")


async def test_live_call_transcript_updates_without_reload(page: Page, pool: AsyncConnectionPool) -> None:
    async with pool.connection() as conn:
        await conn.set_autocommit(True)
        call_id = await add_live_call(conn, "+12065550105", "balanced_progression")
    await sign_in(page, "supervisor")
    await page.goto(f"/calls/{call_id}")
    timeline = page.get_by_label("Call timeline")
    await expect(timeline).to_contain_text("on behalf of")
    await expect(page.get_by_text("Live", exact=False).first).to_be_visible()
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))

    async with pool.connection() as conn:
        await conn.set_autocommit(True)
        await calls.add_transcript_entry(conn, call_id, 1, "caller", "Yes, this is Grace. What is this about?")
    await expect(timeline).to_contain_text("What is this about?")
    async with pool.connection() as conn:
        await conn.set_autocommit(True)
        await calls.add_transcript_entry(conn, call_id, 2, "agent", "I'm calling about your account ending in 3307.")
    await expect(timeline).to_contain_text("ending in 3307")
    assert navigations == [], "the page reloaded"
    await screenshot(page, "07-call-live-transcript")


async def test_compliance_and_customer_pages_show_the_record(page: Page, pool: AsyncConnectionPool) -> None:
    async with pool.connection() as conn:
        await conn.set_autocommit(True)
        await add_finished_call(conn, "+13055550107", "stern", "promise_to_pay", today_at(1))
    await sign_in(page, "admin")
    await page.get_by_role("link", name="Compliance").click()
    await expect(page.get_by_text("Compliance Counsel (demo sign-off)")).to_be_visible()
    await expect(page.get_by_role("cell", name="+13125550104", exact=True)).to_be_visible()  # the seeded DNC entry
    await screenshot(page, "08-compliance")
    await page.get_by_role("link", name="Customers").click()
    await page.get_by_role("link", name="Emily Nguyen").click()
    await expect(page.get_by_role("heading", name="Emily Nguyen")).to_be_visible()
    await expect(page.get_by_role("list", name="Compliance timeline")).to_contain_text("Mini-Miranda")
    await expect(page.get_by_text("$1,540.80")).to_be_visible()
    await screenshot(page, "09-customer-detail")


async def test_supervisor_creates_a_campaign_draft(page: Page) -> None:
    await sign_in(page, "supervisor")
    await page.get_by_role("link", name="Campaigns").click()
    await page.get_by_role("button", name="New campaign").click()
    await page.get_by_label("Name", exact=True).fill("November 60+ days")
    await page.get_by_label("Tactic").select_option(label="Empathetic gradual")
    await page.get_by_label("At least days overdue").fill("60")
    await page.get_by_role("button", name="Create as draft").click()
    card = page.locator("section", has=page.get_by_text("November 60+ days", exact=True))
    await expect(card).to_contain_text("Draft")
    await expect(card).to_contain_text("Empathetic gradual")
    await expect(card).to_contain_text("chosen from the filter when the campaign starts")
    await expect(card.get_by_role("button", name="Start")).to_be_visible()
    await screenshot(page, "10-campaigns")


async def test_a_simulated_call_is_followed_live_from_its_call_page(context: BrowserContext) -> None:
    caller, watcher = await context.new_page(), await context.new_page()
    await sign_in(caller, "supervisor")
    await caller.goto("/test-call")
    await caller.get_by_label("Customer", exact=True).select_option(label="Aisha Rahman · +16175550103")
    await caller.get_by_role("button", name="Simulate call").click()
    await expect(caller.get_by_text("Your turn", exact=True)).to_be_visible(timeout=20_000)

    await watcher.goto("/calls?status=in-progress")  # a second tab: already signed in (the sign-in is shared)
    await expect(watcher.get_by_role("navigation", name="Main")).to_be_visible()
    row = watcher.get_by_role("row", name=re.compile("Aisha Rahman"))
    await row.get_by_role("link").first.click()
    timeline = watcher.get_by_label("Call timeline")
    await expect(timeline).to_contain_text("Recording notice")  # the disclosures already given
    await expect(watcher.get_by_text("Live", exact=False).first).to_be_visible()
    url = watcher.url

    await caller.get_by_label("Say as the customer").fill("Yes, this is Aisha speaking.")
    await caller.get_by_role("button", name="Send").click()
    await expect(timeline).to_contain_text("Yes, this is Aisha speaking.", timeout=15_000)
    assert watcher.url == url
    await screenshot(watcher, "11-live-call-followed")
    await caller.get_by_role("button", name="Hang up").click()
    await expect(caller.get_by_text(re.compile("^Call ended"))).to_be_visible()
