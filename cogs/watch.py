"""The channel watch: badges members post as ordinary messages are verified and answered in place."""

from __future__ import annotations

import logging
import re
from typing import Any, Self

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import CredcordBot
from bot.badges import BadgeService
from bot.errors import DomainError, NotAllowed, NotFound
from bot.text import EMBED_DESCRIPTION, clip, safe
from bot.verification.verdict import Status, Verdict
from bot.watch import (
    AttachmentInfo,
    Finding,
    Mark,
    QueueFull,
    WatchedChannel,
    WatchService,
    badge_images,
)
from cogs._admin import add_setup_commands, remove_setup_commands, require_manage_guild
from cogs._roles import apply_roles, celebrate_stacks
from cogs._ui import PersistentButton, bot_of

log = logging.getLogger(__name__)

Interaction = discord.Interaction[CredcordBot]

INTENT_OFF = (
    "I cannot read messages yet, so nothing is checked until the Message Content intent is on: enable "
    "**Message Content Intent** in the Discord Developer Portal (your application → Bot → Privileged "
    "Gateway Intents), set `message_content_intent = true` under `[discord]` in config.toml, and restart me."
)
ROLE_REASON = "credcord: verified badges"
# On a post the watch had no room to check: the member can /verify it or post it again later.
BUSY = "⏳"
_WORDS = {
    Status.VALID: "verified",
    Status.INVALID: "did not pass verification",
    Status.REVOKED: "revoked",
    Status.EXPIRED: "expired",
    Status.NOT_YET_VALID: "not valid yet",
    Status.UNVERIFIABLE: "could not be verified",
}


def sources_of(watch: WatchService, message: discord.Message) -> tuple[list[str], list[discord.Attachment]]:
    """The links and badge images in the message worth checking, in the order the buttons number them."""
    infos = [AttachmentInfo(a.filename, a.content_type, a.size) for a in message.attachments]
    return list(watch.links(message.content)), [message.attachments[i] for i in badge_images(infos)]


def _line(finding: Finding) -> str:
    verdict = finding.verdict
    if verdict.status is Status.REFUSED:
        # The fetch policy's reasons would map the bot's network for whoever posted the link.
        return f"{Mark.UNKNOWN.value} Not checked."
    name = verdict.credential.name if verdict.credential and verdict.credential.name else "Credential"
    line = f"{finding.mark.value} **{safe(name, 120)}**"
    if verdict.issuer is not None and verdict.issuer.name:
        line += f" · {safe(verdict.issuer.name, 80)}"
    line += f": {_WORDS[verdict.status]}"
    if verdict.status is not Status.VALID:
        line += f" ({safe(verdict.message, 200)})"
    return line


def watch_embed(findings: tuple[Finding, ...], notes: list[str]) -> discord.Embed:
    lines = [f"{index}. {_line(f)}" if len(findings) > 1 else _line(f) for index, f in enumerate(findings, 1)]
    marks = {f.mark for f in findings}
    colour = (
        discord.Colour.green()
        if marks == {Mark.VALID}
        else discord.Colour.red()
        if Mark.FAILED in marks
        else discord.Colour.light_grey()
    )
    embed = discord.Embed(description=clip("\n".join([*lines, *notes]), EMBED_DESCRIPTION), colour=colour)
    embed.set_footer(text="credcord checked this with its issuer · /badge add to add one yourself")
    return embed


async def record_from_message(
    bot: CredcordBot,
    guild: discord.Guild,
    message: discord.Message,
    index: int,
    *,
    verdict: Verdict | None = None,
) -> str:
    """Add the message's ``index``-th credential as ``/badge add`` would, the message being its post.

    ``verdict`` is the watch's check of it just now; without one the badge is verified again.
    """
    urls, images = sources_of(bot.services.watch, message)
    if index >= len(urls) + len(images):
        raise NotFound("That badge is no longer in the message.")
    source = urls[index] if index < len(urls) else await images[index - len(urls)].read()
    badges: BadgeService = bot.services.badges
    result = await badges.add_posted(guild.id, message.author.id, source, verdict=verdict)
    await badges.record_showcase_post(result.badge.id, message.channel.id, message.id)
    problem = await apply_roles(guild, badges, message.author.id, result.roles, reason=ROLE_REASON)
    await celebrate_stacks(bot, result.showcase_channel_id, message.author.id, result.roles)
    added = "Added to" if result.created else "Updated in"
    note = f"{added} <@{message.author.id}>'s profile: **{safe(result.badge.title, 120)}**."
    return note if problem is None else f"{note} Some roles could not be given: {problem}"


