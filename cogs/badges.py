"""/badge: add, list, remove and refresh badges; the showcase posts; re-verification in the background."""

from __future__ import annotations

import logging
from datetime import datetime

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.app import CredcordBot
from bot.badges import (
    Badge,
    BadgeGroup,
    BadgeRefused,
    BadgeService,
    Reverifier,
    RoleDelta,
    ShowcaseAdmin,
    StatusChange,
)
from bot.badges.listing import status_note
from bot.text import EMBED_DESCRIPTION, clip, escape, safe
from cogs._roles import apply_roles, celebrate_stacks
from cogs._showcase import CongratulateButton, delete_post, showcase_embed, showcase_view
from cogs._ui import Pages
from cogs._verdict import verdict_embed
from cogs.verify import SOURCE_OPTIONS, badge_source

log = logging.getLogger(__name__)

Interaction = discord.Interaction[CredcordBot]

PAGE_SIZE = 10
NO_CHANNEL = (
    "This server has no showcase channel yet, so nothing was posted (an admin can set one with /setup)."
)
ROLE_REASON = "credcord: verified badges"
LEGEND = "✅ verified · 📝 self-reported"


def _badge_line(badge: Badge, now: datetime) -> str:
    note = status_note(badge, now)
    mark = "📝" if badge.self_reported else ("✅" if not note else "⚠️")
    line = f"{mark} **{safe(badge.title, 120)}**"
    if badge.issuer_name:
        line += f" · {safe(badge.issuer_name, 80)}"
    return line + (f" *({note})*" if note else "")


def badge_pages(groups: list[BadgeGroup], now: datetime, *, size: int = PAGE_SIZE) -> list[str]:
    """The badges as text pages of ``size`` badges, each page repeating the header of its group."""
    entries = [(group.label, badge) for group in groups for badge in group.badges]
    pages = []
    for start in range(0, len(entries), size):
        lines: list[str] = []
        header = None
        for label, badge in entries[start : start + size]:
            if label != header:
                header = label
                lines.extend(["", f"__{safe(label, 200)}__"] if lines else [f"__{safe(label, 200)}__"])
            lines.append(_badge_line(badge, now))
        pages.append(clip("\n".join(lines), EMBED_DESCRIPTION))
    return pages


