"""The Archer guide in Chromium under `make dev` (no Cartesia or LLM key): the first-visit greeting, the text
fallback answering a typed question and following a navigate action, axe on the open panel in both themes, and the
quick tour in demo mode run to the end twice at once — once straight through (a supervisor), once paused by a click
on the overlay and resumed (an admin) — checking each step's page and highlighted element, the 80–100 s of narration,
and that the live simulated call the tour launches shows the agent's first line during that step."""
from __future__ import annotations

import asyncio
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, WebSocket, expect

from tests.e2e.conftest import screenshot, sign_in
from tests.support.servers import repo_root

pytestmark = pytest.mark.e2e

AXE = repo_root() / "web" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
CATALOG = json.loads((repo_root() / "shared" / "guide" / "catalog.json").read_text())
PAGE_PATH = {p["id"]: p["path"] for p in CATALOG["pages"]}


def guide_frames(page: Page) -> list[tuple[float, dict[str, Any]]]:
    """Every JSON frame the page receives on /guide, with its arrival time (monotonic seconds)."""
    frames: list[tuple[float, dict[str, Any]]] = []

    def on_socket(ws: WebSocket) -> None:
        if "/guide" not in ws.url:
            return

        def on_frame(payload: str | bytes) -> None:
            if isinstance(payload, str):
                frames.append((time.monotonic(), json.loads(payload)))

        ws.on("framereceived", on_frame)

    page.on("websocket", on_socket)
    return frames


async def _axe(page: Page) -> list[str]:
    await page.add_script_tag(path=str(Path(AXE)))
    result = await page.evaluate("(tags) => axe.run(document, { runOnly: { type: 'tag', values: tags } })", TAGS)
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


async def test_text_fallback_answers_a_typed_question_and_navigates(page: Page) -> None:
    frames = guide_frames(page)
    await sign_in(page, "admin")
    welcome = page.get_by_role("region", name="Welcome from Archer")
    await expect(welcome).to_be_visible()
    await page.get_by_role("button", name="Talk to Archer").click()
    panel = page.get_by_role("complementary", name="Archer guide")
    await expect(panel).to_be_visible()
    guide = page.get_by_test_id("guide")
    await expect(guide).to_have_attribute("data-connection", "open")
    await expect(guide).to_have_attribute("data-voice", "off")               # no Cartesia key: the text fallback
    await expect(page.get_by_test_id("guide-voice-note")).to_contain_text("Type your questions below")
    log = page.get_by_role("log", name="Conversation with Archer")
    await expect(log.get_by_test_id("guide-say").first).to_contain_text("I'm Archer")   # the first-visit greeting
    await expect(page.get_by_label("Ask Archer")).to_be_focused()

    await page.get_by_label("Ask Archer").fill("show me the calls page")
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(re.compile(r"/calls$"))
    await expect(page.get_by_role("heading", level=1, name="Calls")).to_be_visible()
    await expect(log.get_by_test_id("guide-user").last).to_have_text(re.compile("show me the calls page"))
    await expect(log.get_by_test_id("guide-tool").last).to_have_text("Ran navigate")
    says = log.get_by_test_id("guide-say")
    before = await says.count()
    await page.get_by_label("Ask Archer").fill("what was our success rate with the empathetic tactic this week")
    await page.get_by_role("button", name="Send").click()
    await expect(says).to_have_count(before + 1)
    await expect(log.get_by_test_id("guide-tool").last).to_have_text("Ran query analytics")
    answer = next(f for _, f in reversed(frames) if f.get("type") == "say")
    tool = next(f for _, f in reversed(frames) if f.get("type") == "tool")
    assert tool["name"] == "query_analytics", tool
    await expect(says.last).to_have_text(re.compile(re.escape(answer["text"][:40])))
    await screenshot(page, "guide-text-fallback")

    await page.reload()                                                      # the greeting is remembered
    await expect(page.get_by_role("heading", level=1, name="Calls")).to_be_visible()
    await expect(page.get_by_role("region", name="Welcome from Archer")).to_have_count(0)


