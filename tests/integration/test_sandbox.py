"""credcord sandbox: the real bot in SimCord, a seeded community and the demo issuer; in process and CLI."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import discord
import httpx

from bot.config import load_config
from bot.sandbox.issuer import DemoBadge
from bot.sandbox.seed import (
    BADGE_HOLDERS,
    CHANNELS,
    DIGEST_DAY,
    DIGEST_HOUR,
    GUILD_NAME,
    MENTORS,
    NEWCOMER_EMAIL,
    PERSONAS,
    SKILL_ROLE,
    STACK,
)
from bot.sandbox.world import Sandbox, open_sandbox
from bot.verification.verdict import Status
from tests.support.discord_schema import assert_bodies_valid
from tests.support.http_server import LocalServer

STATUS_TITLE = {Status.VALID: "✅ VALID", Status.REVOKED: "⛔ REVOKED", Status.EXPIRED: "⌛ EXPIRED"}


def _start(data_dir: Path, **options: Any) -> contextlib.AbstractAsyncContextManager[Sandbox]:
    return open_sandbox(load_config(None, {}), data_dir, **options)


def _embed(result: Any) -> discord.Embed:
    assert result.response.ephemeral
    return result.response.embeds[0]


def _mentioned(text: str | None) -> list[int]:
    """The members ``text`` mentions, in order."""
    return [int(found) for found in re.findall(r"<@(\d+)>", text or "")]


async def _verify(sandbox: Sandbox, badge: DemoBadge) -> discord.Embed:
    community = sandbox.community
    if badge.kind == "signed":
        async with httpx.AsyncClient() as client:
            image = (await client.get(badge.url)).content
        result = await community.newcomer.slash(community.general, "verify", image=("badge.png", image))
    else:
        result = await community.newcomer.slash(community.general, "verify", url=badge.url)
    return _embed(result)


async def test_the_world_is_seeded_with_channels_members_and_their_profiles(tmp_path: Path) -> None:
    async with _start(tmp_path) as sandbox:
        community = sandbox.community
        guild = sandbox.bot.get_guild(community.guild.id)
        assert guild is not None and guild.name == GUILD_NAME
        assert [c.name for c in guild.text_channels] == list(CHANNELS)
        assert set(community.guild.member_ids()) >= {
            m.id for m in (community.newcomer, *community.members.values())
        }

        for persona in PERSONAS:
            member = community.members[persona.username]
            profile = await sandbox.bot.services.profiles.get(guild.id, member.id)
            assert profile is not None and profile.headline == persona.form["profile:headline"]
        own = await sandbox.bot.services.profiles.get(guild.id, community.newcomer.id)
        assert own is not None and own.emails == (NEWCOMER_EMAIL,)

        shown = await community.newcomer.slash(
            community.general, "profile show", member=community.members["mei"]
        )
        embed = _embed(shown)
        assert embed.title == "Mei Tanaka"
        assert "Kubernetes" in str(embed.fields[0].value)

        welcome = community.general.last_message
        assert welcome is not None
        assert all(badge.url in welcome.content for badge in sandbox.badges)
        assert urlsplit(sandbox.url).hostname == "127.0.0.1"
        assert sandbox.env.errors == []


async def test_every_demo_badge_gets_the_verdict_it_is_published_for(tmp_path: Path) -> None:
    async with _start(tmp_path) as sandbox:
        assert {b.expected for b in sandbox.badges} == set(STATUS_TITLE)
        for badge in sandbox.badges:
            embed = await _verify(sandbox, badge)
            assert (embed.title or "").startswith(STATUS_TITLE[badge.expected]), (badge, embed.title)
            if badge.expected is Status.VALID:
                recipient = next(f.value for f in embed.fields if f.name == "Recipient")
                assert recipient == "matches your email"  # the saved profile email was used
        assert sandbox.env.errors == []
        assert_bodies_valid(sandbox.env.http_requests)


async def test_the_ob3_demo_credential_is_signed_by_a_key_its_issuer_serves_and_verifies(
    tmp_path: Path,
) -> None:
    async with _start(tmp_path) as sandbox:
        community = sandbox.community
        (ob3,) = [b for b in sandbox.badges if b.kind == "Open Badges 3.0"]
        async with httpx.AsyncClient() as client:
            credential = (await client.get(ob3.url)).json()
            proof = credential["proof"]
            controller = (await client.get(proof["verificationMethod"].partition("#")[0])).json()
        assert proof["cryptosuite"] == "eddsa-rdfc-2022"
        # The issuer's Profile is its own controller document, served by the demo issuer.
        assert controller["id"] == credential["issuer"]["id"] == proof["verificationMethod"].partition("#")[0]
        assert proof["verificationMethod"] in controller["assertionMethod"]

        embed = await _verify(sandbox, ob3)
        assert embed.title == f"✅ VALID · {ob3.name}"
        assert embed.footer.text == "reason: verified"
        assert next(f.value for f in embed.fields if f.name == "Recipient") == "matches your email"

        await community.newcomer.slash(community.general, "badge add", url=ob3.url)
        (added,) = await sandbox.bot.services.badges.list_badges(community.guild.id, community.newcomer.id)
        assert (str(added.status), added.name) == ("VALID", ob3.name)
        assert sandbox.env.errors == []


async def test_the_fetcher_reaches_the_demo_issuer_and_no_other_private_address(tmp_path: Path) -> None:
    with LocalServer() as other:
        async with _start(tmp_path) as sandbox:
            community = sandbox.community
            issuer_port = urlsplit(sandbox.badges[0].url).port
            async with httpx.AsyncClient() as client:
                published = (await client.get(sandbox.badges[0].url)).json()
            other.route("/assertions/python", published)
            for url, reason in (
                (other.url("/assertions/python"), "private_address"),  # another port on the same address
                (
                    f"http://localhost:{issuer_port}/assertions/python",
                    "bad_port",
                ),  # the issuer, by another name
            ):
                result = await community.newcomer.slash(community.general, "verify", url=url)
                embed = _embed(result)
                assert (embed.title or "").startswith("🚫 REFUSED"), url
                assert embed.footer.text == f"reason: {reason}"
            assert other.requests == []


async def test_the_data_is_kept_between_starts_until_reset(tmp_path: Path) -> None:
    async with _start(tmp_path) as first:
        community = first.community
        shown = await community.newcomer.slash(community.general, "profile edit")
        await community.newcomer.submit_modal(shown, {"profile:headline": "Trying credcord"})

    async with _start(tmp_path) as second:
        community = second.community
        profile = await second.bot.services.profiles.get(community.guild.id, community.newcomer.id)
        assert profile is not None and profile.headline == "Trying credcord"
        assert profile.emails == (NEWCOMER_EMAIL,)
        # The simulated Discord is new, yet the commands are there, as at the first start.
        result = await community.newcomer.slash(community.general, "verify", url=second.badges[0].url)
        assert (_embed(result).title or "").startswith("✅ VALID")

    async with _start(tmp_path, reset=True) as third:
        community = third.community
        profile = await third.bot.services.profiles.get(community.guild.id, community.newcomer.id)
        assert profile is not None and profile.headline is None


def _refuses_connections(url: str) -> bool:
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


def _listening_addresses(pid: int) -> set[str]:
    """The local addresses (hex, as /proc writes them) of the TCP sockets ``pid`` listens on."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target.removeprefix("socket:[").removesuffix("]"))
    listening = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                listening.add(fields[1].rsplit(":", 1)[0])
    return listening


