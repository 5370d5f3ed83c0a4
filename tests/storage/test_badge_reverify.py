"""Re-verification on a real database: revocations, grace for issuers that are down, backoff, batches."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from bot.badges import BadgeService, Reverifier, ShowcaseAdmin, ShowcaseMessage
from bot.db import Database
from bot.lookups import LookupService
from bot.profiles import ProfileService
from bot.skills import SkillCatalog
from bot.verification.verdict import Status, Verdict
from tests.support.badges import Clock, verdict

GUILD, ALICE = 10, 1
DAY = timedelta(days=1)


class IssuerFarm:
    """Answers per URL (VALID unless told otherwise) and records how many checks of a host overlapped."""

    def __init__(self) -> None:
        self.answers: dict[str, Verdict] = {}
        self.calls: list[str] = []
        self._running: Counter[str] = Counter()
        self.peak: Counter[str] = Counter()
        self.peak_total = 0

    async def verify(
        self,
        source: str | bytes | Mapping[str, Any],
        *,
        emails: Sequence[str] = (),
        now: datetime | None = None,
    ) -> Verdict:
        assert isinstance(source, str)
        host = urlsplit(source).hostname or ""
        self.calls.append(source)
        self._running[host] += 1
        self.peak[host] = max(self.peak[host], self._running[host])
        self.peak_total = max(self.peak_total, sum(self._running.values()))
        # Yield to the event loop so that checks which may overlap do.
        for _ in range(3):
            await asyncio.sleep(0)
        self._running[host] -= 1
        return self.answers.get(source) or verdict(source, "SQL", matched=True)


@dataclass
class World:
    badges: BadgeService
    admin: ShowcaseAdmin
    farm: IssuerFarm
    clock: Clock
    reverifier: Reverifier

    async def add(self, url: str, expires: datetime | None = None) -> int:
        self.farm.answers[url] = verdict(url, "SQL", expires=expires, matched=True)
        badge_id = (await self.badges.add(GUILD, ALICE, url)).badge.id
        del self.farm.answers[url]
        return badge_id


@pytest.fixture
async def world(db_path: Path) -> AsyncIterator[World]:
    db = await Database.open(db_path)
    await db.migrate()
    clock = Clock()
    catalog = SkillCatalog.bundled()
    farm = IssuerFarm()
    lookups = LookupService(
        farm,  # type: ignore[arg-type]
        ProfileService(db, catalog, clock),
        cooldown=timedelta(0),
        max_in_flight=4,
        clock=clock,
    )
    admin = ShowcaseAdmin(db, catalog, clock=clock)
    await admin.set_policy(GUILD, require_recipient_match=False)
    reverifier = Reverifier(
        db,
        farm,
        catalog,
        clock=clock,
        reverify_hours=24,
        grace_days=7,
        batch_size=50,
        concurrency=3,
        per_host=2,
        backoff_base=timedelta(hours=1),
        backoff_ceiling=timedelta(hours=4),
    )
    yield World(BadgeService(db, lookups, catalog, clock=clock), admin, farm, clock, reverifier)
    await db.close()


async def test_badges_checked_recently_are_left_alone(world: World) -> None:
    await world.add("https://academy.example/a/1")
    world.farm.calls.clear()
    world.clock.now += timedelta(hours=23)
    assert await world.reverifier.run_once() == []
    assert world.farm.calls == []


async def test_a_revoked_badge_changes_status_and_loses_its_role(world: World) -> None:
    await world.admin.set_skill_role(GUILD, "SQL", 801)
    url = "https://academy.example/a/1"
    badge_id = await world.add(url)
    await world.badges.record_showcase_post(badge_id, 500, 501)
    world.farm.answers[url] = verdict(url, "SQL", status=Status.REVOKED, reason="http_410", matched=True)
    world.clock.now += DAY
    [change] = await world.reverifier.run_once()
    assert (change.old_status, change.new_status) == (Status.VALID, Status.REVOKED)
    assert change.showcase == ShowcaseMessage(500, 501) and change.owner_id == ALICE
    assert change.roles.remove == {801} and change.message == "Verifier: http_410."
    assert change.badge.status is Status.REVOKED and change.badge.id == badge_id
    world.clock.now += DAY
    world.farm.calls.clear()
    assert await world.reverifier.run_once() == [] and world.farm.calls == []  # revoked is final


async def test_an_issuer_down_within_grace_does_not_demote_but_past_grace_does(world: World) -> None:
    await world.admin.set_skill_role(GUILD, "SQL", 801)
    url = "https://academy.example/a/1"
    await world.add(url)
    world.farm.answers[url] = verdict(url, "SQL", status=Status.UNVERIFIABLE, reason="timeout", matched=True)
    for _ in range(6):
        world.clock.now += DAY
        assert await world.reverifier.run_once() == []
    assert (await world.badges.list_badges(GUILD, ALICE))[0].first_failed_at == world.clock.now - 5 * DAY
    world.clock.now += 2 * DAY
    [demoted] = await world.reverifier.run_once()
    assert demoted.new_status is Status.UNVERIFIABLE and demoted.roles.remove == {801}
    assert "for 7 days" in demoted.message
    del world.farm.answers[url]
    world.clock.now += DAY
    [restored] = await world.reverifier.run_once()
    assert restored.new_status is Status.VALID and restored.roles.add == {801}
    assert restored.badge.first_failed_at is None


async def test_a_failing_host_is_backed_off_and_other_hosts_carry_on(world: World) -> None:
    down = [await world.add(f"https://down.example/a/{i}") for i in range(4)]
    await world.add("https://up.example/a/1")
    for i in range(4):
        world.farm.answers[f"https://down.example/a/{i}"] = verdict(
            "x", "SQL", status=Status.UNVERIFIABLE, reason="http_503", matched=True
        )
    world.farm.calls.clear()
    world.clock.now += DAY
    assert await world.reverifier.run_once() == []
    down_calls = [c for c in world.farm.calls if "down.example" in c]
    assert "https://up.example/a/1" in world.farm.calls
    # The host's two slots were both in flight when it failed; the rest of its badges waited.
    assert len(down_calls) == 2 and len(down) == 4
    world.farm.calls.clear()
    world.clock.now += timedelta(minutes=30)
    await world.reverifier.run_once()
    assert world.farm.calls == []
    world.clock.now += timedelta(minutes=31)
    await world.reverifier.run_once()
    assert sorted(world.farm.calls) == ["https://down.example/a/2", "https://down.example/a/3"]


async def test_the_batch_limit_is_honoured_least_recently_checked_first(world: World) -> None:
    urls = [f"https://academy.example/a/{i}" for i in range(5)]
    for url in urls:
        await world.add(url)
        world.clock.now += timedelta(minutes=1)
    world.farm.calls.clear()
    world.clock.now += DAY
    await world.reverifier.run_once(limit=2)
    assert sorted(world.farm.calls) == urls[:2]
    await world.reverifier.run_once(limit=2)
    assert sorted(world.farm.calls[2:]) == urls[2:4]


async def test_checks_are_bounded_overall_and_per_host(world: World) -> None:
    for host in ("one.example", "two.example"):
        for i in range(6):
            await world.add(f"https://{host}/a/{i}")
    world.farm.calls.clear()
    world.clock.now += DAY
    await world.reverifier.run_once()
    assert len(world.farm.calls) == 12
    assert max(world.farm.peak.values()) == 2 and world.farm.peak_total == 3


async def test_an_expiry_date_that_passed_is_applied_without_asking_the_issuer(world: World) -> None:
    await world.admin.set_skill_role(GUILD, "SQL", 801)
    await world.add("https://academy.example/a/1", expires=world.clock.now + timedelta(hours=2))
    world.farm.calls.clear()
    world.clock.now += timedelta(hours=3)
    [expired] = await world.reverifier.run_once()
    assert expired.new_status is Status.EXPIRED and expired.roles.remove == {801}
    assert expired.message == "This badge expired on 2026-11-22." and world.farm.calls == []


async def test_a_badge_removed_while_it_was_checked_is_skipped(world: World) -> None:
    url = "https://academy.example/a/1"
    badge_id = await world.add(url)
    world.farm.answers[url] = verdict(url, "SQL", status=Status.REVOKED, reason="http_410", matched=True)
    world.clock.now += DAY
    original = world.farm.verify

    async def remove_first(source: Any, **options: Any) -> Verdict:
        await world.badges.remove(GUILD, ALICE, badge_id)
        return await original(source, **options)

    world.farm.verify = remove_first  # type: ignore[method-assign]
    assert await world.reverifier.run_once() == []
