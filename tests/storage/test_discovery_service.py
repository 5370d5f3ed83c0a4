"""Discovery on a real database: the directory search, gap analysis and the digest's schedule."""

from __future__ import annotations

import logging
import random
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.badges import store as badge_store
from bot.badges.intake import build_record
from bot.badges.settings import ShowcaseAdmin
from bot.db import Database
from bot.discovery import DigestPost, DiscoveryService, FindRequest, load_catalog
from bot.discovery import store as discovery_store
from bot.discovery.search import FindQuery, rank_members
from bot.discovery.service import MAX_RESULTS
from bot.errors import InvalidInput, NotFound
from bot.profiles import ProfileOptions, ProfileService, ProfileText
from bot.profiles.store import ensure_member
from bot.skills import SkillCatalog
from bot.verification.verdict import Status
from tests.support.badges import Clock, verdict
from tests.support.discovery import CATALOG

GUILD, OTHER_GUILD = 10, 20
ALICE, BOB, CAROL = 1, 2, 3
SKILLS = SkillCatalog.bundled()
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@dataclass
class Mentorship:
    """Mentorship activity as the digest sees it, set by the test."""

    mentors: list[tuple[int, datetime]] = field(default_factory=list)
    requests: list[tuple[int, str]] = field(default_factory=list)

    async def new_mentors(self, guild_id: int, since: datetime, until: datetime) -> list[int]:
        return [user for user, at in self.mentors if since <= at < until]

    async def open_requests(self, guild_id: int) -> list[tuple[int, str]]:
        return list(self.requests)


@dataclass
class World:
    db: Database
    discovery: DiscoveryService
    profiles: ProfileService
    mentorship: Mentorship
    clock: Clock
    db_path: Path
    sent: list[DigestPost] = field(default_factory=list)

    async def badge(
        self,
        user_id: int,
        name: str,
        *skills: str,
        guild_id: int = GUILD,
        status: Status = Status.VALID,
        self_reported: bool = False,
        expires: datetime | None = None,
    ) -> None:
        url = f"https://academy.example/{guild_id}/{user_id}/{name.replace(' ', '-')}"
        record = build_record(
            url,
            verdict(url, *skills, name=name, status=status, expires=expires),
            self_reported=self_reported,
            catalog=SKILLS,
        )
        async with self.db.unit_of_work() as conn:
            await ensure_member(conn, guild_id, user_id, self.clock())
            await badge_store.insert_badge(conn, guild_id, user_id, record, self.clock())

    async def profile(
        self, user_id: int, skills: str = "", *, guild_id: int = GUILD, **options: object
    ) -> None:
        await self.profiles.save(guild_id, user_id, ProfileText(skills=skills), ProfileOptions(**options))  # type: ignore[arg-type]

    async def find(self, *skills: str, guild_id: int = GUILD, **options: object) -> list[tuple[int, str]]:
        outcome = await self.discovery.find(guild_id, FindRequest(skills, **options))  # type: ignore[arg-type]
        return [(r.user_id, r.reasons) for r in outcome.results]

    async def send(self, post: DigestPost) -> None:
        self.sent.append(post)

    def digest_row(self) -> tuple[object, ...]:
        raw = sqlite3.connect(self.db_path)
        try:
            row = raw.execute("SELECT last_slot, posting FROM digest_settings").fetchone()
            return tuple(row)
        finally:
            raw.close()


@pytest.fixture
async def world(db_path: Path, tmp_path: Path) -> AsyncIterator[World]:
    db = await Database.open(db_path)
    await db.migrate()
    clock = Clock()  # Sunday 2026-11-22 12:00 UTC
    catalog_path = tmp_path / "catalog.toml"
    catalog_path.write_text(CATALOG)
    mentorship = Mentorship()
    discovery = DiscoveryService(db, SKILLS, load_catalog(SKILLS, catalog_path), mentorship, clock=clock)
    yield World(db, discovery, ProfileService(db, SKILLS, clock), mentorship, clock, db_path)
    await db.close()


# The directory


async def test_only_directory_members_of_the_searching_guild_are_found(world: World) -> None:
    await world.profile(ALICE, "Python", directory=True)
    await world.profile(BOB, "Python")  # not in the directory
    await world.profile(CAROL, "Python", guild_id=OTHER_GUILD, directory=True)
    await world.badge(CAROL, "Python Pro", "Python", guild_id=OTHER_GUILD)

    assert await world.find("Python") == [(ALICE, "declares Python")]
    assert await world.find("Python", guild_id=OTHER_GUILD) == [
        (CAROL, "verified Python via Python Pro badge")
    ]

    await world.profile(ALICE, "Python", directory=False)
    assert await world.find("Python") == []


