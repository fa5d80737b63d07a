"""Browser end-to-end fixtures: the dev host on a free port over this run's database, and headless Debian Chromium
driven by Playwright (no browser download: the system `chromium` binary)."""
from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from tests.support.servers import free_port, repo_root

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
# Settings a fresh `make dev` does not have: the browser tests run the dev host without them.
NOT_IN_MAKE_DEV = {"REDIS_URL", "AUTH_MODE", "AUTH_ISSUER", "AUTH_AUDIENCE", "AUTH_JWKS_URL", "KEY_VAULT_URL",
                   "ARCHER_ENV"}


@pytest.fixture(scope="module")
def devhost(database_url: str) -> Iterator[str]:
    """`python -m devhost` as `make dev` runs it — ARCHER_ENV=local and no auth settings at all (the dev sign-in
    must work by default) — over this run's database (migrated and seeded), no Redis; yields its base URL."""
    with run_devhost(database_url) as base:
        yield base


@contextlib.contextmanager
def run_devhost(database_url: str, *, log_prefix: str = "archer-devhost-", **extra_env: str) -> Iterator[str]:
    """Start `python -m devhost` (the environment `make dev` has, plus `extra_env`) and yield its base URL once
    healthy; stop it afterwards."""
    if not (repo_root() / "web" / "dist" / "index.html").exists():
        pytest.fail("web/dist is missing: run `make web-build` (make test does) before the browser tests")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in NOT_IN_MAKE_DEV}
    env.update(DATABASE_URL=database_url, PORT=str(port), HOST="127.0.0.1", ARCHER_ENV="local", **extra_env)
    log = tempfile.NamedTemporaryFile(prefix=log_prefix, suffix=".log", delete=False)
    proc = subprocess.Popen([sys.executable, "-m", "devhost"], cwd=repo_root(), env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, proc, Path(log.name))
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _wait_healthy(base: str, proc: subprocess.Popen[bytes], log: Path, timeout_s: float = 60) -> None:
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the dev host exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    pytest.fail(f"the dev host did not become healthy in {timeout_s:.0f}s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        b = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        await b.close()


@pytest.fixture
async def context(browser: Browser, devhost: str) -> AsyncIterator[BrowserContext]:
    """A fresh browser profile per test (no shared storage), desktop-sized."""
    ctx = await browser.new_context(base_url=devhost, viewport={"width": 1440, "height": 900})
    ctx.set_default_timeout(15_000)
    yield ctx
    await ctx.close()


@pytest.fixture
async def page(context: BrowserContext) -> Page:
    return await context.new_page()


async def sign_in(page: Page, role: str = "admin") -> None:
    """The dev sign-in screen: choose a role, get a development token, land on the dashboard."""
    await page.goto("/")
    await page.get_by_label("Role").select_option(role)
    await page.get_by_role("button", name=f"Sign in as {role}").click()
    await page.get_by_role("navigation", name="Main").wait_for()


async def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.mouse.move(0, 0)  # no hover tooltip in the picture
    await asyncio.sleep(0.4)  # let charts finish their enter animation so the picture shows them
    await page.screenshot(path=str(path), full_page=True)
    return path
