"""The sandbox in a real browser: Debian's headless Chromium, driven with Playwright, uses /verify.

Only the system's Chromium is used (no browser downloads). Where it is missing the test is skipped with a
printed reason; `.ci/run` installs it first. The screenshot lands in test-artifacts/.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright

from bot.config import load_config
from bot.sandbox.world import open_sandbox
from bot.verification.verdict import Status

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TIMEOUT_MS = 15_000


async def type_verify(page: Page, url: str) -> None:
    """Type ``/verify url:<url>`` in the composer as a person would, picking from the menus, and send it."""
    composer = page.get_by_placeholder("Message #general")
    await composer.click()
    await composer.press_sequentially("/verify")
    await page.get_by_role("option").filter(has_text="/verify").click()
    await page.locator('[role=option][data-value="url"]').click()
    await page.keyboard.type(url)
    await page.keyboard.press("Enter")


@pytest.fixture
def chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium package (apt-get install chromium)")
    return CHROMIUM


async def test_a_newcomer_verifies_a_demo_badge_in_the_browser(tmp_path: Path, chromium: Path) -> None:
    async with (
        open_sandbox(load_config(None, {}), tmp_path / "data") as sandbox,
        async_playwright() as playwright,
    ):
        badge = next(b for b in sandbox.badges if b.kind == "hosted" and b.expected is Status.VALID)
        browser = await playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 1000})
            page.set_default_timeout(TIMEOUT_MS)
            await page.goto(sandbox.url)

            await type_verify(page, badge.url)

            verdict = page.get_by_text(f"✅ VALID · {badge.name}")
            await verdict.wait_for()
            await page.get_by_text("matches your email").wait_for()
            ARTIFACTS.mkdir(exist_ok=True)
            await page.screenshot(path=ARTIFACTS / "sandbox-verify-valid.png", full_page=True)
        finally:
            await browser.close()
    assert sandbox.env.errors == []
