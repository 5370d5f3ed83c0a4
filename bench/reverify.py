"""Showcase benchmark: background re-verification at scale, and /badge list on a large database.

1. Re-verification: --badges stored badges (default 10,000) from --issuers issuers (default 100), each
   issuer on its own loopback address (127.0.0.2, 127.0.0.3, …) so each is its own host, every response
   delayed by --latency-ms (default 20). The ``Reverifier`` is built as the bot builds it (default
   concurrency, per-host limit and batch size) on a clock 25 hours after the badges were last checked,
   and ``run_once`` is called until nothing is due. Prints wall time, badges/s, the most requests any one
   host saw at once (must not exceed the per-host limit) and peak RSS.
2. /badge list: a database of --list-badges badges (default 100,000), one member holding 60 of them;
   p50/p99 of ``/badge list`` for that member through SimCord against the real bot (target p99 <= 10 ms
   in process), and of the service call alone.

    .venv/bin/python bench/reverify.py
    .venv/bin/python bench/reverify.py --badges 2000 --list-badges 20000 --iterations 100   # quicker
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import simcord

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import create_bot  # noqa: E402
from bot.badges import Reverifier  # noqa: E402
from bot.config import ShowcaseConfig, load_config  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.skills import SkillCatalog  # noqa: E402
from bot.verification import Fetcher, FetchPolicy, Verifier  # noqa: E402
from tests.support.issuer import IssuerWorld, MockOrigin  # noqa: E402

GUILD_ID = 1
CHECKED = datetime(2026, 1, 1, tzinfo=UTC)
PER_MEMBER = 60


class Issuers:
    """Issuers served over real HTTP from this event loop; counts requests in flight per host."""

    def __init__(self, count: int, latency: float) -> None:
        self.count = count
        self.latency = latency
        self.worlds: list[IssuerWorld] = []
        self.origins: dict[str, MockOrigin] = {}
        self.running: Counter[str] = Counter()
        self.peak: Counter[str] = Counter()
        self.requests = 0
        self._servers: list[asyncio.Server] = []

    async def start(self) -> None:
        for index in range(self.count):
            address = f"127.0.0.{index + 2}"
            server = await asyncio.start_server(self._serve, address, 0)
            port = server.sockets[0].getsockname()[1]
            origin = MockOrigin(f"http://{address}:{port}")
            self.origins[address] = origin
            self.worlds.append(IssuerWorld(origin, MockOrigin(f"http://{address}:1")))
            self._servers.append(server)

    async def stop(self) -> None:
        for server in self._servers:
            server.close()
            await server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        address = writer.get_extra_info("sockname")[0]
        origin = self.origins[address]
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                path = head.split(b" ", 2)[1].decode()
                self.requests += 1
                self.running[address] += 1
                self.peak[address] = max(self.peak[address], self.running[address])
                try:
                    await asyncio.sleep(self.latency)
                finally:
                    self.running[address] -= 1
                answer = origin.answer(httpx.Request("GET", origin.url(path)))
                headers = [f"HTTP/1.1 {answer.status_code} X", f"Content-Length: {len(answer.content)}"]
                headers += [f"{k}: {v}" for k, v in answer.headers.items() if k.lower() != "content-length"]
                writer.write(("\r\n".join(headers) + "\r\n\r\n").encode() + answer.content)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def badge_row(index: int, user_id: int, url: str, host: str, checked_at: datetime) -> tuple[Any, ...]:
    checked = checked_at.isoformat(timespec="microseconds")
    return (
        index, GUILD_ID, user_id, url, url, host, url, "VALID", "ob2-hosted", "verified", "Verified.",
        f"Badge {index}", "Example University", "https://example.org", "example.org", None,
        "2025-01-15T10:00:00.000000+00:00", None, 0, "{}", checked, checked,
    )  # fmt: skip


def write_badges(path: Path, rows: Iterable[tuple[Any, ...]], skills: list[str], per_badge: int) -> None:
    raw = sqlite3.connect(path)
    with raw:
        rows = list(rows)
        raw.executemany(
            "INSERT OR IGNORE INTO members (guild_id, user_id, created_at) VALUES (?, ?, ?)",
            {(GUILD_ID, row[2], "2026-01-01T00:00:00.000000+00:00") for row in rows},
        )
        raw.executemany(
            "INSERT INTO badges (id, guild_id, user_id, source, recheck, check_host, credential_id, status,"
            " format, reason, message, name, issuer_name, issuer_url, issuer_host, image_url, issued_at,"
            " expires_at, self_reported, verdict, added_at, last_checked_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        raw.executemany(
            "INSERT INTO badge_skills (badge_id, guild_id, position, skill, known) VALUES (?, ?, ?, ?, 1)",
            (
                (row[0], GUILD_ID, p, skills[(row[0] * 7 + p * 13) % len(skills)])
                for row in rows
                for p in range(per_badge)
            ),
        )
    raw.close()


async def migrated(path: Path) -> None:
    database = await Database.open(path)
    await database.migrate()
    await database.close()


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def bench_reverify(folder: Path, badges: int, issuers: int, latency_ms: float) -> None:
    farm = Issuers(issuers, latency_ms / 1000)
    await farm.start()
    path = folder / "reverify.db"
    await migrated(path)
    rows = []
    rng = random.Random(7)
    for index in range(badges):
        # Issuers at random, as members add them: a round often holds several badges of one host.
        world = farm.worlds[rng.randrange(issuers)]
        url = world.host(world.assertion(f"/assertions/{index}"))
        host = url.split("/")[2].split(":")[0]
        rows.append(badge_row(index + 1, 1000 + index % 500, url, host, CHECKED))
    write_badges(path, rows, ["Python"], 1)

    settings = ShowcaseConfig()
    later = CHECKED + timedelta(hours=settings.reverify_hours + 1)
    database = await Database.open(path)
    fetcher = Fetcher(policy=FetchPolicy(allow_private_networks=True))
    reverifier = Reverifier(
        database,
        Verifier(fetcher, clock=lambda: datetime.now(UTC)),
        SkillCatalog.bundled(),
        clock=lambda: later,
        reverify_hours=settings.reverify_hours,
        grace_days=settings.grace_days,
        batch_size=settings.batch_size,
    )
    rounds = changed = 0
    started = time.perf_counter()
    try:
        while True:
            before = farm.requests
            changes = await reverifier.run_once()
            rounds += 1
            changed += len(changes)
            if farm.requests == before:
                break
        wall = time.perf_counter() - started
    finally:
        await fetcher.aclose()
        await database.close()
        await farm.stop()
    raw = sqlite3.connect(path)
    stamp = CHECKED.isoformat(timespec="microseconds")
    (checked,) = raw.execute("SELECT count(*) FROM badges WHERE last_checked_at > ?", (stamp,)).fetchone()
    raw.close()
    limit = 2  # the Reverifier's per-host default, which the bot uses
    worst = max(farm.peak.values())
    print(
        f"re-verification: {badges:,} badges from {issuers} issuers, {latency_ms:g} ms latency per response"
    )
    print(
        f"  wall time {wall:.1f} s over {rounds} rounds of <= {settings.batch_size}:"
        f" {badges / wall:.0f} badges/s"
    )
    print(
        f"  HTTP requests served: {farm.requests:,}; status changes: {changed};"
        f" badges re-checked: {checked:,}"
    )
    print(
        f"  max concurrent requests seen by one host: {worst} (per-host limit {limit})"
        f" {'OK' if worst <= limit else 'OVER'}"
    )
    print(f"  peak RSS so far: {peak_rss_mb():.0f} MB")


async def bench_list(folder: Path, total: int, iterations: int) -> None:
    path = folder / "list.db"
    await migrated(path)
    skills = [s.name for s in SkillCatalog.bundled().skills]
    placeholder = 1
    # Checked just now: the bot's background re-verification finds nothing due while this runs.
    fresh = datetime.now(UTC)
    rows = [
        badge_row(i + 1, placeholder if i < PER_MEMBER else 1000 + i // PER_MEMBER,
                  f"https://h{i % 100}.example/a/{i}", f"h{i % 100}.example", fresh)
        for i in range(total)
    ]  # fmt: skip
    started = time.perf_counter()
    write_badges(path, rows, skills, 3)
    print(f"/badge list: built {total:,} badges in {time.perf_counter() - started:.1f} s")

    bot = create_bot(load_config(None, {"CREDCORD_DB_PATH": str(path)}))
    env = simcord.Env(bot)
    await env.start()
    try:
        guild = env.create_guild(name="bench")
        channel = guild.create_text_channel("general")
        member = guild.add_member(env.create_user("bench"))
        raw = sqlite3.connect(path)
        with raw:
            # Hand the placeholder's badges to the SimCord member, whose id is only known now.
            raw.execute("INSERT INTO members (guild_id, user_id, created_at) VALUES (?, ?, '2026-01-01')",
                        (GUILD_ID, member.id))  # fmt: skip
            raw.execute(
                "UPDATE badges SET user_id = ?, guild_id = ? WHERE user_id = ?",
                (member.id, guild.id, placeholder),
            )
            raw.execute("UPDATE badge_skills SET guild_id = ? WHERE badge_id <= ?", (guild.id, PER_MEMBER))
        raw.close()
        first = await member.slash(channel, "badge list")
        assert first.response.embeds, first.response.content
        assert (first.response.embeds[0].description or "").count("✅") == 10  # a full first page
        whole: list[float] = []
        service: list[float] = []
        for _ in range(iterations):
            # Let the previous reply's page buttons time out (as they would between real requests):
            # SimCord's cost grows with every view left open, which would be measured otherwise.
            await env.advance_time(121)
            t0 = time.perf_counter()
            await member.slash(channel, "badge list")
            whole.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            await bot.services.badges.grouped(guild.id, member.id)
            service.append(time.perf_counter() - t0)
    finally:
        await env.shutdown()
        await bot.close()
    for name, samples in (("/badge list through SimCord", whole), ("BadgeService.grouped alone", service)):
        p50, p99 = percentile(samples, 0.5) * 1000, percentile(samples, 0.99) * 1000
        print(
            f"  {name}: p50 {p50:.2f} ms, p99 {p99:.2f} ms, mean {statistics.fmean(samples) * 1000:.2f} ms"
            f" over {len(samples)} (member with {PER_MEMBER} badges; target p99 <= 10 ms)"
        )
    print(f"  peak RSS: {peak_rss_mb():.0f} MB")


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        if not args.skip_reverify:
            await bench_reverify(Path(folder), args.badges, args.issuers, args.latency_ms)
        await bench_list(Path(folder), args.list_badges, args.iterations)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--badges", type=int, default=10_000)
    parser.add_argument("--issuers", type=int, default=100)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--list-badges", type=int, default=100_000)
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--skip-reverify", action="store_true", help="only the /badge list part")
    asyncio.run(main(parser.parse_args()))
