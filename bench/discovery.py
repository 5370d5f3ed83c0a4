"""Discovery benchmark: /find, /skillmap and the weekly digest on a 100,000-member, 500,000-badge guild.

Builds the database with plain SQL (members with profiles, 30% in the directory, five declared skills
each; five badges each with one to three skills, most verified) as it stood before the directory table,
lets the directory migration fill that table (timed), then calls the discovery service in process, as
the commands do, and prints:

- /find with 1, 2 and 3 skills: p50/p99 (target p99 <= 10 ms);
- /skillmap without the picture: p50/p99 (target p99 <= 20 ms), and the picture alone;
- the digest of a week with 10,000 events (new badges, stack completions, searches): target <= 1 s.

Skill popularity follows a Zipf-like curve (exponent --skew; 0 is uniform), so common skills are held
by thousands of members, as in a real community; queries draw skills from the same curve. --cache-mb
gives the connection a larger SQLite page cache than credcord's default (2 MB), to show its effect.

    .venv/bin/python bench/discovery.py [--members 100000] [--badges 500000] [--iterations 300]
        [--skew 0.8] [--cache-mb 0]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import bot.db  # noqa: E402
from bot.db import Database, bundled_migrations  # noqa: E402
from bot.discovery import DiscoveryService, FindRequest, load_catalog  # noqa: E402
from bot.skills import SkillCatalog  # noqa: E402

GUILD_ID = 1
NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)
WEEK_EVENTS = {"badges": 8_000, "stacks": 1_000, "searches": 1_000}
ZONES = ("Europe/Berlin", "America/New_York", "Asia/Tokyo", "Africa/Lagos", "America/Sao_Paulo", None)
VERDICT = json.dumps({"status": "VALID"})
# The bench data is written as it stood before this migration, which then fills the directory from it.
DIRECTORY_MIGRATION = 6


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def popularity(skills: list[str], skew: float) -> list[float]:
    return [1 / (rank**skew) for rank in range(1, len(skills) + 1)]


async def build_database(path: Path, members: int, badges: int, skew: float) -> tuple[list[str], float]:
    """The guild as it stood before the directory table, then the directory migration (timed) on top.

    Returns the skills, most popular first, and the seconds the directory migration took.
    """
    database = await Database.open(path)
    await database.migrate(bundled_migrations()[: DIRECTORY_MIGRATION - 1])
    await database.close()
    rng = random.Random(7)
    skills = [s.name for s in SkillCatalog.bundled().skills]
    rng.shuffle(skills)
    weights = popularity(skills, skew)
    user_ids = [10_000 + i for i in range(members)]
    raw = sqlite3.connect(path)
    with raw:
        created = stamp(NOW - timedelta(days=400))
        raw.executemany(
            "INSERT INTO members (guild_id, user_id, created_at) VALUES (?, ?, ?)",
            ((GUILD_ID, user, created) for user in user_ids),
        )
        raw.executemany(
            "INSERT INTO profiles (guild_id, user_id, timezone, weekly_hours, open_to_work, directory,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    GUILD_ID,
                    user,
                    rng.choice(ZONES),
                    rng.choice((None, 5, 10, 20, 30, 40)),
                    int(rng.random() < 0.5),
                    int(rng.random() < 0.3),
                    created,
                )
                for user in user_ids
            ),
        )
        raw.executemany(
            "INSERT INTO profile_skills (guild_id, user_id, position, skill, known) VALUES (?, ?, ?, ?, 1)",
            (
                (GUILD_ID, user, position, skill)
                for user in user_ids
                for position, skill in enumerate(dict.fromkeys(rng.choices(skills, weights, k=5)))
            ),
        )
        week_start = NOW - timedelta(days=7)
        rows = []
        skill_rows = []
        for badge_id in range(1, badges + 1):
            recent = badge_id <= WEEK_EVENTS["badges"]
            added = (
                week_start + timedelta(seconds=rng.uniform(0, 7 * 86400 - 1))
                if recent
                else (NOW - timedelta(days=rng.uniform(8, 400)))
            )
            status = "VALID" if rng.random() < 0.9 else rng.choice(("REVOKED", "EXPIRED", "UNVERIFIABLE"))
            rows.append(
                (
                    badge_id,
                    GUILD_ID,
                    rng.choice(user_ids),
                    f"https://issuer.example/a/{badge_id}",
                    f"https://issuer.example/a/{badge_id}",
                    status,
                    f"Badge {badge_id}",
                    VERDICT,
                    stamp(added),
                    stamp(added),
                )
            )
            for position, skill in enumerate(
                dict.fromkeys(rng.choices(skills, weights, k=rng.randint(1, 3)))
            ):
                skill_rows.append((badge_id, GUILD_ID, position, skill))
        raw.executemany(
            "INSERT INTO badges (id, guild_id, user_id, source, credential_id, status, reason, message, name,"
            " verdict, added_at, last_checked_at) VALUES (?, ?, ?, ?, ?, ?, 'bench', 'bench', ?, ?, ?, ?)",
            (row[:5] + row[5:6] + row[6:] for row in rows),
        )
        raw.executemany(
            "INSERT INTO badge_skills (badge_id, guild_id, position, skill, known) VALUES (?, ?, ?, ?, 1)",
            skill_rows,
        )
        raw.executemany(
            "INSERT INTO stacks (id, guild_id, name, name_key, role_id, created_at)"
            " VALUES (?, ?, ?, ?, 1, ?)",
            ((i, GUILD_ID, f"Stack {i}", f"stack {i}", created) for i in range(1, 21)),
        )
        completions = {(rng.choice(user_ids), rng.randint(1, 20)) for _ in range(WEEK_EVENTS["stacks"])}
        raw.executemany(
            "INSERT INTO stack_completions (guild_id, user_id, stack_id, completed_at) VALUES (?, ?, ?, ?)",
            (
                (GUILD_ID, user, stack, stamp(week_start + timedelta(seconds=rng.uniform(0, 7 * 86400 - 1))))
                for user, stack in completions
            ),
        )
        raw.executemany(
            "INSERT INTO search_counts (guild_id, hour, skill, count) VALUES (?, ?, ?, 1)"
            " ON CONFLICT DO UPDATE SET count = count + 1",
            (
                (
                    GUILD_ID,
                    stamp(week_start + timedelta(hours=rng.randrange(168))),
                    rng.choices(skills, weights)[0],
                )
                for _ in range(WEEK_EVENTS["searches"])
            ),
        )
        raw.execute(
            "INSERT INTO digest_settings (guild_id, channel_id, day, hour, last_slot)"
            " VALUES (?, 1, 6, 12, ?)",
            (GUILD_ID, stamp(week_start)),
        )
    raw.close()
    database = await Database.open(path)
    started = time.perf_counter()
    await database.migrate()
    migrated = time.perf_counter() - started
    async with database.unit_of_work() as conn:
        await conn.execute("ANALYZE")
    await database.close()
    return sorted(skills, key=lambda s: -weights[skills.index(s)]), migrated


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(name: str, samples: list[float], target: str) -> None:
    p50, p99 = percentile(samples, 0.5) * 1000, percentile(samples, 0.99) * 1000
    mean = statistics.fmean(samples) * 1000
    print(f"{name}: p50 {p50:.2f} ms, p99 {p99:.2f} ms, mean {mean:.2f} ms over {len(samples)} ({target})")


async def timed(call: Callable[[], Awaitable[object]], iterations: int) -> list[float]:
    samples = []
    for _ in range(iterations):
        started = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - started)
    return samples


async def main(members: int, badges: int, iterations: int, skew: float, cache_mb: int) -> None:
    if cache_mb:
        bot.db.PRAGMAS = (*bot.db.PRAGMAS, f"PRAGMA cache_size = -{cache_mb * 1024}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        started = time.perf_counter()
        by_popularity, migrated = await build_database(path, members, badges, skew)
        print(f"built {members:,} members and {badges:,} badges in {time.perf_counter() - started:.1f} s")
        print(f"the directory migration filled its table in {migrated:.1f} s")

        skills = SkillCatalog.bundled()
        catalog = load_catalog(skills)
        database = await Database.open(path)
        clock = Clock()

        class NoMentorship:
            async def new_mentors(self, guild_id: int, since: datetime, until: datetime) -> list[int]:
                return []

            async def open_requests(self, guild_id: int) -> list[tuple[int, str]]:
                return []

        service = DiscoveryService(database, skills, catalog, NoMentorship(), clock=clock)
        rng = random.Random(11)
        weights = popularity(by_popularity, skew)
        try:
            for count in (1, 2, 3):

                async def find(count: int = count) -> object:
                    chosen: list[str] = []
                    while len(chosen) < count:
                        skill = rng.choices(by_popularity, weights)[0]
                        if skill not in chosen:
                            chosen.append(skill)
                    return await service.find(GUILD_ID, FindRequest(tuple(chosen), timezone="Europe/Berlin"))

                await find()
                report(
                    f"/find, {count} skill{'s' if count > 1 else ''}",
                    await timed(find, iterations),
                    "target p99 <= 10 ms",
                )

            async def worst() -> object:
                return await service.find(GUILD_ID, FindRequest((by_popularity[0],)))

            report(f"/find, the most common skill ({by_popularity[0]})", await timed(worst, 30), "worst case")

            roles = list(catalog.roles)

            async def skillmap() -> object:
                return await service.skillmap(GUILD_ID, 10_000 + rng.randrange(members), rng.choice(roles))

            report("/skillmap without the picture", await timed(skillmap, iterations), "target p99 <= 20 ms")
            maps = [await service.skillmap(GUILD_ID, 10_000 + i, rng.choice(roles)) for i in range(50)]
            pictures: list[float] = []
            for found in maps:
                started = time.perf_counter()
                await service.chart(found.coverage)
                pictures.append(time.perf_counter() - started)
            report("/skillmap picture (PNG) alone", pictures, "reported separately")

            digest: list[float] = []
            for _ in range(5):
                started = time.perf_counter()
                preview = await service.preview_digest(GUILD_ID)
                digest.append(time.perf_counter() - started)
            events = sum(WEEK_EVENTS.values())
            lines = sum(len(s.lines) for s in preview.digest.sections)
            print(
                f"digest for a week with {events:,} events: best {min(digest) * 1000:.0f} ms,"
                f" worst {max(digest) * 1000:.0f} ms over {len(digest)} ({lines} lines; target <= 1000 ms)"
            )
        finally:
            await database.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--badges", type=int, default=500_000)
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--skew", type=float, default=0.8, help="Zipf exponent of skill popularity")
    parser.add_argument("--cache-mb", type=int, default=0, help="SQLite page cache in MB (0: credcord's)")
    args = parser.parse_args()
    asyncio.run(main(args.members, args.badges, args.iterations, args.skew, args.cache_mb))
