"""Accessibility: axe-core (the npm dev dependency, injected into each page) reports no serious or critical
violation on any page, in both themes, at desktop and tablet width; the Test-call page and the tactic editor work
with the keyboard alone."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import BrowserContext, Page, expect
from psycopg_pool import AsyncConnectionPool

from tests.e2e.conftest import screenshot, sign_in
from tests.e2e.history import add_finished_call, today_at
from tests.support.servers import repo_root

pytestmark = pytest.mark.e2e

AXE = repo_root() / "web" / "node_modules" / "axe-core" / "axe.min.js"
VIEWPORTS = {"desktop": {"width": 1440, "height": 900}, "tablet": {"width": 820, "height": 1180}}
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


async def _violations(page: Page) -> list[str]:
    """Serious and critical axe violations on the page as one line each (rule, impact, first targets)."""
    await page.add_script_tag(path=str(Path(AXE)))
    result = await page.evaluate("(tags) => axe.run(document, { runOnly: { type: 'tag', values: tags } })", TAGS)
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


async def _settle(page: Page) -> None:
    await expect(page.get_by_role("status").filter(has_text=re.compile("^Loading"))).to_have_count(0)
    await page.wait_for_timeout(300)  # charts draw after data arrives


# Open states worth checking too: (path, button to press, what then appears).
OPENED = [("/customers", "Add customer", "form"), ("/customers", "Import CSV", "Import customers from CSV"),
          ("/campaigns", "New campaign", "Create as draft"), ("/", re.compile("^User menu"), "menu")]


async def _open_states(page: Page) -> dict[str, list[str]]:
    found = {}
    for path, button, then in OPENED:
        await page.goto(path)
        await _settle(page)
        await page.get_by_role("button", name=button).click()
        if then in ("form", "menu"):
            await expect(page.get_by_role(then).first).to_be_visible()
        else:
            await expect(page.get_by_text(then).first).to_be_visible()
        found[f"{path} + {button}"] = await _violations(page)
    return found


async def _pages(page: Page, pool: AsyncConnectionPool) -> list[str]:
    async with pool.connection() as conn:
        await conn.set_autocommit(True)
        call_id = await add_finished_call(conn, "+16025550108", "aggressive_anchor", "refused", today_at(3))
        cur = await conn.execute("SELECT id FROM customers WHERE phone = '+13125550104'")
        customer_id = (await cur.fetchone())[0]  # type: ignore[index]
        cur = await conn.execute("SELECT id FROM behavioral_tactics WHERE name = 'stern'")
        tactic_id = (await cur.fetchone())[0]  # type: ignore[index]
    return ["/", "/calls", f"/calls/{call_id}", "/tactics", f"/tactics/{tactic_id}", "/tactics/new", "/test-call",
            "/campaigns", "/customers", f"/customers/{customer_id}", "/compliance", "/quality", "/no-such-page"]


@pytest.mark.parametrize("theme", ["dark", "light"])
async def test_no_serious_or_critical_axe_violations_on_any_page(context: BrowserContext, pool: AsyncConnectionPool,
                                                                 theme: str) -> None:
    page = await context.new_page()
    await page.add_init_script(f"localStorage.setItem('archer.theme', '{theme}')")
    found: dict[str, list[str]] = {}
    for size, viewport in VIEWPORTS.items():
        await page.set_viewport_size(viewport)
        await page.goto("/")
        await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        found[f"sign-in {size}"] = await _violations(page)
        if size == "desktop":
            await screenshot(page, f"a11y-sign-in-{theme}")
        await sign_in(page, "admin")
        for path in await _pages(page, pool):
            await page.goto(path)
            await expect(page.get_by_role("heading", level=1)).to_be_visible()
            await _settle(page)
            found[f"{path} {size}"] = await _violations(page)
        if size == "desktop":
            found.update(await _open_states(page))
        await page.evaluate("localStorage.removeItem('archer.devToken')")
    bad = {where: v for where, v in found.items() if v}
    print(f"axe {theme}: {len(found)} page loads checked, {sum(len(v) for v in bad.values())} serious/critical")
    assert bad == {}, "\n".join(f"{where}: {line}" for where, lines in bad.items() for line in lines)


async def test_test_call_page_by_keyboard_alone(page: Page) -> None:
    await sign_in(page, "supervisor")
    await page.goto("/test-call")
    await expect(page.get_by_role("heading", name="Test call")).to_be_visible()
    customer = page.get_by_label("Customer", exact=True)
    await customer.focus()
    for _ in range(40):                                       # arrow down to the customer, as a keyboard user would
        if "Aisha Rahman" in (await customer.evaluate("s => s.selectedOptions[0].text")):
            break
        await page.keyboard.press("ArrowDown")
    await expect(page.get_by_test_id("contact-check")).to_be_visible()
    simulate = page.get_by_role("button", name="Simulate call")
    for _ in range(30):                                       # Tab forward until the Simulate button has focus
        if await simulate.evaluate("b => b === document.activeElement"):
            break
        await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    await expect(page.get_by_text("Your turn", exact=True)).to_be_visible(timeout=20_000)
    say = page.get_by_label("Say as the customer")
    for _ in range(40):
        if await say.evaluate("i => i === document.activeElement"):
            break
        await page.keyboard.press("Tab")
    await page.keyboard.type("Yes, this is Aisha.")
    await page.keyboard.press("Enter")                        # submits the reply
    await expect(page.get_by_test_id("sim-caller").last).to_contain_text("Yes, this is Aisha.")
    await expect(page.get_by_text("Your turn", exact=True)).to_be_visible(timeout=20_000)
    hang_up = page.get_by_role("button", name="Hang up")
    await hang_up.focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_text(re.compile("^Call ended"))).to_be_visible()
    await screenshot(page, "a11y-test-call-keyboard")


async def test_new_tactic_by_keyboard_alone(page: Page) -> None:
    await sign_in(page, "admin")
    await page.goto("/tactics/new")
    await expect(page.get_by_role("heading", level=1, name="New tactic")).to_be_visible()
    await page.get_by_label("Name", exact=True).focus()
    await page.keyboard.type("keyboard_made")
    await page.keyboard.press("Tab")                          # archetype
    await page.keyboard.press("Tab")                          # description
    await page.keyboard.type("Made without a mouse.")
    await page.keyboard.press("Tab")                          # urgency slider
    for _ in range(3):
        await page.keyboard.press("ArrowRight")
    await expect(page.get_by_label("Urgency", exact=True)).to_have_value("8")
    await page.keyboard.press("Tab")                          # empathy slider
    await page.keyboard.press("Home")
    await expect(page.get_by_label("Empathy", exact=True)).to_have_value("1")
    await expect(page.get_by_test_id("prompt-preview")).to_contain_text("Urgency 8/10")
    create = page.get_by_role("button", name="Create tactic")
    for _ in range(10):                                       # Tab on to the Create button
        if await create.evaluate("b => b === document.activeElement"):
            break
        await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(re.compile(r"/tactics/\d+$"))
    await expect(page.get_by_role("heading", name="Keyboard made")).to_be_visible()
    await screenshot(page, "a11y-tactic-keyboard")