@pytest.mark.parametrize("theme", ["dark", "light"])
async def test_open_guide_panel_has_no_serious_axe_violations(context: BrowserContext, theme: str) -> None:
    page = await context.new_page()
    await page.add_init_script(f"localStorage.setItem('archer.theme', '{theme}')")
    await sign_in(page, "supervisor")
    await expect(page.get_by_role("region", name="Welcome from Archer")).to_be_visible()
    found = {"greeting": await _axe(page)}
    await page.get_by_role("button", name="Talk to Archer").click()
    log = page.get_by_role("log", name="Conversation with Archer")
    await expect(log.get_by_test_id("guide-say").first).to_be_visible()
    await page.get_by_label("Ask Archer").fill("explain the navigation")
    await page.keyboard.press("Enter")
    await expect(log.get_by_test_id("guide-tool").last).to_be_visible()
    found["open panel"] = await _axe(page)
    await page.set_viewport_size({"width": 360, "height": 740})                # phone width: the drawer fills it
    box = await page.get_by_role("complementary", name="Archer guide").bounding_box()
    assert box is not None and box["width"] <= 360 and box["x"] >= 0
    found["open panel, phone"] = await _axe(page)
    await page.keyboard.press("Escape")
    await expect(page.get_by_role("complementary", name="Archer guide")).to_have_count(0)
    bad = {where: v for where, v in found.items() if v}
    assert bad == {}, "\n".join(f"{where}: {line}" for where, lines in bad.items() for line in lines)


async def _run_tour(browser: Browser, base_url: str, *, interrupt: bool, role: str) -> dict[str, Any]:
    ctx = await browser.new_context(base_url=base_url, viewport={"width": 1440, "height": 900})
    ctx.set_default_timeout(20_000)
    try:
        page = await ctx.new_page()
        frames = guide_frames(page)
        await sign_in(page, role)
        if interrupt:                                     # started by asking, from the panel
            await page.get_by_role("button", name="Talk to Archer").click()
            await page.get_by_label("Ask Archer").fill("take the quick tour")
            await page.keyboard.press("Enter")
        else:                                             # started from the first-visit greeting
            await page.get_by_role("button", name="Take the tour").click()
        overlay = page.get_by_test_id("guide-overlay")
        checked: list[str] = []
        greeting = ""
        paused_s = 0.0
        step = 0
        while True:
            await expect(overlay).to_have_attribute("data-step", str(step), timeout=30_000)
            tour = next(f for _, f in reversed(frames) if f.get("type") == "tour" and f.get("step") == step)
            n = tour["of"]
            path = PAGE_PATH[tour["page"]]
            await expect(page).to_have_url(re.compile(re.escape(path) + r"(\?.*)?$") if path != "/"
                                           else re.compile(r"//[^/]+/$"))
            if tour["element"]:
                target = page.locator(f'[data-guide="{tour["element"]}"]')
                await expect(target).to_have_attribute("data-guide-active", "")
                await expect(target).to_be_in_viewport()
                await expect(overlay).to_have_attribute("data-highlight", tour["element"])
            checked.append(f"{tour['page']}:{tour['element']}")
            launched = [f for _, f in frames if f.get("type") == "tool" and f.get("name") == "launch_test_call"]
            if launched and tour["element"] == "testcall-conversation":    # the live simulated call (supervisor)
                await expect(page).to_have_url(re.compile(r"/test-call\?customer=[0-9a-f-]+&tactic=empathetic_gradual$"))
                agent = page.get_by_test_id("sim-agent").first
                await expect(agent).to_be_visible(timeout=15_000)         # the agent's greeting, while Archer narrates
                await expect(overlay).to_have_attribute("data-step", str(step), timeout=1)
                await expect(overlay).to_have_attribute("data-tour-state", "running", timeout=1)
                greeting = (await agent.inner_text()).strip()
            if interrupt and step == 3:
                await page.get_by_test_id("guide-overlay-catcher").click(position={"x": 700, "y": 300})
                await expect(overlay).to_have_attribute("data-tour-state", "paused")
                t0 = time.monotonic()
                await page.wait_for_timeout(2500)
                await expect(overlay).to_have_attribute("data-tour-state", "paused")   # stays paused
                await expect(overlay).to_have_attribute("data-step", "3")
                await screenshot(page, "guide-tour-paused")
                await page.get_by_role("button", name="Resume tour").click()
                await expect(overlay).to_have_attribute("data-tour-state", "running")
                paused_s = time.monotonic() - t0
            if step == n - 1:
                break
            step += 1
        await expect(overlay).to_have_count(0, timeout=30_000)              # done: the overlay goes away
        await expect(page.get_by_test_id("guide")).to_have_attribute("data-tour", "done")
        running = [(t, f) for t, f in frames if f.get("type") == "tour"]
        first = next(t for t, f in running if f["state"] == "running")
        done = next(t for t, f in running if f["state"] == "done")
        per_step = {f["step"]: f["narration_ms"] for _, f in running if f["state"] == "running"}
        return {"steps": n, "checked": checked, "narration_s": sum(per_step.values()) / 1000,
                "wall_s": done - first, "paused_s": paused_s,
                "highlighted": sum(1 for c in checked if not c.endswith("None")), "greeting": greeting}
    finally:
        await ctx.close()


