"""Channel watch benchmark: badge links posted as messages, verified and answered by the real bot.

The bot is built by ``create_bot`` (message content intent on, loopback allowed, no lookup cooldown) and
driven in process through SimCord; the issuer is a real HTTP server on 127.0.0.1 that delays every
response by --latency-ms (default 20). Each post carries a hosted Open Badges 2.0 assertion URL of its own,
so the watch's one-check-per-repeated-link window never shares a verdict.

1. Latency: one member posts --messages links (default 100) in a watched channel, SimCord time advanced
   12 s between posts so the watch's per-member limit (5 a minute) is never reached. Prints p50/p99 of the
   time from the post to the bot's verdict reply.
2. Burst: --burst posts (default 200) from many members (5 each, the per-member limit) created at once,
   spread over enough watched channels that none passes the per-channel limit (60 a minute), then the bot
   is left to answer them all. Prints wall time, posts/s, whether every post got exactly one reply, and
   the most requests the issuer saw at once against the fetcher's per-host limit.

    .venv/bin/python bench/watch.py
    .venv/bin/python bench/watch.py --messages 50 --burst 100   # quicker
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

import discord
import simcord
from simcord.actors import MemberActor
from simcord.builders import ChannelHandle

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import CredcordBot, create_bot  # noqa: E402
from bot.config import load_config  # noqa: E402
from bot.watch import WatchLimits  # noqa: E402
from tests.support.http_server import LocalServer  # noqa: E402
from tests.support.issuer import EMAIL, IssuerWorld  # noqa: E402

CONFIG = """
[discord]
message_content_intent = true

[verification]
allow_private_networks = true
cooldown_seconds = 0
"""
PROFILE_FORM = {
    "profile:headline": "Data analyst",
    "profile:bio": "I make dashboards.",
    "profile:skills": "python, sql",
    "profile:portfolio": "https://me.example",
    "profile:languages": "English",
}
LIMITS = WatchLimits()
# Seconds between one member's posts: the sliding window then never holds more than the per-member limit.
SPACING = LIMITS.window.total_seconds() / LIMITS.per_member


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def answered(channel: ChannelHandle, post_ids: list[int]) -> dict[int, int]:
    """How many bot replies each post got."""
    counts = dict.fromkeys(post_ids, 0)
    for message in channel.history():
        if message.reference is not None and message.reference.message_id in counts:
            counts[message.reference.message_id] += 1
    return counts


async def member_with_email(env: simcord.Env, channel: ChannelHandle, name: str) -> MemberActor:
    # The assertions are issued to EMAIL: the watch checks them against the poster's saved emails.
    assert channel.guild is not None
    member = channel.guild.add_member(env.create_user(name))
    shown = await member.slash(channel, "profile edit", emails=EMAIL)
    await member.submit_modal(shown, PROFILE_FORM)
    return member


async def watched_channel(env: simcord.Env, admin: MemberActor, name: str) -> ChannelHandle:
    channel = admin.guild.create_text_channel(name)
    result = await admin.slash(channel, "setup watch", channel=channel)
    assert result.response is not None and "I now check" in str(result.response.content)
    return channel


async def bench_latency(
    env: simcord.Env, issuer: IssuerWorld, admin: MemberActor, messages: int
) -> list[float]:
    channel = await watched_channel(env, admin, "latency")
    poster = await member_with_email(env, channel, "poster")
    posts: list[discord.Message] = []
    samples: list[float] = []
    for index in range(messages):
        url = issuer.host(issuer.assertion(f"/assertions/latency-{index}"))
        started = time.perf_counter()
        # send returns once the bot is idle again: its reaction and verdict reply are posted by then.
        posts.append(await poster.send(channel, f"Just earned this: {url}"))
        samples.append(time.perf_counter() - started)
        await env.advance_time(SPACING)
    counts = answered(channel, [post.id for post in posts])
    assert all(count == 1 for count in counts.values()), counts
    return samples


async def bench_burst(
    env: simcord.Env, issuer: IssuerWorld, admin: MemberActor, server: LocalServer, total: int
) -> None:
    per_channel = LIMITS.per_channel - LIMITS.per_channel % LIMITS.per_member
    channels = [
        await watched_channel(env, admin, f"burst-{i}") for i in range(math.ceil(total / per_channel))
    ]
    members = [
        await member_with_email(env, channels[0], f"burster{i}")
        for i in range(math.ceil(total / LIMITS.per_member))
    ]
    urls = [issuer.host(issuer.assertion(f"/assertions/burst-{i}")) for i in range(total)]
    server.max_concurrent = 0
    served_before = len(server.requests)

    started = time.perf_counter()
    created = []
    for index, url in enumerate(urls):
        channel = channels[index // per_channel]
        member = members[index // LIMITS.per_member]
        created.append((channel, env.backend.create_message(channel.id, member.id, f"New badge {url}")))
    await env.settle(timeout=300)
    wall = time.perf_counter() - started

    counts: dict[int, int] = {}
    for channel in channels:
        counts |= answered(channel, [message.id for target, message in created if target is channel])
    replies = sum(counts.values())
    verified = sum(
        1
        for channel in channels
        for message in channel.history()
        if message.id in counts and any(str(r.emoji) == "✅" for r in message.reactions)
    )
    unanswered = sum(1 for count in counts.values() if count != 1)
    bot = env.bot
    assert isinstance(bot, CredcordBot)
    limit = bot.config.verification.max_per_host
    print(
        f"burst: {total} posts from {len(members)} members ({LIMITS.per_member} each) in {len(channels)}"
        f" watched channels (<= {per_channel} each; the per-channel limit is {LIMITS.per_channel}/min)"
    )
    print(
        f"  wall time {wall:.2f} s: {total / wall:.0f} posts/s; replies {replies}, posts without exactly"
        f" one reply {unanswered} {'OK' if unanswered == 0 and replies == total else 'MISSING'};"
        f" verified ✅ {verified}"
    )
    print(f"  HTTP requests served: {len(server.requests) - served_before}")
    print(
        f"  LocalServer.max_concurrent {server.max_concurrent} (fetcher max_per_host {limit})"
        f" {'OK' if server.max_concurrent <= limit else 'OVER'}"
    )


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder, LocalServer() as home, LocalServer() as other:
        home.latency = other.latency = args.latency_ms / 1000
        issuer = IssuerWorld(home, other)
        config_path = Path(folder) / "config.toml"
        config_path.write_text(CONFIG)
        bot = create_bot(load_config(config_path, {"CREDCORD_DB_PATH": str(Path(folder) / "watch.db")}))
        env = simcord.Env(bot, settle_timeout=60)
        await env.start()
        try:
            guild = env.create_guild(name="bench")
            admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
            admin = guild.add_member(env.create_user("admin"), roles=[admins])
            samples = await bench_latency(env, issuer, admin, args.messages)
            p50, p99 = percentile(samples, 0.5) * 1000, percentile(samples, 0.99) * 1000
            print(
                f"post -> verdict reply, {args.latency_ms:g} ms issuer latency: p50 {p50:.1f} ms,"
                f" p99 {p99:.1f} ms, mean {statistics.fmean(samples) * 1000:.1f} ms over {len(samples)}"
                f" posts (one member, SimCord time advanced {SPACING:g} s between posts)"
            )
            await bench_burst(env, issuer, admin, home, args.burst)
        finally:
            await env.shutdown()
            await bot.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    asyncio.run(main(parser.parse_args()))