@app_commands.guild_only()
class BadgeCog(
    commands.GroupCog, group_name="badge", group_description="Your verified badges in this server"
):
    def __init__(
        self,
        bot: CredcordBot,
        badges: BadgeService,
        showcase: ShowcaseAdmin,
        reverifier: Reverifier,
        minutes: float,
    ) -> None:
        self.bot = bot
        self.badges = badges
        self.showcase = showcase
        self.reverifier = reverifier
        self.recheck = tasks.loop(minutes=minutes)(self.recheck_once)
        self.recheck.before_loop(self.bot.wait_until_ready)

    async def cog_load(self) -> None:
        self.recheck.start()

    async def cog_unload(self) -> None:
        self.recheck.cancel()

    # Showcase posts

    async def _post(self, badge: Badge, channel_id: int) -> None:
        channel = self.bot.get_partial_messageable(channel_id)
        now = self.bot.clock()
        message = await channel.send(embed=showcase_embed(badge, now), view=showcase_view(badge))
        await self.badges.record_showcase_post(badge.id, channel_id, message.id)

    async def _edit_post(self, badge: Badge) -> bool:
        """Show the badge's current state on its post; False when the post is gone (and now forgotten)."""
        post = badge.showcase
        if post is None:
            return False
        message = self.bot.get_partial_messageable(post.channel_id).get_partial_message(post.message_id)
        try:
            await message.edit(embed=showcase_embed(badge, self.bot.clock()), view=showcase_view(badge))
        except (discord.NotFound, discord.Forbidden):
            # A moderator deleted the post (or its channel, or the bot's access to it).
            await self.badges.forget_showcase_post(badge.id)
            return False
        return True

    async def _publish(self, badge: Badge, channel_id: int | None) -> str:
        """Post or update the badge in the showcase; returns a sentence for the member."""
        try:
            if await self._edit_post(badge):
                return "Its showcase post was updated."
            if channel_id is None:
                return NO_CHANNEL
            await self._post(badge, channel_id)
        except discord.HTTPException as error:
            log.warning("showcase post for badge %s failed: %s", badge.id, error)
            return (
                "Your badge is saved, but I could not post it in the showcase channel "
                f"(Discord answered {error.status}). Try /badge refresh later, or ask an admin to check "
                "that I can send messages there."
            )
        return f"It is now in the showcase: <#{channel_id}>."

    async def _roles(self, guild: discord.Guild, user_id: int, delta: RoleDelta) -> str | None:
        problem = await apply_roles(guild, self.badges, user_id, delta, reason=ROLE_REASON)
        if delta.completed_stacks:
            channel_id = (await self.showcase.settings(guild.id)).channel_id
            await celebrate_stacks(self.bot, channel_id, user_id, delta)
        return None if problem is None else f"Your badges earn roles I could not give: {problem}"

    # Commands

    @app_commands.command(name="add")
    @app_commands.describe(**SOURCE_OPTIONS)
    async def add(
        self,
        interaction: Interaction,
        url: str | None = None,
        image: discord.Attachment | None = None,
        email: app_commands.Range[str, 3, 254] | None = None,
    ) -> None:
        """Add a badge to your showcase: it is verified with its issuer first."""
        assert interaction.guild is not None
        source = badge_source(url, image)
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = source if isinstance(source, str) else await source.read()
        try:
            result = await self.badges.add(interaction.guild.id, interaction.user.id, data, email=email)
        except BadgeRefused as refused:
            await interaction.followup.send(
                str(refused), embed=verdict_embed(refused.verdict), ephemeral=True
            )
            return
        badge = result.badge
        notes = ["Badge added." if result.created else "Badge updated."]
        if badge.self_reported:
            notes.append("It is marked self-reported and earns no roles.")
        notes.append(await self._publish(badge, result.showcase_channel_id))
        role_note = await self._roles(interaction.guild, interaction.user.id, result.roles)
        if role_note:
            notes.append(role_note)
        await interaction.followup.send(" ".join(notes), embed=verdict_embed(result.verdict), ephemeral=True)

    @app_commands.command(name="list")
    @app_commands.describe(member="Whose badges to list (default: yours)")
    async def list_badges(self, interaction: Interaction, member: discord.Member | None = None) -> None:
        """List a member's badges by skill category (only you see the reply)."""
        assert interaction.guild_id is not None
        whose = member or interaction.user
        groups = await self.badges.grouped(interaction.guild_id, whose.id)
        if not groups:
            own = whose.id == interaction.user.id
            text = (
                "You have no badges here yet: add one with /badge add."
                if own
                else f"{safe(whose.display_name, 100)} has no badges in this server."
            )
            await interaction.response.send_message(text, ephemeral=True)
            return
        pages = badge_pages(groups, self.bot.clock())
        title = clip(f"{whose.display_name}'s badges", 200)
        view = Pages(interaction.user.id, title, pages, footer=LEGEND, colour=discord.Colour.gold())
        await view.send(interaction)

    async def _badge_choices(self, interaction: Interaction, current: str) -> list[app_commands.Choice[int]]:
        assert interaction.guild_id is not None
        found = await self.badges.autocomplete(interaction.guild_id, interaction.user.id, current)
        return [app_commands.Choice(name=label, value=badge_id) for badge_id, label in found]

    @app_commands.command(name="remove")
    @app_commands.describe(badge="The badge to remove")
    async def remove(self, interaction: Interaction, badge: int) -> None:
        """Remove one of your badges and its showcase post."""
        assert interaction.guild is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await self.badges.remove(interaction.guild.id, interaction.user.id, badge)
        if result.showcase is not None:
            await delete_post(self.bot, result.showcase)
        notes = [f"Removed **{safe(result.badge.title, 200)}**."]
        role_note = await self._roles(interaction.guild, interaction.user.id, result.roles)
        if role_note:
            notes.append(role_note)
        await interaction.followup.send(" ".join(notes), ephemeral=True)

    @app_commands.command(name="refresh")
    @app_commands.describe(badge="The badge to verify again")
    async def refresh(self, interaction: Interaction, badge: int) -> None:
        """Verify one of your badges with its issuer again now."""
        assert interaction.guild is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await self.badges.refresh(interaction.guild.id, interaction.user.id, badge)
        notes = [
            "Checked again." if result.change is None else f"Status changed: {escape(result.change.message)}"
        ]
        settings = await self.showcase.settings(interaction.guild.id)
        notes.append(await self._publish(result.badge, settings.channel_id))
        if result.change is not None:
            role_note = await self._roles(interaction.guild, interaction.user.id, result.change.roles)
            if role_note:
                notes.append(role_note)
        await interaction.followup.send(" ".join(notes), embed=verdict_embed(result.verdict), ephemeral=True)

    remove.autocomplete("badge")(_badge_choices)
    refresh.autocomplete("badge")(_badge_choices)

    # Re-verification

    async def recheck_once(self) -> None:
        """One re-verification round; a failure is logged and the next round runs as usual."""
        try:
            changes = await self.reverifier.run_once()
        except Exception:
            log.exception("re-verification round failed")
            return
        for change in changes:
            try:
                await self._apply_change(change)
            except Exception:
                log.exception("could not apply the status change of badge %s", change.badge.id)

    async def _apply_change(self, change: StatusChange) -> None:
        badge = change.badge
        guild = self.bot.get_guild(badge.guild_id)
        if guild is None:
            return
        try:
            await self._edit_post(badge)
        except discord.HTTPException as error:
            # The owner is still told and the roles still change; the post catches up on the next change.
            log.warning("could not edit the showcase post of badge %s: %s", badge.id, error)
        await self._tell_owner(guild, change)
        await self._roles(guild, change.owner_id, change.roles)

    async def _tell_owner(self, guild: discord.Guild, change: StatusChange) -> None:
        text = (
            f"Your badge **{safe(change.badge.title, 200)}** in {safe(guild.name, 100)} is now "
            f"{change.new_status.value.replace('_', ' ').lower()}: {safe(change.message, 500)}"
        )
        try:
            user = await self.bot.fetch_user(change.owner_id)
            await user.send(text)
        except discord.HTTPException:
            # DMs closed, or the account is gone: the showcase post says it anyway.
            log.info("could not DM member %s about badge %s", change.owner_id, change.badge.id)


async def setup(bot: CredcordBot) -> None:
    bot.add_dynamic_items(CongratulateButton)
    services = bot.services
    await bot.add_cog(
        BadgeCog(
            bot, services.badges, services.showcase, services.reverifier, bot.config.showcase.recheck_minutes
        )
    )