async def test_only_badges_that_count_verify_a_skill(world: World) -> None:
    for user in (ALICE, BOB, CAROL, 4, 5):
        await world.profile(user, directory=True)
    await world.badge(ALICE, "Zeta Python", "python")
    await world.badge(ALICE, "Alpha Python", "Python")  # the alphabetically first badge is the evidence
    await world.badge(BOB, "Old Python", "Python", expires=world.clock() - DAY)
    await world.badge(CAROL, "Revoked Python", "Python", status=Status.REVOKED)
    await world.badge(4, "Claimed Python", "Python", self_reported=True)
    await world.badge(5, "Fresh Python", "Python", expires=world.clock() + DAY)

    assert await world.find("Python") == [
        (ALICE, "verified Python via Alpha Python badge"),
        (5, "verified Python via Fresh Python badge"),
    ]


async def test_filters_and_ranking_by_coverage_then_availability(world: World) -> None:
    await world.profile(ALICE, "SQL", directory=True, weekly_hours=5, timezone="Asia/Tokyo")
    await world.badge(ALICE, "Python Pro", "Python")
    await world.profile(BOB, "Python, SQL", directory=True, weekly_hours=30, open_to_work=True)
    await world.profile(CAROL, "Python", directory=True, weekly_hours=40, timezone="Europe/Berlin")

    assert [user for user, _ in await world.find("Python", "SQL")] == [ALICE, BOB, CAROL]
    assert [user for user, _ in await world.find("python", verified_only=True)] == [ALICE]
    assert [user for user, _ in await world.find("Python", min_hours=20)] == [CAROL, BOB]  # more hours first
    assert [user for user, _ in await world.find("Python", open_to_work=True)] == [BOB]
    assert [user for user, _ in await world.find("Python", open_to_work=False)] == [ALICE, CAROL]