def _showcase_posts(sandbox: Sandbox) -> list[str]:
    return sorted(
        f"{m.embeds[0].title} · {m.embeds[0].description}"
        for m in sandbox.community.channels["showcase"].history()
        if m.embeds
    )


def _role_names(sandbox: Sandbox, username: str) -> set[str]:
    """The member's roles as the simulated Discord holds them."""
    community = sandbox.community
    held = sandbox.env.backend.get_member(community.guild.id, community.members[username].id).role_ids
    return {name for name, role in community.roles.items() if role.id in held}


async def _stored_badges(sandbox: Sandbox) -> dict[str, list[str]]:
    community, badges = sandbox.community, sandbox.bot.services.badges
    return {
        holder.username: [
            f"{b.status} {b.name}"
            for b in await badges.list_badges(community.guild.id, community.members[holder.username].id)
        ]
        for holder in BADGE_HOLDERS
    }


async def test_seeded_members_show_verified_badges_and_a_completed_stack(tmp_path: Path) -> None:
    async with _start(tmp_path) as sandbox:
        community = sandbox.community
        amara, lukas = community.members["amara"].id, community.members["lukas"].id
        assert _showcase_posts(sandbox) == [
            f"🏅 PostgreSQL Essentials · Earned by <@{amara}>",
            f"🏅 Python Fundamentals · Earned by <@{amara}>",
            f"🏅 Python Fundamentals · Earned by <@{lukas}>",
        ]
        celebrations = [m.content for m in community.channels["showcase"].history() if not m.embeds]
        assert celebrations == [f"🎉 <@{amara}> completed the **{STACK.name}** stack!"]
        assert _role_names(sandbox, "amara") == {"Moderators", STACK.role, SKILL_ROLE[1]}
        assert _role_names(sandbox, "lukas") == {SKILL_ROLE[1]}
        stored = await _stored_badges(sandbox)
        assert stored == {
            "amara": ["VALID Python Fundamentals", "VALID PostgreSQL Essentials"],
            "lukas": ["VALID Python Fundamentals"],
        }
        # Saving the badge email kept what the member had written in the profile form.
        profile = await sandbox.bot.services.profiles.get(community.guild.id, amara)
        assert profile is not None and profile.emails == ("amara@sandbox.example",)
        assert profile.headline == PERSONAS[0].form["profile:headline"]

        progress = await community.newcomer.slash(community.general, "stack progress")
        assert STACK.name in [f.name for f in _embed(progress).fields]
        assert sandbox.env.errors == []
        assert_bodies_valid(sandbox.env.http_requests)

    async with _start(tmp_path) as again:
        # The database remembers the badges; the simulated Discord is new, and nothing is added twice.
        assert await _stored_badges(again) == stored
        assert _showcase_posts(again) == []
        assert (await again.bot.services.showcase.settings(again.community.guild.id)).channel_id == (
            again.community.channels["showcase"].id
        )
        stacks = await again.bot.services.showcase.stacks(again.community.guild.id)
        assert [(s.name, s.role_id) for s in stacks] == [(STACK.name, again.community.roles[STACK.role].id)]
        assert again.env.errors == []


