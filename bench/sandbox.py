"""Sandbox benchmark: `credcord sandbox` started as a subprocess, the way `make sandbox` starts it.

Prints, per run, the time from starting the process to its browser view answering (the URL printed and
an HTTP 200 from it; target <= 5 s on a warm environment), the time Ctrl-C takes to stop everything, and
the peak RSS of the whole sandbox (the process and any children it started). The first run starts on an
empty data directory (migrations and seeding), later runs on the kept one. With --browser, Debian's
Chromium opens the view and verifies a demo badge before the RSS is read, so the figure includes serving
a real page and a real verification.

    .venv/bin/python bench/sandbox.py [--runs 3] [--browser]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.test_sandbox_browser import CHROMIUM, CHROMIUM_ARGS, type_verify  # noqa: E402

URL = re.compile(r"Open (http://127\.0\.0\.1:\d+/#\S+)")
BADGE = re.compile(r"(http://127\.0\.0\.1:\d+/assertions/python)")


def tree_peak_rss_kib(pid: int) -> int:
    """The sum of VmHWM (peak resident memory) over ``pid`` and its live descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        try:
            status = Path(f"/proc/{current}/status").read_text()
        except OSError:
            continue
        match = re.search(r"VmHWM:\s+(\d+) kB", status)
        total += int(match.group(1)) if match else 0
    return total


async def verify_in_browser(url: str, badge_url: str) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            await page.goto(url)
            await type_verify(page, badge_url)
            await page.get_by_text("✅ VALID").wait_for(timeout=15_000)
        finally:
            await browser.close()


def run_once(data_dir: Path, browser: bool) -> tuple[float, float, float, int]:
    """(seconds to URL printed, seconds to the view answering, seconds to stop, peak RSS in KiB)."""
    started = time.perf_counter()
    with subprocess.Popen(
        [sys.executable, "-m", "bot", "sandbox", "--data", str(data_dir)],
        cwd=data_dir.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "CREDCORD_LOG_LEVEL": "WARNING"},
    ) as process:
        assert process.stdout is not None
        url = badge = None
        for line in process.stdout:
            url = url or (m.group(1) if (m := URL.search(line)) else None)
            badge = badge or (m.group(1) if (m := BADGE.search(line)) else None)
            if "Ctrl-C" in line:
                break
        printed = time.perf_counter() - started
        if url is None or badge is None:
            process.kill()
            raise SystemExit("the sandbox did not print its URL and demo badges")
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.status == 200
        answering = time.perf_counter() - started
        if browser:
            asyncio.run(verify_in_browser(url, badge))
        rss = tree_peak_rss_kib(process.pid)
        stopping = time.perf_counter()
        process.send_signal(signal.SIGINT)
        if process.wait(timeout=30) != 0:
            raise SystemExit(f"the sandbox exited with {process.returncode}")
        return printed, answering, time.perf_counter() - stopping, rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--browser", action="store_true", help="verify a badge in Chromium first")
    args = parser.parse_args()
    if args.browser and not CHROMIUM.exists():
        raise SystemExit(f"--browser needs {CHROMIUM}")
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = Path(scratch) / "sandbox-data"
        for run in range(1, args.runs + 1):
            printed, answering, stopped, rss = run_once(data_dir, args.browser)
            kind = "fresh data" if run == 1 else "kept data"
            print(
                f"run {run} ({kind}): URL printed {printed:.2f} s, view answering {answering:.2f} s "
                f"(target <= 5 s), Ctrl-C to exit {stopped:.2f} s, peak RSS {rss / 1024:.0f} MiB"
            )


if __name__ == "__main__":
    main()
