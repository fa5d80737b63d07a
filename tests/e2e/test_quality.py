"""The quality report in the browser: a supervisor rates a call and corrects a transcript line on the call page,
and the Quality page reflects both; `python -m shared.quality.report` (what `make report` runs) after a few
simulated calls writes an HTML report that opens in Chromium (screenshots under tests/e2e/screenshots/)."""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, expect
from psycopg_pool import AsyncConnectionPool
from websockets.asyncio.client import connect

from shared.db import customers
from tests.e2e.conftest import SCREENSHOTS, screenshot, sign_in
from tests.e2e.history import add_finished_call
from tests.support.servers import repo_root

pytestmark = pytest.mark.e2e

ANA = "+13105550102"
LINES = ["Yes, this is James.", "My account ends in 7730 and my ZIP code is 90012.", "What are my options?",
         "No thank you, goodbye."]


async def test_rating_and_correction_show_on_the_quality_page(page: Page, pool: AsyncConnectionPool) -> None:
    async with pool.connection() as conn:
        customer = (await (await conn.execute("SELECT phone FROM customers ORDER BY phone LIMIT 1")).fetchone())
        assert customer is not None
        call_id = await add_finished_call(conn, customer[0], "empathetic_gradual", "promise_to_pay",
                                          datetime.now(UTC) - timedelta(hours=1))
        seq, heard = (await (await conn.execute(
            "SELECT seq, text FROM call_transcript_entries WHERE call_id = %s AND speaker = 'caller' ORDER BY seq "
            "LIMIT 1", (call_id,))).fetchone()) or (None, None)
    assert seq is not None and heard

    await sign_in(page, "supervisor")
    await page.goto(f"/calls/{call_id}")
    panel = page.get_by_test_id("review-panel")
    await panel.get_by_label("Naturalness").select_option("8")
    await panel.get_by_label("Latency feel").select_option("6")
    await panel.get_by_label("Overall").select_option("9")
    await panel.get_by_role("button", name="Save rating").click()
    await expect(panel.get_by_text("Rating saved")).to_be_visible()
    await expect(panel.get_by_test_id("ratings")).to_contain_text("supervisor", timeout=15_000)

    line = panel.get_by_test_id(f"line-{seq}")
    await line.get_by_role("button", name="Correct this line").click()
    await line.get_by_label(f"Corrected text of line {seq}").fill("Hi yes this is really me speaking")
    await line.get_by_role("button", name="Save").click()
    await expect(line.get_by_test_id("corrected-text")).to_contain_text("Hi yes this is really me speaking",
                                                                        timeout=15_000)
    await expect(line).to_contain_text(heard)          # the original line is still shown
    await screenshot(page, "quality-01-call-review")

    await page.get_by_role("link", name="Quality").click()
    await expect(page.get_by_role("heading", name="Quality")).to_be_visible()
    await expect(page.get_by_test_id("quality-verdict")).to_have_text("HOLD")   # one reviewer is not enough
    ratings = page.get_by_test_id("quality-ratings")
    # group, ratings, reviewers, naturalness, latency feel, overall
    await expect(ratings.get_by_role("row", name="All 1 1 8 6 9", exact=True)).to_be_visible()
    await expect(ratings.get_by_role("row", name="Empathetic gradual 1 1 8 6 9", exact=True)).to_be_visible()
    await expect(page.get_by_test_id("quality-transcription")).to_contain_text("1 corrected")
    async with page.expect_download() as download:
        await page.get_by_role("button", name="Download HTML report").click()
    saved = await (await download.value).path()
    assert "quality report" in Path(saved).read_text().lower()
    await screenshot(page, "quality-02-quality-page")


async def _simulate(devhost: str, token: str, customer_id: str, tactic: str) -> None:
    url = f"{devhost.replace('http', 'ws')}/sim?customer_id={customer_id}&tactic={tactic}&token={token}"
    async with connect(url) as ws:
        lines = iter(LINES)
        async for raw in ws:
            if isinstance(raw, bytes):
                continue
            msg = json.loads(raw)
            if msg.get("type") == "end":
                return
            if msg.get("type") == "turn_end":
                line = next(lines, None)
                await ws.send(json.dumps({"type": "user", "text": line} if line else {"type": "hangup"}))


async def test_make_report_after_simulated_calls_opens_in_chromium(devhost: str, database_url: str,
                                                                  browser: Browser, pool: AsyncConnectionPool,
                                                                  tmp_path: Path) -> None:
    async with httpx.AsyncClient(base_url=devhost) as client:
        token = (await client.post("/api/v1/auth/dev-token", json={"role": "supervisor", "name": "QA"})).json()
    async with pool.connection() as conn:
        customer = await customers.find_by_phone(conn, ANA)
        assert customer is not None
    for tactic in ("empathetic_gradual", "balanced_progression", "stern"):
        await asyncio.wait_for(_simulate(devhost, token["access_token"], str(customer.id), tactic), timeout=90)

    env = {**os.environ, "DATABASE_URL": database_url}
    done = subprocess.run([sys.executable, "-m", "shared.quality.report", "--out", str(tmp_path)], cwd=repo_root(),
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    print(done.stdout)
    report = json.loads((tmp_path / "quality-report.json").read_text())
    assert report["calls"]["calls"] >= 3 and report["calls"]["by_type"].get("simulated", 0) >= 3

    context = await browser.new_context(viewport={"width": 1100, "height": 900})
    page = await context.new_page()
    await page.goto((tmp_path / "quality-report.html").as_uri())
    await expect(page.locator("#overall-verdict")).to_have_text(report["overall"])
    await expect(page.get_by_role("heading", name="GO / NO-GO")).to_be_visible()
    SCREENSHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / "quality-03-html-report.png"), full_page=True)
    await context.close()
