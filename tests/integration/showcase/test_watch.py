"""The channel watch through SimCord: badges posted as messages are verified and answered in place."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import discord
import pytest
from simcord.builders import ChannelHandle

from bot.config import Config
from tests.integration.conftest import BotFactory, World, button_labels, config_from, restart
from tests.integration.showcase.world import SHOWCASE_CONFIG, Showcase
from tests.integration.test_profiles import FULL_FORM
from tests.support.issuer import EMAIL, itxt, png


@pytest.fixture
def config(db_path: Path, tmp_path: Path) -> Config:
    return config_from("[discord]\nmessage_content_intent = true\n" + SHOWCASE_CONFIG, db_path, tmp_path)


async def _watch(showcase: Showcase, channel: ChannelHandle | None = None, **options: bool) -> str:
    result = await showcase.admin.slash(
        showcase.world.general, "setup watch", channel=channel or showcase.channel, **options
    )
    return str(result.response.content)


async def _save_email(world: World) -> None:
    shown = await world.alice.slash(world.general, "profile edit", emails=EMAIL)
    await world.alice.submit_modal(shown, FULL_FORM)


def _replies(channel: ChannelHandle, message: discord.Message) -> list[discord.Message]:
    return [m for m in channel.history() if m.reference is not None and m.reference.message_id == message.id]


def _reactions(channel: ChannelHandle, message: discord.Message) -> list[str]:
    (current,) = [m for m in channel.history() if m.id == message.id]
    return [str(r.emoji) for r in current.reactions]


async def test_a_posted_badge_link_gets_a_reaction_and_one_verdict_reply(showcase: Showcase) -> None:
    await _watch(showcase)
    await _save_email(showcase.world)
    message = await showcase.world.alice.send(showcase.channel, f"Got it! {showcase.url()}.")

    assert _reactions(showcase.channel, message) == ["✅"]
    (reply,) = _replies(showcase.channel, message)
    assert "Python Fundamentals" in str(reply.embeds[0].description)
    assert button_labels(reply) == ["Add to my profile"]


async def test_a_posted_baked_image_is_checked(showcase: Showcase) -> None:
    await _watch(showcase)
    await _save_email(showcase.world)
    image = png(itxt(showcase.url()))
    message = await showcase.world.alice.send(showcase.channel, "", attachments=[("badge.png", image)])
    assert _reactions(showcase.channel, message) == ["✅"]
    assert len(_replies(showcase.channel, message)) == 1


async def test_add_to_my_profile_records_the_badge_on_the_members_message(showcase: Showcase) -> None:
    world = showcase.world
    await _watch(showcase)
    await _save_email(world)
    message = await world.alice.send(showcase.channel, showcase.url())
    (reply,) = _replies(showcase.channel, message)

    refused = await world.bob.click(reply, label="Add to my profile")
    assert "Only the member who posted" in str(refused.response.content)
    await world.alice.click(reply, label="Add to my profile")

    listed = await world.alice.slash(world.general, "badge list")
    assert "Python Fundamentals" in str(listed.response.embeds[0].description)
    # The member's own message is the showcase post: nothing new was posted.
    assert [m for m in showcase.channel.history() if m.author.id == world.env.bot.user.id] == [reply]  # type: ignore[union-attr]

    # Removing the badge later never deletes what the member wrote, even where the bot could.
    choices = await world.alice.autocomplete(world.general, "badge remove", "badge", "")
    await world.alice.slash(world.general, "badge remove", badge=choices[0]["value"])
    assert message.id in [m.id for m in showcase.channel.history()]


async def test_auto_add_records_without_a_button(showcase: Showcase) -> None:
    await _watch(showcase, auto_add=True)
    await _save_email(showcase.world)
    message = await showcase.world.alice.send(showcase.channel, showcase.url())
    (reply,) = _replies(showcase.channel, message)
    assert button_labels(reply) == []
    assert "Added to" in str(reply.embeds[0].description)


async def test_unwatched_channels_and_bots_are_ignored(showcase: Showcase) -> None:
    world = showcase.world
    await _watch(showcase)
    quiet = await world.alice.send(world.general, showcase.url())
    assert _replies(world.general, quiet) == []
    robot = world.guild.add_member(world.env.create_user("robot", bot=True))
    from_bot = await robot.send(showcase.channel, showcase.url())
    assert _replies(showcase.channel, from_bot) == []
    chatter = await world.alice.send(showcase.channel, "congrats everyone")
    assert _replies(showcase.channel, chatter) == []


async def test_an_edit_with_a_new_link_is_checked_again_in_the_same_reply(showcase: Showcase) -> None:
    await _watch(showcase)
    message = await showcase.world.alice.send(showcase.channel, "https://example.invalid/nothing")
    (reply,) = _replies(showcase.channel, message)
    assert "Python Fundamentals" not in str(reply.embeds[0].description)

    await showcase.world.alice.edit(message, f"fixed: {showcase.url()}")
    (reply,) = _replies(showcase.channel, message)
    assert "Python Fundamentals" in str(reply.embeds[0].description)


async def test_without_the_intent_setup_watch_says_what_to_enable(
    showcase: Showcase, bots: BotFactory, config: Config
) -> None:
    await restart(
        showcase.world.env,
        bots,
        replace(config, discord=replace(config.discord, message_content_intent=False)),
    )
    text = await _watch(showcase)
    assert "Message Content Intent" in text
    assert "message_content_intent = true" in text


async def test_a_burst_of_fifty_posts_is_answered_in_order_within_the_fetch_limits(
    showcase: Showcase,
) -> None:
    await _watch(showcase)
    world = showcase.world
    members = [world.guild.add_member(world.env.create_user(f"poster{i}")) for i in range(10)]
    posted: list[discord.Message] = []
    for round_ in range(5):  # five each: the per-member limit, inside one minute
        for index, member in enumerate(members):
            url = showcase.url(f"/assertions/burst-{round_}-{index}")
            posted.append(await member.send(showcase.channel, f"New badge {url}"))

    replies = [m for m in showcase.channel.history() if m.reference is not None]
    answered = [m.reference.message_id for m in replies if m.reference is not None]
    assert sorted(answered) == sorted(m.id for m in posted)  # every post answered exactly once
    assert [r.reference.message_id for r in sorted(replies, key=lambda m: m.id) if r.reference] == [
        m.id for m in posted
    ]  # in the order they were posted
    assert showcase.issuer.home.max_concurrent <= world.env.bot.config.verification.max_per_host  # type: ignore[attr-defined]


async def test_a_link_to_a_private_address_is_not_checked_and_says_no_more(
    showcase: Showcase, bots: BotFactory, db_path: Path
) -> None:
    await _watch(showcase)
    url = showcase.url()
    default = config_from(
        "[discord]\nmessage_content_intent = true\n", db_path, db_path.parent, name="default.toml"
    )
    await restart(showcase.world.env, bots, default)
    seen = len(showcase.issuer.home.requests)

    message = await showcase.world.alice.send(showcase.channel, f"look {url}")

    assert len(showcase.issuer.home.requests) == seen
    assert _reactions(showcase.channel, message) == ["❔"]
    (reply,) = _replies(showcase.channel, message)
    text = str(reply.embeds[0].to_dict())
    assert "Not checked" in text and "private" not in text.lower() and "127.0.0.1" not in text


async def test_a_badge_posted_in_a_forum_post_is_checked(showcase: Showcase) -> None:
    world = showcase.world
    forum = world.guild.create_forum_channel("wins")
    assert "now check" in await _watch(showcase, forum)
    await _save_email(world)
    thread = world.env.backend.create_thread(forum.id, "My first badge", world.alice.id)
    (post,) = [t for t in forum.threads if t.id == thread.id]

    message = await world.alice.send(post, f"Proud of this one: {showcase.url()}")

    assert _reactions(post, message) == ["✅"]
    assert len(_replies(post, message)) == 1


async def test_a_stack_completed_through_the_add_button_is_celebrated(showcase: Showcase) -> None:
    world = showcase.world
    role = world.guild.create_role("Pythonista")
    await showcase.admin.slash(
        world.general, "stack create", name="Pythonista", skills="Python, SQL", role=role, need="1"
    )
    await _watch(showcase)
    await _save_email(world)
    message = await world.alice.send(showcase.channel, showcase.url())
    (reply,) = _replies(showcase.channel, message)

    await world.alice.click(reply, label="Add to my profile")

    celebration = [m.content for m in showcase.channel.history() if m.content.startswith("🎉")]
    assert celebration == [f"🎉 <@{world.alice.id}> completed the **Pythonista** stack!"]


async def test_the_add_button_is_not_held_back_by_the_verify_cooldown(
    showcase: Showcase, bots: BotFactory, config: Config
) -> None:
    world = showcase.world
    slow = replace(config, verification=replace(config.verification, cooldown_seconds=600))
    await restart(world.env, bots, slow)
    await _watch(showcase)
    await _save_email(world)
    await world.alice.slash(world.general, "verify", url=showcase.url())
    message = await world.alice.send(showcase.channel, showcase.url())
    (reply,) = _replies(showcase.channel, message)

    added = await world.alice.click(reply, label="Add to my profile")

    assert "Added to" in str(added.response.content)


async def test_deleting_the_post_keeps_the_recorded_badge(showcase: Showcase) -> None:
    world = showcase.world
    await _watch(showcase, auto_add=True)
    await _save_email(world)
    message = await world.alice.send(showcase.channel, showcase.url())

    await world.alice.delete(message)

    listed = await world.alice.slash(world.general, "badge list")
    assert "Python Fundamentals" in str(listed.response.embeds[0].description)


async def test_a_post_over_the_members_limit_is_marked_not_checked(
    showcase: Showcase, bots: BotFactory, config: Config
) -> None:
    world = showcase.world
    await restart(world.env, bots, replace(config, watch=replace(config.watch, member_posts_per_minute=2)))
    await _watch(showcase)
    posted = [
        await world.alice.send(showcase.channel, showcase.url(f"/assertions/limit-{i}")) for i in range(3)
    ]

    assert [len(_replies(showcase.channel, m)) for m in posted] == [1, 1, 0]
    assert _reactions(showcase.channel, posted[2]) == ["⏳"]
    await world.env.advance_time(61)
    later = await world.alice.send(showcase.channel, showcase.url("/assertions/limit-later"))
    assert len(_replies(showcase.channel, later)) == 1


async def test_an_admins_provider_page_is_checked_before_other_links(
    showcase: Showcase, bots: BotFactory, db_path: Path, tmp_path: Path
) -> None:
    world = showcase.world
    assertion = showcase.url()
    base, _, number = assertion.rpartition("/")
    toml = (
        "[discord]\nmessage_content_intent = true\n"
        + SHOWCASE_CONFIG
        + '[[verification.providers]]\nname = "Academy"\n'
        + "pattern = 'https://academy\\.example/b/(?P<id>[0-9]+)'\n"
        + f'action = "fetch"\ntarget = "{base}/{{id}}"\n'
    )
    await restart(world.env, bots, config_from(toml, db_path, tmp_path, name="providers.toml"))
    await _watch(showcase)
    await _save_email(world)
    chatter = " ".join(f"https://blog.example/post-{i}" for i in range(3))

    message = await world.alice.send(showcase.channel, f"{chatter} https://academy.example/b/{number}")

    assert "✅" in _reactions(showcase.channel, message)
    (reply,) = _replies(showcase.channel, message)
    assert "Python Fundamentals" in str(reply.embeds[0].description)
