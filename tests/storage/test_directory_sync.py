"""The /find directory table on a real database: every kind of write keeps it in step with the profiles and
badges it is derived from, the migration fills it from existing data, and searches answer as before."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.badges import Badge, BadgeService, Reverifier, ShowcaseAdmin
from bot.badges.store import stamp
from bot.db import Database, bundled_migrations
from bot.discovery import DiscoveryService, FindRequest, load_catalog
from bot.discovery import store as discovery_store
from bot.discovery.search import FindQuery, rank_members
from bot.discovery.service import MAX_RESULTS, zone_distances
from bot.lookups import LookupService
from bot.profiles import ProfileOptions, ProfileService, ProfileText
from bot.profiles.store import refresh_directory
from bot.skills import SkillCatalog
from bot.verification.verdict import Status, Verdict
from tests.support.badges import Clock, verdict
from tests.support.discovery import CATALOG

GUILD, OTHER_GUILD = 10, 20
ALICE, BOB = 1, 2
SKILLS = SkillCatalog.bundled()
DAY = timedelta(days=1)
DIRECTORY_MIGRATION = 6

# A directory row: (guild, skill, user, declared, proven, proven until, evidence, evidence until, weekly
# hours, open to work, zone).
Row = tuple[Any, ...]


@dataclass
class Issuer:
    """What the issuer says about each badge URL: a valid badge unless told otherwise."""

    answers: dict[str, Verdict] = field(default_factory=dict)

    async def verify(
        self,
        source: str | bytes | Mapping[str, Any],
        *,
        emails: Sequence[str] = (),
        now: datetime | None = None,
    ) -> Verdict:
        assert isinstance(source, str)
        return self.answers[source]


@dataclass
class World:
    db: Database
    clock: Clock
    issuer: Issuer
    profiles: ProfileService
    badges: BadgeService
    reverifier: Reverifier
    discovery: DiscoveryService

    async def profile(self, user_id: int, skills: str = "", *, guild_id: int = GUILD, **options: Any) -> None:
        await self.profiles.save(guild_id, user_id, ProfileText(skills=skills), ProfileOptions(**options))

    async def add(
        self,
        user_id: int,
        url: str,
        *skills: str,
        name: str = "Badge",
        expires: datetime | None = None,
        self_reported: bool = False,
        guild_id: int = GUILD,
    ) -> int:
        if self_reported:
            self.issuer.answers[url] = verdict(
                url, *skills, name=name, status=Status.UNVERIFIABLE, reason="no_machine_readable_credential"
            )
        else:
            self.issuer.answers[url] = verdict(url, *skills, name=name, expires=expires)
        return (await self.badges.add(guild_id, user_id, url)).badge.id

    async def revoke_on_next_check(self, url: str) -> None:
        self.issuer.answers[url] = verdict(url, status=Status.REVOKED, reason="http_410")
        self.clock.now += 2 * DAY
        await self.reverifier.run_once()

    async def rows(self, user_id: int | None = None) -> list[Row]:
        sql = (
            "SELECT guild_id, skill, user_id, declared, proven, proven_until, evidence, evidence_until,"
            " weekly_hours, open_to_work, timezone FROM directory_skills"
        )
        async with self.db.snapshot() as conn, conn.execute(sql) as cursor:
            found = [tuple(row) for row in await cursor.fetchall()]
        return sorted(row for row in found if user_id is None or row[2] == user_id)

    async def expected_rows(self) -> list[Row]:
        """The directory as the profiles and badges say it should be, read through the services."""
        async with (
            self.db.snapshot() as conn,
            conn.execute("SELECT guild_id, user_id FROM members") as cursor,
        ):
            members = [(int(row[0]), int(row[1])) for row in await cursor.fetchall()]
        rows: list[Row] = []
        for guild_id, user_id in members:
            profile = await self.profiles.get(guild_id, user_id)
            if profile is None or not profile.directory:
                continue
            declared = {match.name for match in profile.skills}
            proving: dict[str, list[Badge]] = {}
            for badge in await self.badges.list_badges(guild_id, user_id):
                if badge.status is Status.VALID and not badge.self_reported:
                    for match in badge.skills:
                        proving.setdefault(match.name, []).append(badge)
            for skill in declared | set(proving):
                badges = proving.get(skill, [])
                evidence = min((badge.title for badge in badges), default=None)
                rows.append(
                    (
                        guild_id,
                        skill,
                        user_id,
                        int(skill in declared),
                        int(bool(badges)),
                        latest(badges),
                        evidence,
                        latest([badge for badge in badges if badge.title == evidence]),
                        profile.weekly_hours,
                        int(profile.open_to_work),
                        profile.timezone,
                    )
                )
        return sorted(rows, key=lambda row: (row[0], row[1], row[2]))

    async def assert_in_step(self) -> None:
        assert (
            sorted(await self.rows(), key=lambda row: (row[0], row[1], row[2])) == await self.expected_rows()
        )

    async def find(self, *skills: str, **options: Any) -> list[tuple[int, str]]:
        outcome = await self.discovery.find(GUILD, FindRequest(skills, **options))
        return [(result.user_id, result.reasons) for result in outcome.results]

    async def assert_find_unchanged(self, query: FindQuery, *, cut: int = 4) -> None:
        """``/find`` answers exactly as ``rank_members`` over every directory member read from the badges
        and profiles themselves, and the database's shortlists cut at ``cut`` and at one hold that ranking's
        first (a short cut is often filled by members proving every asked skill, which the database finds
        apart)."""
        now = self.clock()
        async with self.db.snapshot() as conn:
            everyone = await discovery_store.directory_members(conn, GUILD, query.skills, now)
            distances = None
            if query.timezone:
                zones = await discovery_store.directory_zones(conn, GUILD)
                distances = zone_distances(query.timezone, zones, now)
            shortlists = {
                limit: await discovery_store.shortlist(
                    conn,
                    GUILD,
                    query.skills,
                    now,
                    verified_only=query.verified_only,
                    min_hours=query.min_hours,
                    open_to_work=query.open_to_work,
                    distances=distances,
                    limit=limit,
                )
                for limit in (1, cut)
            }
        expected = rank_members(query, everyone, now=now)
        for limit, shortlist in shortlists.items():
            assert shortlist == ([result.user_id for result in expected[:limit]], len(expected)), query
        request = FindRequest(
            query.skills, query.verified_only, query.timezone, query.min_hours, query.open_to_work
        )
        outcome = await self.discovery.find(GUILD, request)
        assert list(outcome.results) == expected[:MAX_RESULTS], query
        assert outcome.matched == len(expected), query


def latest(badges: list[Badge]) -> str | None:
    """The stored stamp of the last expiry among ``badges``: None if one never expires, or there are none."""
    expiries = [badge.expires_at for badge in badges]
    if not expiries or None in expiries:
        return None
    return stamp(max(e for e in expiries if e is not None))


class NoMentorship:
    async def new_mentors(self, guild_id: int, since: datetime, until: datetime) -> list[int]:
        return []

    async def open_requests(self, guild_id: int) -> list[tuple[int, str]]:
        return []


@pytest.fixture
async def world(db_path: Path, tmp_path: Path) -> AsyncIterator[World]:
    db = await Database.open(db_path)
    await db.migrate()
    clock = Clock()
    issuer = Issuer()
    profiles = ProfileService(db, SKILLS, clock)
    lookups = LookupService(issuer, profiles, cooldown=timedelta(0), max_in_flight=4, clock=clock)  # type: ignore[arg-type]
    admin = ShowcaseAdmin(db, SKILLS, clock=clock)
    for guild_id in (GUILD, OTHER_GUILD):
        await admin.set_policy(guild_id, require_recipient_match=False, accept_unverifiable=True)
    catalog_path = tmp_path / "catalog.toml"
    catalog_path.write_text(CATALOG)
    yield World(
        db,
        clock,
        issuer,
        profiles,
        BadgeService(db, lookups, SKILLS, clock=clock),
        Reverifier(db, issuer, SKILLS, clock=clock, reverify_hours=24),
        DiscoveryService(db, SKILLS, load_catalog(SKILLS, catalog_path), NoMentorship(), clock=clock),
    )
    await db.close()


async def test_only_members_in_the_directory_have_rows_and_profile_edits_rewrite_them(world: World) -> None:
    await world.profile(ALICE, "Python, SQL", weekly_hours=10, timezone="Europe/Berlin")
    assert await world.rows() == []  # the directory is off by default

    await world.profile(ALICE, "Python, SQL", directory=True)
    assert await world.rows() == [
        (GUILD, "Python", ALICE, 1, 0, None, None, None, 10, 0, "Europe/Berlin"),
        (GUILD, "SQL", ALICE, 1, 0, None, None, None, 10, 0, "Europe/Berlin"),
    ]

    await world.profile(ALICE, "Go, SQL", weekly_hours=30, timezone="Asia/Tokyo", open_to_work=True)
    assert await world.rows() == [
        (GUILD, "Go", ALICE, 1, 0, None, None, None, 30, 1, "Asia/Tokyo"),
        (GUILD, "SQL", ALICE, 1, 0, None, None, None, 30, 1, "Asia/Tokyo"),
    ]
    assert await world.find("Go") == [(ALICE, "declares Go · 30 h/week · UTC+9 · open to work")]

    await world.profile(ALICE, "Go, SQL", directory=False)
    assert await world.rows() == []
    assert await world.find("Go") == []
    await world.assert_in_step()


async def test_badges_added_replaced_and_removed_rewrite_their_owners_rows(world: World) -> None:
    await world.profile(ALICE, "SQL", directory=True)
    url = "https://academy.example/a/1"
    badge_id = await world.add(ALICE, url, "Python", name="Python Pro")
    await world.add(BOB, "https://academy.example/b/1", "Python")  # no profile: not in the directory
    assert await world.rows() == [
        (GUILD, "Python", ALICE, 0, 1, None, "Python Pro", None, None, 0, None),
        (GUILD, "SQL", ALICE, 1, 0, None, None, None, None, 0, None),
    ]

    # Added again, the same credential now proves SQL instead, until a date.
    until = world.clock() + 30 * DAY
    await world.add(ALICE, url, "SQL", name="SQL Pro", expires=until)
    assert await world.rows() == [
        (GUILD, "SQL", ALICE, 1, 1, stamp(until), "SQL Pro", stamp(until), None, 0, None)
    ]
    assert await world.find("SQL") == [(ALICE, "verified SQL via SQL Pro badge")]

    await world.badges.remove(GUILD, ALICE, badge_id)
    assert await world.rows() == [(GUILD, "SQL", ALICE, 1, 0, None, None, None, None, 0, None)]
    assert await world.find("SQL") == [(ALICE, "declares SQL")]
    await world.assert_in_step()


async def test_self_reported_badges_prove_nothing_and_a_badge_without_expiry_outlasts_others(
    world: World,
) -> None:
    await world.profile(ALICE, directory=True)
    await world.add(ALICE, "https://academy.example/a/1", "Go", self_reported=True)
    assert await world.rows() == []

    soon = world.clock() + DAY
    await world.add(ALICE, "https://academy.example/a/2", "Go", expires=soon)
    await world.add(ALICE, "https://academy.example/a/3", "Go", expires=soon + DAY)
    assert [row[5] for row in await world.rows()] == [stamp(soon + DAY)]
    await world.add(ALICE, "https://academy.example/a/4", "Go")
    assert [row[5] for row in await world.rows()] == [None]
    await world.assert_in_step()


async def test_when_the_first_titled_badge_expires_another_badge_becomes_the_evidence(world: World) -> None:
    await world.profile(ALICE, directory=True)
    await world.add(ALICE, "https://academy.example/a/1", "Go", name="Alpha Go", expires=world.clock() + DAY)
    await world.add(ALICE, "https://academy.example/a/2", "Go", "SQL", name="Beta Go")
    assert await world.find("Go", "SQL") == [
        (ALICE, "verified Go via Alpha Go badge · verified SQL via Beta Go badge")
    ]

    world.clock.now += DAY  # no write: the stored evidence has expired, its successor is read from the badges
    assert await world.find("Go", "SQL") == [
        (ALICE, "verified Go via Beta Go badge · verified SQL via Beta Go badge")
    ]
    await world.assert_find_unchanged(FindQuery(("Go", "SQL")))


async def test_a_badge_revoked_on_reverification_stops_proving_its_skill(world: World) -> None:
    await world.profile(ALICE, directory=True)
    url = "https://academy.example/a/1"
    await world.add(ALICE, url, "Python", name="Python Pro")
    assert await world.find("Python") == [(ALICE, "verified Python via Python Pro badge")]

    await world.revoke_on_next_check(url)
    assert await world.rows() == []
    assert await world.find("Python") == []
    await world.assert_in_step()


async def test_an_expired_badge_stops_counting_at_once_and_its_row_goes_once_marked_expired(
    world: World,
) -> None:
    await world.profile(ALICE, "SQL", directory=True)
    await world.add(
        ALICE, "https://academy.example/a/1", "SQL", "Go", name="Data", expires=world.clock() + DAY
    )
    assert await world.find("SQL", "Go") == [
        (ALICE, "verified SQL via Data badge · verified Go via Data badge")
    ]

    world.clock.now += DAY  # nothing is written: the search itself sees the expiry
    assert await world.find("SQL", "Go") == [(ALICE, "declares SQL")]
    assert await world.find("Go") == []
    await world.assert_find_unchanged(FindQuery(("SQL", "Go")))
    await world.assert_find_unchanged(FindQuery(("Go",)))

    await world.reverifier.run_once()  # marks the badge expired
    assert await world.rows() == [(GUILD, "SQL", ALICE, 1, 0, None, None, None, None, 0, None)]
    await world.assert_in_step()


async def test_deleting_a_member_or_their_badges_removes_their_rows(world: World) -> None:
    for user in (ALICE, BOB):
        await world.profile(user, "SQL", directory=True)
        await world.add(user, f"https://academy.example/{user}/1", "Python")
    await world.profile(ALICE, "SQL", guild_id=OTHER_GUILD, directory=True)

    await world.badges.forget_member(GUILD, BOB)  # the profile (and its declared skills) stays
    assert await world.rows(BOB) == [(GUILD, "SQL", BOB, 1, 0, None, None, None, None, 0, None)]

    assert await world.profiles.delete(GUILD, ALICE)
    assert await world.rows(ALICE) == [(OTHER_GUILD, "SQL", ALICE, 1, 0, None, None, None, None, 0, None)]
    await world.assert_in_step()


async def test_a_zone_the_tz_database_no_longer_knows_ranks_as_unknown(world: World) -> None:
    await world.profile(ALICE, "SQL", directory=True, timezone="Asia/Tokyo")
    await world.profile(BOB, "SQL", directory=True, timezone="Europe/Berlin")
    await world.profile(3, "SQL", directory=True, timezone="Asia/Tokyo")
    async with world.db.unit_of_work() as conn:
        # As long as a known zone's name, which the search does tell apart.
        await conn.execute("UPDATE profiles SET timezone = 'Asia/Atlantis' WHERE user_id = ?", (ALICE,))
        await refresh_directory(conn, GUILD, ALICE)
    assert [user for user, _ in await world.find("SQL", timezone="UTC+9")] == [3, BOB, ALICE]
    await world.assert_find_unchanged(FindQuery(("SQL",), timezone="UTC+9"), cut=2)


async def test_the_migration_fills_the_directory_from_existing_profiles_and_badges(db_path: Path) -> None:
    db = await Database.open(db_path)
    await db.migrate(bundled_migrations()[: DIRECTORY_MIGRATION - 1])
    await db.close()
    at, soon = "2026-01-01T00:00:00.000000+00:00", "2027-01-01T00:00:00.000000+00:00"
    later = "2027-06-01T00:00:00.000000+00:00"
    raw = sqlite3.connect(db_path)
    with raw:
        raw.executemany("INSERT INTO members VALUES (?, ?, ?)", [(GUILD, u, at) for u in (1, 2, 3)])
        raw.executemany(
            "INSERT INTO profiles (guild_id, user_id, timezone, weekly_hours, open_to_work, directory,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (GUILD, 1, "Europe/Berlin", 20, 1, 1, at),
                (GUILD, 2, None, None, 0, 1, at),
                (GUILD, 3, None, 5, 0, 0, at),
            ],
        )
        raw.executemany(
            "INSERT INTO profile_skills VALUES (?, ?, ?, ?, 1)",
            [(GUILD, 1, 0, "SQL"), (GUILD, 1, 1, "Go"), (GUILD, 3, 0, "SQL")],
        )
        badges = [
            (1, 1, "VALID", 0, soon, "Data", "SQL"),
            (2, 1, "VALID", 0, later, "SQL", "SQL"),
            (3, 2, "VALID", 0, None, None, "Python"),  # untitled, and never expires
            (4, 2, "VALID", 0, soon, "Python", "Python"),
            (5, 2, "VALID", 0, later, "Python", "Python"),
            (6, 2, "REVOKED", 0, None, "Rust", "Rust"),
            (7, 2, "UNVERIFIABLE", 1, None, "Go", "Go"),
            (8, 3, "VALID", 0, None, "Python", "Python"),  # not in the directory
        ]
        raw.executemany(
            "INSERT INTO badges (id, guild_id, user_id, source, credential_id, status, reason, message,"
            " self_reported, expires_at, name, verdict, added_at, last_checked_at)"
            " VALUES (?, ?, ?, 'u', ?, ?, 'r', 'm', ?, ?, ?, '{}', ?, ?)",
            [
                (i, GUILD, user, f"c{i}", status, self, expires, name, at, at)
                for i, user, status, self, expires, name, _ in badges
            ],
        )
        raw.executemany(
            "INSERT INTO badge_skills VALUES (?, ?, 0, ?, 1)", [(i, GUILD, skill) for i, *_, skill in badges]
        )
    raw.close()

    select = (
        "SELECT skill, user_id, declared, proven, proven_until, evidence, evidence_until, weekly_hours,"
        " open_to_work, timezone FROM directory_skills ORDER BY user_id, skill"
    )
    db = await Database.open(db_path)
    try:
        await db.migrate()
        async with db.snapshot() as conn, conn.execute(select) as cursor:
            migrated = [tuple(row) for row in await cursor.fetchall()]
        # The migration fills the table just as the writes keep it.
        async with db.unit_of_work() as conn:
            for user in (1, 2, 3):
                await refresh_directory(conn, GUILD, user)
        async with db.snapshot() as conn, conn.execute(select) as cursor:
            refreshed = [tuple(row) for row in await cursor.fetchall()]
    finally:
        await db.close()
    assert migrated == [
        ("Go", 1, 1, 0, None, None, None, 20, 1, "Europe/Berlin"),
        ("SQL", 1, 1, 1, later, "Data", soon, 20, 1, "Europe/Berlin"),
        ("Python", 2, 0, 1, None, "Python", later, None, 0, None),
    ]
    assert refreshed == migrated


async def test_random_writes_keep_the_directory_in_step_and_find_answers_as_before(world: World) -> None:
    rng = random.Random(8)
    pool = ["Python", "SQL", "Go", "Docker"]
    # Several names of one length, so the search's per-zone distances are told apart by name too.
    zones = [None, "Europe/Berlin", "Europe/London", "Asia/Tokyo", "Asia/Dubai", "America/New_York", "UTC"]
    users = list(range(1, 31))
    badges: dict[int, list[tuple[int, str]]] = {user: [] for user in users}
    serial = 0

    def random_query() -> FindQuery:
        return FindQuery(
            tuple(rng.sample(pool, rng.randint(1, 3))),
            verified_only=rng.random() < 0.3,
            timezone=rng.choice([None, "UTC+1", "Asia/Tokyo", "America/Los_Angeles"]),
            min_hours=rng.choice([None, 0, 10]),
            open_to_work=rng.choice([None, True, False]),
        )

    for step in range(160):
        user = rng.choice(users)
        action = rng.random()
        if action < 0.3:
            await world.profile(
                user,
                ", ".join(rng.sample(pool, rng.randint(0, 3))),
                directory=rng.random() < 0.8,
                weekly_hours=rng.choice([None, 5, 10, 20]),
                timezone=rng.choice(zones),
                open_to_work=rng.random() < 0.5,
            )
        elif action < 0.6:
            serial += 1
            url = f"https://academy.example/{user}/{serial}"
            expires = rng.choice([None, None, world.clock() + rng.randint(1, 5) * DAY])
            badge_id = await world.add(
                user,
                url,
                *rng.sample(pool, rng.randint(1, 2)),
                name=rng.choice(["Alpha", "Beta", "Gamma"]),
                expires=expires,
                self_reported=rng.random() < 0.15,
            )
            badges[user].append((badge_id, url))
        elif action < 0.7 and badges[user]:
            badge_id, url = badges[user][-1]
            await world.add(user, url, *rng.sample(pool, rng.randint(1, 2)), name="Renewed")
        elif action < 0.78 and badges[user]:
            badge_id, _ = badges[user].pop(rng.randrange(len(badges[user])))
            await world.badges.remove(GUILD, user, badge_id)
        elif action < 0.85 and badges[user]:
            await world.revoke_on_next_check(rng.choice(badges[user])[1])
        elif action < 0.93:
            world.clock.now += rng.randint(1, 3) * DAY
            if rng.random() < 0.5:
                await world.reverifier.run_once()
        else:
            await world.badges.forget_member(GUILD, user)
            await world.profiles.delete(GUILD, user)
            badges[user] = []
        if step % 10 == 9:
            await world.assert_in_step()
            for _ in range(4):
                await world.assert_find_unchanged(random_query())
    await world.assert_in_step()
    for _ in range(20):
        await world.assert_find_unchanged(random_query())