async def test_personas_are_in_the_directory_and_mentors_are_ranked_for_the_newcomer(tmp_path: Path) -> None:
    async with _start(tmp_path) as sandbox:
        community = sandbox.community
        newcomer, general = community.newcomer, community.general
        ids = {name: member.id for name, member in community.members.items()}

        found = _embed(await newcomer.slash(general, "find", skill="Python"))
        # Both hold a verified Python badge from the demo issuer, so they lead.
        assert set(_mentioned(found.description)[:2]) == {ids["amara"], ids["lukas"]}
        for persona in PERSONAS:
            profile = await sandbox.bot.services.profiles.get(community.guild.id, ids[persona.username])
            assert profile is not None and profile.directory

        mentors = _embed(await newcomer.slash(general, "mentor request", skill="Kubernetes"))
        assert mentors.title == "Mentors for Kubernetes"
        assert _mentioned(mentors.description)[0] == ids["mei"]
        for mentor in MENTORS:
            status = await sandbox.bot.services.mentorship.status(community.guild.id, ids[mentor.username])
            assert status.mentor is not None and status.mentor.capacity == mentor.capacity

        # The newcomer is a moderator too, so the digest can be previewed; the mentors are news.
        digest = _embed(await newcomer.slash(general, "digest preview"))
        assert {ids[m.username] for m in MENTORS} <= {i for f in digest.fields for i in _mentioned(f.value)}
        assert sandbox.env.errors == []


