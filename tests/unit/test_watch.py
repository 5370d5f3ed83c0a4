"""The channel watch's pure rules: what counts as a credential in a message, and the watch's limits."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.verification.verdict import Status
from bot.watch import AttachmentInfo, Mark, badge_images, credential_urls, mark_of
from bot.watch.limits import Coalescer, OrderedLanes, QueueFull, RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_links_lose_trailing_punctuation_and_provider_pages_come_first() -> None:
    text = "See (https://a.example/x), https://www.credly.com/badges/abc. and https://a.example/x!"
    assert credential_urls(text) == ("https://www.credly.com/badges/abc", "https://a.example/x")


def test_never_more_links_than_the_limit() -> None:
    text = " ".join(f"https://spam.example/{i}" for i in range(100))
    assert len(credential_urls(text)) == 3


def test_text_without_links_has_no_candidates() -> None:
    assert credential_urls("congrats! ftp://x www.example.com") == ()


def test_badge_images_by_type_or_name_and_size() -> None:
    found = [
        AttachmentInfo("a.png", None, 10),
        AttachmentInfo("b.jpg", "image/jpeg", 10),
        AttachmentInfo("c", "image/svg+xml", 10),
        AttachmentInfo("huge.png", "image/png", 6 * 1024 * 1024),
        AttachmentInfo("d.PNG", None, 10),
        AttachmentInfo("e.png", None, 10),
    ]
    assert badge_images(found) == (0, 2, 4)


def test_marks() -> None:
    assert mark_of(Status.VALID) is Mark.VALID
    assert mark_of(Status.REVOKED) is Mark.FAILED
    assert mark_of(Status.REFUSED) is Mark.UNKNOWN


def test_the_rate_limiter_slides_with_the_clock() -> None:
    clock = Clock()
    limiter = RateLimiter(limit=2, window=timedelta(minutes=1), clock=clock)
    limiter.record("k")
    limiter.record("k")
    assert not limiter.allows("k")
    assert limiter.allows("other")
    clock.now += timedelta(minutes=1)
    assert limiter.allows("k")


async def test_lanes_start_jobs_in_order_and_bound_concurrency() -> None:
    lanes = OrderedLanes(concurrency=2, max_waiting=10)
    gate = asyncio.Event()
    started: list[int] = []
    running = 0
    peak = 0

    async def job(n: int) -> int:
        nonlocal running, peak
        started.append(n)
        running += 1
        peak = max(peak, running)
        await gate.wait()
        running -= 1
        return n

    tasks = [asyncio.create_task(lanes.run(lambda n=n: job(n))) for n in range(6)]
    await asyncio.sleep(0)
    assert started == [0, 1]
    gate.set()
    assert await asyncio.gather(*tasks) == list(range(6))
    assert started == list(range(6))
    assert peak == 2


async def test_a_full_queue_refuses_more_work() -> None:
    lanes = OrderedLanes(concurrency=1, max_waiting=1)
    gate = asyncio.Event()
    first = asyncio.create_task(lanes.run(gate.wait))
    second = asyncio.create_task(lanes.run(gate.wait))
    await asyncio.sleep(0)
    with pytest.raises(QueueFull):
        await lanes.run(gate.wait)
    gate.set()
    await asyncio.gather(first, second)


async def test_the_same_key_is_checked_once_within_the_window() -> None:
    clock = Clock()
    calls = 0

    async def check() -> int:
        nonlocal calls
        calls += 1
        return calls

    coalescer: Coalescer[int] = Coalescer(window=timedelta(seconds=60), clock=clock)
    assert await asyncio.gather(coalescer.run("u", check), coalescer.run("u", check)) == [1, 1]
    clock.now += timedelta(seconds=61)
    assert await coalescer.run("u", check) == 2