@pytest.mark.parametrize(
    ("skills", "options", "field"),
    [
        (("Underwater Basket Weaving",), {}, "skill"),
        (("Python", "SQL", "Go", "Rust"), {}, "skill"),
        (("",), {}, "skill"),
        (("Python",), {"timezone": "Mars/Olympus"}, "timezone"),
        (("Python",), {"min_hours": 101}, "min_hours"),
    ],
)
async def test_searches_the_directory_cannot_answer_are_refused(
    world: World, skills: tuple[str, ...], options: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        await world.find(*skills, **options)
    assert refused.value.field == field


async def test_searched_skills_are_counted_for_the_digest_without_the_searcher(world: World) -> None:
    await world.find("python")
    await world.find("Python", "SQL")
    await world.find("Postgres")
    world.clock.now += HOUR
    await world.find("SQL")
    await world.discovery.flush_searches()

    raw = sqlite3.connect(world.db_path)
    try:
        columns = [row[1] for row in raw.execute("PRAGMA table_info(search_counts)")]
        stored = raw.execute(
            "SELECT skill, sum(count) FROM search_counts GROUP BY skill ORDER BY skill"
        ).fetchall()
    finally:
        raw.close()
    assert "user_id" not in columns
    assert stored == [("PostgreSQL", 1), ("Python", 2), ("SQL", 2)]
    week = await world.discovery.week(GUILD, world.clock() - DAY, world.clock() + HOUR)
    assert week.top_searched_skills == (("Python", 2), ("SQL", 2), ("PostgreSQL", 1))

    world.clock.now += timedelta(weeks=9)
    await world.find("Go")
    await world.discovery.flush_searches()  # and forgets counts no digest will read again
    old = await world.discovery.week(GUILD, world.clock() - timedelta(weeks=20), world.clock() + HOUR)
    assert old.top_searched_skills == (("Go", 1),)


# Gap analysis


async def test_skillmap_marks_verified_declared_and_missing_skills(world: World) -> None:
    await world.profile(ALICE, "Redis, Python")
    await world.badge(ALICE, "Python Pro", "Python")
    found = await world.discovery.skillmap(GUILD, ALICE, "Python Developer")

    states = {s.skill: (s.state, s.evidence) for s in found.coverage.skills}
    assert states == {
        "Python": ("verified", "Python Pro"),
        "Redis": ("declared", None),
        "Blender": ("missing", None),
    }
    assert found.coverage.percent == pytest.approx(100 * 4 / 6)
    assert [s.program.key for s in found.suggestions] == ["free-blender"]
    chart = await world.discovery.chart(found.coverage)
    assert chart.startswith(b"\x89PNG")

    elsewhere = await world.discovery.skillmap(OTHER_GUILD, ALICE, "python-developer")
    assert {s.state for s in elsewhere.coverage.skills} == {"missing"}
    with pytest.raises(NotFound):
        await world.discovery.skillmap(GUILD, ALICE, "Astronaut")


async def test_role_members_are_directory_members_by_coverage(world: World) -> None:
    await world.profile(ALICE, "Redis", directory=True)
    await world.badge(ALICE, "Python Pro", "Python")
    await world.profile(BOB, "Python, Redis, Blender", directory=True)
    await world.profile(CAROL, "Python, Redis, Blender")  # not in the directory
    await world.profile(4, "Blender", directory=True)

    found = await world.discovery.role_members(GUILD, "python-developer")
    assert [(m.user_id, round(m.percent)) for m in found.members] == [(ALICE, 67), (BOB, 50), (4, 8)]


# The weekly digest


async def test_setting_up_the_digest_waits_for_the_next_slot_and_posts_it_once(world: World) -> None:
    settings = await world.discovery.set_digest(GUILD, 555, day=0, hour=9)  # Mondays; now is Sunday noon
    assert settings.when == "Mondays at 09:00 UTC"
    assert await world.discovery.post_due(world.send) == 0

    world.clock.now += 21 * HOUR  # Monday 09:00
    assert await world.discovery.post_due(world.send) == 1
    assert await world.discovery.post_due(world.send) == 0
    world.clock.now += 6 * DAY
    assert await world.discovery.post_due(world.send) == 0
    world.clock.now += DAY
    assert await world.discovery.post_due(world.send) == 1
    first, second = world.sent
    assert (first.slot, first.channel_id) == (datetime.fromisoformat("2026-11-23T09:00:00+00:00"), 555)
    assert second.digest.since == first.slot and second.digest.until == second.slot
    assert world.digest_row() == ("2026-11-30T09:00:00.000000+00:00", 0)


async def test_the_digest_reports_the_weeks_activity(world: World) -> None:
    await world.discovery.set_digest(GUILD, 555, day=0, hour=9)
    await world.badge(ALICE, "Python Pro", "Python", "SQL")
    await world.badge(BOB, "SQL Basics", "SQL")
    await world.badge(CAROL, "Claimed", "Go", self_reported=True)
    await world.badge(ALICE, "Elsewhere", "Go", guild_id=OTHER_GUILD)
    await world.find("Python")
    admin = ShowcaseAdmin(world.db, SKILLS, clock=world.clock)
    await admin.create_stack(GUILD, "Data basics", "SQL", None, 999, "")
    world.mentorship.mentors = [(BOB, world.clock()), (CAROL, world.clock() - timedelta(weeks=3))]
    world.mentorship.requests = [(CAROL, "Python")]

    world.clock.now += DAY
    await world.discovery.post_due(world.send)

    (post,) = world.sent
    sections = {s.title: s.lines for s in post.digest.sections}
    assert sections == {
        "New verified badges": (f"<@{ALICE}> · Python Pro", f"<@{BOB}> · SQL Basics"),
        "Completed stacks": (f"<@{ALICE}> · Data basics", f"<@{BOB}> · Data basics"),
        "Newly available mentors": (f"<@{BOB}>",),
        "Open mentor requests": (f"<@{CAROL}> · Python",),
        "Most common verified skills": ("SQL · 2 members", "Python · 1 member"),
        "Most searched skills": sections["Most searched skills"],
    }
    assert sections["Most searched skills"][0].startswith("Python · 1 search")


async def test_a_failed_post_is_logged_and_retried_next_round(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    await world.discovery.set_digest(GUILD, 555, day=0, hour=9)
    world.clock.now += DAY

    async def broken(post: DigestPost) -> None:
        raise RuntimeError("Discord is down")

    with caplog.at_level(logging.ERROR):
        assert await world.discovery.post_due(broken) == 0
    assert "failed; retrying next round" in caplog.text
    assert world.digest_row() == ("2026-11-16T09:00:00.000000+00:00", 0)  # the slot before, so not lost

    world.clock.now += HOUR
    assert await world.discovery.post_due(world.send) == 1
    assert world.digest_row() == ("2026-11-23T09:00:00.000000+00:00", 0)


async def test_a_crash_while_posting_never_posts_that_slot_again_and_says_so(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    await world.discovery.set_digest(GUILD, 555, day=0, hour=9)
    world.clock.now += DAY

    async def crash(post: DigestPost) -> None:
        raise KeyboardInterrupt  # the process stops mid-post, between the claim and the answer

    with pytest.raises(KeyboardInterrupt):
        await world.discovery.post_due(crash)
    assert world.digest_row() == ("2026-11-23T09:00:00.000000+00:00", 1)

    restarted = DiscoveryService(world.db, SKILLS, load_catalog(SKILLS), world.mentorship, clock=world.clock)
    with caplog.at_level(logging.WARNING):
        assert await restarted.post_due(world.send) == 0
    assert "may be missing: the bot stopped while posting it" in caplog.text
    assert world.digest_row() == ("2026-11-23T09:00:00.000000+00:00", 0)
    world.clock.now += 7 * DAY
    assert await restarted.post_due(world.send) == 1


async def test_a_slot_missed_while_the_bot_was_down_is_posted_late_once(world: World) -> None:
    await world.discovery.set_digest(GUILD, 555, day=0, hour=9)
    await world.badge(ALICE, "Python Pro", "Python")
    world.clock.now += 16 * DAY  # two slots passed while nothing ran
    assert await world.discovery.post_due(world.send) == 1
    assert await world.discovery.post_due(world.send) == 0
    (post,) = world.sent
    assert post.slot == datetime.fromisoformat("2026-12-07T09:00:00+00:00")
    # The weeks in between fold into the late post rather than going unreported.
    assert post.digest.since == datetime.fromisoformat("2026-11-16T09:00:00+00:00")
    assert post.digest.sections[0].title == "New verified badges"


async def test_moving_or_stopping_the_digest(world: World) -> None:
    await world.discovery.set_digest(GUILD, 555, day=0, hour=9)
    world.clock.now += DAY
    assert await world.discovery.post_due(world.send) == 1
    # Moved to Tuesday the same week: that slot falls after the one just posted, so it still comes.
    await world.discovery.set_digest(GUILD, 556, day=1, hour=9)
    assert await world.discovery.post_due(world.send) == 0
    world.clock.now += DAY
    assert await world.discovery.post_due(world.send) == 1
    assert world.sent[-1].channel_id == 556

    assert await world.discovery.stop_digest(GUILD)
    world.clock.now += 7 * DAY
    assert await world.discovery.post_due(world.send) == 0
    assert not await world.discovery.stop_digest(GUILD)
    preview = await world.discovery.preview_digest(GUILD)
    assert preview.settings is None and preview.digest.until == world.clock()


async def test_the_databases_shortlist_agrees_with_rank_members_on_every_search(world: World) -> None:
    rng = random.Random(5)
    pool = ["Python", "SQL", "Go", "Docker"]
    zones = [None, "Europe/Berlin", "Asia/Tokyo", "America/New_York", "Asia/Kolkata"]
    for user in range(1, 80):
        await world.profile(
            user,
            ", ".join(rng.sample(pool, rng.randint(0, 3))),
            directory=rng.random() < 0.8,
            weekly_hours=rng.choice([None, 5, 10, 20]),
            timezone=rng.choice(zones),
            open_to_work=rng.random() < 0.5,
        )
        for index in range(rng.randint(0, 2)):
            await world.badge(user, f"Badge {index}", *rng.sample(pool, rng.randint(1, 2)))
    for _ in range(25):
        query = FindQuery(
            tuple(rng.sample(pool, rng.randint(1, 3))),
            verified_only=rng.random() < 0.3,
            timezone=rng.choice([None, "UTC+2", "Asia/Tokyo"]),
            min_hours=rng.choice([None, 10]),
            open_to_work=rng.choice([None, True, False]),
        )
        async with world.db.snapshot() as conn:
            everyone = await discovery_store.directory_members(conn, GUILD, query.skills, world.clock())
        expected = rank_members(query, everyone, now=world.clock())
        outcome = await world.discovery.find(
            GUILD,
            FindRequest(
                query.skills, query.verified_only, query.timezone, query.min_hours, query.open_to_work
            ),
        )
        assert list(outcome.results) == expected[:MAX_RESULTS], query
        assert outcome.matched == len(expected)