class AddToProfileButton(
    PersistentButton,
    template=r"watch:add:(?P<user_id>[0-9]{1,20}):(?P<message_id>[0-9]{1,20}):(?P<index>[0-9])",
):
    """Only the poster may add a badge from their message to their profile."""

    def __init__(
        self, user_id: int, message_id: int, index: int, *, label: str = "Add to my profile"
    ) -> None:
        super().__init__(
            f"watch:add:{user_id}:{message_id}:{index}", label, discord.ButtonStyle.primary, emoji="➕"
        )
        self.user_id = user_id
        self.message_id = message_id
        self.index = index

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        return cls(int(match["user_id"]), int(match["message_id"]), int(match["index"]))

    async def press(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.user.id != self.user_id:
            raise NotAllowed("Only the member who posted this badge can add it to their profile.")
        bot = bot_of(interaction)
        assert interaction.guild is not None
        channel = interaction.channel
        assert isinstance(channel, discord.abc.Messageable)
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            message = await channel.fetch_message(self.message_id)
        except discord.NotFound:
            raise NotFound("The message with this badge was deleted; add it with /badge add.") from None
        note = await record_from_message(bot, interaction.guild, message, self.index)
        await interaction.followup.send(note, ephemeral=True)


def add_view(findings: tuple[Finding, ...], user_id: int, message_id: int) -> discord.ui.View | None:
    addable = [index for index, finding in enumerate(findings) if finding.addable]
    if not addable:
        return None
    view = discord.ui.View(timeout=None)
    for index in addable:
        label = "Add to my profile" if len(findings) == 1 else f"Add #{index + 1} to my profile"
        view.add_item(AddToProfileButton(user_id, message_id, index, label=label))
    return view


class WatchableChannel(app_commands.Transformer):
    """A text, announcement or forum channel: the kinds where members post badges."""

    @property
    def type(self) -> discord.AppCommandOptionType:
        return discord.AppCommandOptionType.channel

    @property
    def channel_types(self) -> list[discord.ChannelType]:
        return [discord.ChannelType.text, discord.ChannelType.news, discord.ChannelType.forum]

    async def transform(
        self, interaction: discord.Interaction[Any], value: Any
    ) -> app_commands.AppCommandChannel:
        return value  # type: ignore[no-any-return]


class WatchSetup(app_commands.Group):
    def __init__(self, watch: WatchService) -> None:
        super().__init__(name="watch-setup", description="Channel watch settings")
        self.watch = watch

    @app_commands.command(name="watch")
    @app_commands.describe(
        channel="The channel whose messages are checked for badge links and images",
        enabled="Watch it (default) or stop watching it",
        auto_add="Add valid badges to the poster's profile without asking (default: a button)",
    )
    async def watch_channel(
        self,
        interaction: Interaction,
        channel: app_commands.Transform[app_commands.AppCommandChannel, WatchableChannel],
        enabled: bool = True,
        auto_add: bool | None = None,
    ) -> None:
        """Verify badges members post in a channel, and offer to add them to their profiles."""
        require_manage_guild(interaction)
        assert interaction.guild_id is not None
        watched = await self.watch.set_watch(
            interaction.guild_id, channel.id, enabled=enabled, auto_add=auto_add
        )
        if watched is None:
            text = f"I no longer check badges posted in {channel.mention}."
        else:
            how = "add valid ones to the poster's profile" if watched.auto_add else "offer an Add button"
            text = f"I now check badge links and images posted in {channel.mention} and {how}."
            if not interaction.client.intents.message_content:
                text += f"\n\n{INTENT_OFF}"
        await interaction.response.send_message(text, ephemeral=True)


class WatchCog(commands.Cog):
    def __init__(self, bot: CredcordBot, watch: WatchService) -> None:
        self.bot = bot
        self.watch = watch
        self.setup_commands = WatchSetup(watch)

    async def cog_load(self) -> None:
        add_setup_commands(self.bot.tree, self.setup_commands)

    async def cog_unload(self) -> None:
        remove_setup_commands(self.bot.tree, self.setup_commands)

    async def _watched(self, message: discord.Message) -> WatchedChannel | None:
        if message.guild is None or message.author.bot or message.webhook_id is not None:
            return None
        channel = message.channel
        watched = await self.watch.watched(message.guild.id, channel.id)
        if watched is None and isinstance(channel, discord.Thread) and channel.parent_id is not None:
            watched = await self.watch.watched(message.guild.id, channel.parent_id)
        return watched

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        await self._consider(message)

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        before, after = payload.cached_message, payload.message
        if before is not None and (before.content, before.attachments) == (after.content, after.attachments):
            return  # Discord added a link preview; the member changed nothing.
        await self._consider(after)

    async def _consider(self, message: discord.Message) -> None:
        watched = await self._watched(message)
        if watched is None:
            return
        urls, images = sources_of(self.watch, message)
        if not urls and not images:
            return
        assert message.guild is not None
        if not self.watch.admit(message.guild.id, message.channel.id, message.author.id):
            log.info("watch limit reached in channel %s for member %s", message.channel.id, message.author.id)
            await self._not_checked(message)
            return
        try:
            await self.watch.in_turn(lambda: self._answer(message, watched, urls, images))
        except QueueFull:
            log.warning(
                "watch queue full; message %s in channel %s not checked", message.id, message.channel.id
            )
            await self._not_checked(message)
        except Exception:
            log.exception("could not check message %s in channel %s", message.id, message.channel.id)

    async def _not_checked(self, message: discord.Message) -> None:
        """Tell the poster, quietly, that this post was over the watch's limits and was not checked."""
        try:
            await message.add_reaction(BUSY)
        except discord.HTTPException as error:
            log.warning("could not mark message %s as not checked: %s", message.id, error)

    async def _answer(
        self,
        message: discord.Message,
        watched: WatchedChannel,
        urls: list[str],
        images: list[discord.Attachment],
    ) -> None:
        guild = message.guild
        assert guild is not None
        sources: list[str | bytes] = [*urls, *[await image.read() for image in images]]
        findings = await self.watch.check(guild.id, message.author.id, sources)
        notes: list[str] = []
        view = None
        if watched.auto_add:
            for index, finding in enumerate(findings):
                if finding.addable:
                    try:
                        note = await record_from_message(
                            self.bot, guild, message, index, verdict=finding.verdict
                        )
                        notes.append(note)
                    except DomainError as refused:
                        notes.append(safe(str(refused), 300))
        else:
            view = add_view(findings, message.author.id, message.id)
        for mark in dict.fromkeys(finding.mark for finding in findings):
            await message.add_reaction(mark.value)
        await self._reply(message, watch_embed(findings, notes), view)

    async def _reply(
        self, message: discord.Message, embed: discord.Embed, view: discord.ui.View | None
    ) -> None:
        reply_id = await self.watch.reply_to(message.id)
        if reply_id is not None:
            reply = message.channel.get_partial_message(reply_id)  # type: ignore[union-attr]
            try:
                await reply.edit(embed=embed, view=view)
                return
            except discord.NotFound:
                pass  # The reply was deleted: answer afresh.
        if view is None:
            sent = await message.reply(embed=embed, mention_author=False)
        else:
            sent = await message.reply(embed=embed, view=view, mention_author=False)
        await self.watch.remember_reply(message.id, message.channel.id, sent.id)


async def setup(bot: CredcordBot) -> None:
    bot.add_dynamic_items(AddToProfileButton)
    await bot.add_cog(WatchCog(bot, bot.services.watch))
