"""The weekly digest through SimCord: scheduled by an admin, posted once per week, across restarts."""

from __future__ import annotations

import discord
from simcord.builders import ChannelHandle

from bot.errors import NotAllowed
from tests.integration.conftest import BotFactory, refusals, restart
from tests.integration.showcase.world import Showcase, field

HOUR = 3600.0


def digests(channel: ChannelHandle) -> list[discord.Embed]:
    return [m.embeds[0] for m in channel.history() if m.embeds]


async def schedule(showcase: Showcase, channel: ChannelHandle, **options: object) -> str:
    # SimCord's clock starts on Thursday 2026-01-01 00:00 UTC: Friday 09:00 is 33 hours away.
    result = await showcase.admin.slash(showcase.world.general, "setup digest", channel=channel, **options)
    assert result.ephemeral
    return str(result.response.content)


async def test_the_digest_is_posted_once_a_week_and_never_twice_across_restarts(
    showcase: Showcase, bots: BotFactory
) -> None:
    world = showcase.world
    channel = world.guild.create_text_channel("digest")
    text = await schedule(showcase, channel, day=4, hour=9)
    assert text == f"The weekly digest will be posted in <#{channel.id}> on Fridays at 09:00 UTC."
    await showcase.add()
    for _ in range(2):
        await world.bob.slash(world.general, "find", skill="Python")

    await world.env.advance_time(32 * HOUR)
    assert digests(channel) == []
    await world.env.advance_time(2 * HOUR)
    (posted,) = digests(channel)
    assert posted.title == "📬 This week in the community"
    assert field(posted, "New verified badges") == f"<@{world.alice.id}> · Python Fundamentals"
    assert "Python · 1 member" in field(posted, "Most common verified skills")
    assert field(posted, "Most searched skills").startswith("Python · 2 search")

    await restart(world.env, bots)
    await world.env.advance_time(3 * HOUR)
    assert len(digests(channel)) == 1

    await world.env.advance_time(7 * 24 * HOUR)
    first, second = digests(channel)
    assert first == posted
    assert "A quiet week" in (second.description or "")


async def test_a_restart_just_before_the_slot_still_posts_exactly_once(
    showcase: Showcase, bots: BotFactory
) -> None:
    world = showcase.world
    channel = world.guild.create_text_channel("digest")
    await schedule(showcase, channel, day=4, hour=9)
    await world.env.advance_time(32.9 * HOUR)
    await restart(world.env, bots)
    await world.env.advance_time(0.5 * HOUR)
    await restart(world.env, bots)
    await world.env.advance_time(HOUR)
    assert len(digests(channel)) == 1


async def test_admins_preview_the_digest_and_can_turn_it_off(showcase: Showcase) -> None:
    world = showcase.world
    channel = world.guild.create_text_channel("digest")
    unscheduled = await showcase.admin.slash(world.general, "digest preview")
    assert unscheduled.ephemeral
    assert unscheduled.response.content.startswith("Not scheduled yet")

    await showcase.add()
    await schedule(showcase, channel)
    await world.env.advance_time(60)
    preview = await showcase.admin.slash(world.general, "digest preview")
    assert preview.ephemeral
    assert preview.response.content.startswith(f"Posted in <#{channel.id}> on Mondays at 09:00 UTC.")
    assert (
        field(preview.response.embeds[0], "New verified badges")
        == f"<@{world.alice.id}> · Python Fundamentals"
    )

    off = await schedule(showcase, channel, enabled=False)
    assert off == "The weekly digest is off."
    await world.env.advance_time(8 * 24 * HOUR)
    assert digests(channel) == []


async def test_members_without_manage_server_cannot_preview_or_schedule(showcase: Showcase) -> None:
    world = showcase.world
    assert "digest preview" not in world.bob.available_commands(world.general)
    commands = await world.env.bot.tree.fetch_commands()
    digest = next(c for c in commands if c.name == "digest")
    world.guild.set_command_permissions(digest, {world.guild.default_role: True})
    result = await world.bob.slash(world.general, "digest preview")
    assert result.response.content == "Only members with the Manage Server permission can change this."
    assert [type(e) for e in refusals(world.env)] == [NotAllowed]


async def test_the_digest_lists_new_mentors_and_open_mentor_requests(showcase: Showcase) -> None:
    world = showcase.world
    await schedule(showcase, world.guild.create_text_channel("digest"))
    offered = await world.bob.slash(world.general, "mentor offer", skills="Python", capacity=1)
    assert offered.ephemeral
    await world.alice.slash(world.general, "mentor request", skill="Rust")
    await world.env.advance_time(60)

    preview = await showcase.admin.slash(world.general, "digest preview")

    embed = preview.response.embeds[0]
    assert field(embed, "Newly available mentors") == f"<@{world.bob.id}>"
    assert field(embed, "Open mentor requests") == f"<@{world.alice.id}> · Rust"