async def test_the_seeded_settings_pair_in_mentorship_watch_showcase_and_post_the_digest(
    tmp_path: Path,
) -> None:
    async with _start(tmp_path) as sandbox:
        community, services = sandbox.community, sandbox.bot.services
        guild_id, showcase = community.guild.id, community.channels["showcase"]
        assert await services.mentorship_admin.channel(guild_id) == community.channels["mentorship"].id
        digest = await services.discovery.digest_settings(guild_id)
        assert digest is not None and digest.channel_id == community.general.id
        assert (digest.schedule.day, digest.schedule.hour) == (DIGEST_DAY, DIGEST_HOUR)
        watched = await services.watch.watched(guild_id, showcase.id)
        assert watched is not None and not watched.auto_add

        # The sandbox turns the Message Content intent on, so a badge posted in #showcase is answered.
        badge = sandbox.badges[0]
        posted = await community.newcomer.send(showcase, f"My first badge: {badge.url}")
        (reply,) = [m for m in showcase.history() if m.reference and m.reference.message_id == posted.id]
        assert badge.name in str(reply.embeds[0].description)
        assert sandbox.env.errors == []


async def test_a_restart_keeps_what_changed_and_puts_personas_back_in_the_directory(tmp_path: Path) -> None:
    async with _start(tmp_path) as first:
        community = first.community
        diego = community.members["diego"]
        shown = await diego.slash(community.general, "profile edit", directory=False)
        await diego.submit_modal(shown, dict(PERSONAS[1].form))
        await community.members["mei"].slash(community.general, "mentor offer", capacity=1)
        await community.newcomer.slash(
            community.general, "setup digest", channel=community.channels["showcase"], day=4, hour=17
        )

    async with _start(tmp_path) as again:
        community, services = again.community, again.bot.services
        guild_id = community.guild.id
        profile = await services.profiles.get(guild_id, community.members["diego"].id)
        assert profile is not None and profile.directory  # profiles stored before the opt-in join it
        assert profile.headline == PERSONAS[1].form["profile:headline"]
        mei = (await services.mentorship.status(guild_id, community.members["mei"].id)).mentor
        assert mei is not None and mei.capacity == 1
        digest = await services.discovery.digest_settings(guild_id)
        assert digest is not None and digest.channel_id == community.channels["showcase"].id
        assert (digest.schedule.day, digest.schedule.hour) == (4, 17)
        assert again.env.errors == []


def test_ctrl_c_stops_the_command_line_sandbox_cleanly(tmp_path: Path) -> None:
    with (
        (tmp_path / "stderr.log").open("w") as log,
        subprocess.Popen(
            [sys.executable, "-m", "bot", "sandbox", "--data", "data"],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            env={**os.environ, "CREDCORD_LOG_LEVEL": "WARNING"},
        ) as process,
    ):
        watchdog = threading.Timer(60, process.kill)
        watchdog.start()
        try:
            assert process.stdout is not None
            banner = []
            for line in process.stdout:
                banner.append(line)
                if "Ctrl-C" in line:
                    break
            urls = [word for line in banner for word in line.split() if word.startswith("http://")]
            assert urls and all(urlsplit(url).hostname == "127.0.0.1" for url in urls), banner
            assert _listening_addresses(process.pid) == {"0100007F"}  # 127.0.0.1, and nothing else

            process.send_signal(signal.SIGINT)
            assert process.wait() == 0
        finally:
            watchdog.cancel()
    assert all(_refuses_connections(url) for url in urls)
    assert (tmp_path / "data" / "sandbox.db").exists()