async def test_quick_tour_runs_to_the_end_twice_once_paused_and_resumed(browser: Browser, devhost: str) -> None:
    plain, interrupted = await asyncio.gather(_run_tour(browser, devhost, interrupt=False, role="supervisor"),
                                              _run_tour(browser, devhost, interrupt=True, role="admin"))
    for name, run in (("plain", plain), ("paused+resumed", interrupted)):
        print(f"tour {name}: {run['steps']} steps, narration {run['narration_s']:.1f} s, wall {run['wall_s']:.1f} s "
              f"(paused {run['paused_s']:.1f} s), {run['highlighted']} highlights checked; live simulated call: "
              f"the agent said {run['greeting'][:60]!r}")
        assert len(run["checked"]) == run["steps"] >= 8
        assert 80 <= run["narration_s"] <= 100
        assert "Archer" in run["greeting"] and len(run["greeting"]) > len("Archer") + 10   # a real first line
    assert plain["checked"] == interrupted["checked"]
    assert 80 <= plain["wall_s"] <= 100 + 10                    # paced like speech; a few seconds of page loads
    # The resumed step's narration starts again, so the interrupted run takes at least the pause longer.
    assert interrupted["wall_s"] >= plain["wall_s"] * 0.95 + interrupted["paused_s"] - 1


async def test_asking_for_a_test_call_starts_the_simulation(context: BrowserContext) -> None:
    """launch_test_call navigates to /test-call?customer=…&tactic=…&autostart=1; the page preselects both and starts
    the simulated call (supervisor); a viewer is told politely that it needs the supervisor role."""
    viewer = await context.new_page()
    await sign_in(viewer, "viewer")
    await viewer.get_by_role("button", name="Talk to Archer").click()
    await viewer.get_by_label("Ask Archer").fill("launch a test call with Maria Gonzalez using the empathetic tactic")
    await viewer.keyboard.press("Enter")
    log = viewer.get_by_role("log", name="Conversation with Archer")
    await expect(log.get_by_test_id("guide-say").last).to_contain_text("needs the supervisor role")
    await expect(viewer).not_to_have_url(re.compile("/test-call"))
    await viewer.evaluate("localStorage.removeItem('archer.devToken')")

    page = await context.new_page()
    await sign_in(page, "supervisor")
    await page.get_by_role("button", name="Ask Archer").click()
    await page.get_by_label("Ask Archer").fill("launch a test call with Maria Gonzalez using the empathetic tactic")
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(re.compile(r"/test-call\?customer=[0-9a-f-]+&tactic=[a-z_]+$"))  # autostart consumed
    await expect(page.get_by_label("Customer", exact=True)).to_have_value(re.compile(r"^[0-9a-f-]{36}$"))
    assert "Maria Gonzalez" in await page.get_by_label("Customer", exact=True).evaluate("s => s.selectedOptions[0].text")
    tactic = re.search(r"tactic=([a-z_]+)", page.url)
    assert tactic is not None and "empath" in tactic.group(1)
    await expect(page.get_by_label("Tactic")).to_have_value(tactic.group(1))
    await expect(page.get_by_text("Your turn", exact=True)).to_be_visible(timeout=20_000)   # the simulation runs
    await page.reload()                                            # a reload does not start a second call
    await expect(page.get_by_role("button", name="Simulate call")).to_be_enabled()
