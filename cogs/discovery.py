"""/skillmap, /roles, /role show, /find, /digest preview and /setup digest; the weekly digest round."""

from __future__ import annotations

import datetime as dt
import io
import logging

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.app import CredcordBot
from bot.discovery import DigestPost, DiscoveryService, FindRequest
from bot.discovery.model import WEEKDAYS
from bot.profiles.model import timezones
from bot.text import MESSAGE_CONTENT, clip, safe
from cogs._admin import add_setup_commands, cannot_post, remove_setup_commands, require_manage_guild
from cogs._discovery_ui import (
    CHART_FILE,
    COLOUR,
    digest_embed,
    paged,
    present_members,
    result_line,
    role_embed,
    role_line,
    skillmap_embed,
)
from cogs._ui import Pages

log = logging.getLogger(__name__)

Interaction = discord.Interaction[CredcordBot]

# Digests are scheduled on the hour, so the round runs on every hour; a slot missed while the bot was
# down goes out at the first full hour after it is back.
DIGEST_ROUNDS = [dt.time(hour=hour, tzinfo=dt.UTC) for hour in range(24)]
ROLE_MEMBERS_SHOWN = 10
UTC_OFFSETS = [f"UTC{sign}{hours}" for hours in range(1, 15) for sign in "+-"]


class DigestSetup(app_commands.Group):
    """The digest's ``/setup`` subcommand (see cogs/_admin.py)."""

    def __init__(self, discovery: DiscoveryService) -> None:
        super().__init__(name="digest-setup", description="Weekly digest settings")
        self.discovery = discovery

    @app_commands.command(name="digest")
    @app_commands.describe(
        channel="Where the weekly digest is posted",
        day="The day of the week it is posted (default Monday)",
        hour="The hour it is posted, in UTC, 0-23 (default 9)",
        enabled="Post it (default), or stop posting it",
    )
    @app_commands.choices(day=[app_commands.Choice(name=name, value=i) for i, name in enumerate(WEEKDAYS)])
    async def digest(
        self,
        interaction: Interaction,
        channel: discord.TextChannel,
        day: int = 0,
        hour: app_commands.Range[int, 0, 23] = 9,
        enabled: bool = True,
    ) -> None:
        """Post a weekly digest of new badges, stacks, mentors and searched skills."""
        require_manage_guild(interaction)
        assert interaction.guild is not None
        if not enabled:
            stopped = await self.discovery.stop_digest(interaction.guild.id)
            text = "The weekly digest is off." if stopped else "The weekly digest was not on."
            await interaction.response.send_message(text, ephemeral=True)
            return
        settings = await self.discovery.set_digest(interaction.guild.id, channel.id, day, hour)
        text = f"The weekly digest will be posted in {channel.mention} on {settings.when}."
        text += cannot_post(interaction.guild, channel)
        await interaction.response.send_message(text, ephemeral=True)


@app_commands.guild_only()
class DiscoveryCog(commands.Cog):
    role_group = app_commands.Group(
        name="role", description="Freelance roles and who covers them", guild_only=True
    )
    digest_group = app_commands.Group(
        name="digest",
        description="The weekly community digest (Manage Server)",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: CredcordBot, discovery: DiscoveryService) -> None:
        self.bot = bot
        self.discovery = discovery
        self.setup_commands = DigestSetup(discovery)
        self.digest_round = tasks.loop(time=DIGEST_ROUNDS)(self.digest_once)
        self.digest_round.before_loop(self.bot.wait_until_ready)

    async def cog_load(self) -> None:
        add_setup_commands(self.bot.tree, self.setup_commands)
        self.digest_round.start()

    async def cog_unload(self) -> None:
        self.digest_round.cancel()
        remove_setup_commands(self.bot.tree, self.setup_commands)

    # Autocomplete

    async def role_choices(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=r.name[:100], value=r.key) for r in self.discovery.role_choices(current)
        ]

    async def skill_choices(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=s[:100], value=s[:100]) for s in self.discovery.skill_choices(current)
        ]

    async def timezone_choices(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        typed = current.strip().casefold()
        names = [*UTC_OFFSETS, *sorted(timezones())] if typed.startswith("utc") else sorted(timezones())
        picked = [n for n in names if n.casefold().startswith(typed)]
        return [app_commands.Choice(name=n, value=n) for n in picked[:25]]

    # Roles and gap analysis

    @app_commands.command(name="skillmap")
    @app_commands.describe(
        role="The role to compare with, e.g. Data Analyst", member="Whose skills to compare (default: yours)"
    )
    @app_commands.autocomplete(role=role_choices)
    async def skillmap(
        self,
        interaction: Interaction,
        role: app_commands.Range[str, 1, 100],
        member: discord.Member | None = None,
    ) -> None:
        """See how much of a role your skills cover, and which credentials close the gap at what cost."""
        assert interaction.guild_id is not None
        whose = member or interaction.user
        await interaction.response.defer(ephemeral=True, thinking=True)
        found = await self.discovery.skillmap(interaction.guild_id, whose.id, role)
        picture = await self.discovery.chart(found.coverage)
        await interaction.followup.send(
            embed=skillmap_embed(whose.display_name, found),
            file=discord.File(io.BytesIO(picture), filename=CHART_FILE),
            ephemeral=True,
        )

    @app_commands.command(name="roles")
    async def roles(self, interaction: Interaction) -> None:
        """List the freelance roles /skillmap and /role show know."""
        pages = paged([role_line(role) for role in self.discovery.roles()])
        footer = "/role show role: for a role's skills"
        await Pages(interaction.user.id, "Roles", pages, footer=footer, colour=COLOUR).send(interaction)

    @role_group.command(name="show")
    @app_commands.describe(role="The role to show, e.g. Cloud Engineer")
    @app_commands.autocomplete(role=role_choices)
    async def role_show(self, interaction: Interaction, role: app_commands.Range[str, 1, 100]) -> None:
        """Show a role's skills and the directory members who cover most of it."""
        guild = interaction.guild
        assert guild is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        found = await self.discovery.role_members(guild.id, role)
        present = await present_members(guild, [m.user_id for m in found.members])
        shown = [m for m in found.members if m.user_id in present][:ROLE_MEMBERS_SHOWN]
        await interaction.followup.send(embed=role_embed(found.role, shown), ephemeral=True)

    # The directory

    @app_commands.command(name="find")
    @app_commands.describe(
        skill="A skill to look for",
        skill2="Another skill to look for (optional)",
        skill3="A third skill to look for (optional)",
        verified_only="Only members who proved the skills with a verified badge (default off)",
        timezone="Prefer members near this time zone, e.g. Europe/Berlin or UTC+1",
        min_hours="Only members available at least this many hours a week",
        open_to_work="Only members who are (or are not) open to work now",
    )
    @app_commands.autocomplete(
        skill=skill_choices, skill2=skill_choices, skill3=skill_choices, timezone=timezone_choices
    )
    async def find(
        self,
        interaction: Interaction,
        skill: app_commands.Range[str, 1, 100],
        skill2: app_commands.Range[str, 1, 100] | None = None,
        skill3: app_commands.Range[str, 1, 100] | None = None,
        verified_only: bool = False,
        timezone: app_commands.Range[str, 1, 64] | None = None,
        min_hours: app_commands.Range[int, 0, 100] | None = None,
        open_to_work: bool | None = None,
    ) -> None:
        """Find members of the directory by skill: verified skills first, then declared, then availability."""
        guild = interaction.guild
        assert guild is not None
        request = FindRequest(
            skills=tuple(s for s in (skill, skill2, skill3) if s is not None),
            verified_only=verified_only,
            timezone=timezone,
            min_hours=min_hours,
            open_to_work=open_to_work,
        )
        await interaction.response.defer(ephemeral=True, thinking=True)
        outcome = await self.discovery.find(guild.id, request)
        present = await present_members(guild, [r.user_id for r in outcome.results])
        results = [r for r in outcome.results if r.user_id in present]
        asked = ", ".join(outcome.query.skills)
        if not results:
            await interaction.followup.send(
                clip(
                    f"Nobody in the directory matches {safe(asked, 300)} yet. Members join the directory"
                    " with /profile edit directory:True.",
                    MESSAGE_CONTENT,
                ),
                ephemeral=True,
            )
            return
        pages = paged([result_line(rank, result) for rank, result in enumerate(results, 1)])
        view = Pages(
            interaction.user.id,
            clip(f"Members with {asked}", 200),
            pages,
            footer="verified first, then declared, then availability and time zone",
            colour=COLOUR,
        )
        await view.send(interaction)

    # The weekly digest

    @digest_group.command(name="preview")
    async def digest_preview(self, interaction: Interaction) -> None:
        """Show what the next weekly digest holds so far (only you see it)."""
        require_manage_guild(interaction)
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        preview = await self.discovery.preview_digest(interaction.guild_id)
        settings = preview.settings
        note = (
            f"Posted in <#{settings.channel_id}> on {settings.when}. So far it holds:"
            if settings
            else "Not scheduled yet (/setup digest posts it every week). So far it would hold:"
        )
        await interaction.followup.send(note, embed=digest_embed(preview.digest), ephemeral=True)

    async def digest_once(self) -> None:
        """One digest round; a failure is logged and the next round runs as usual."""
        try:
            await self.discovery.post_due(self._send_digest)
        except Exception:
            log.exception("digest round failed")

    async def _send_digest(self, post: DigestPost) -> None:
        channel = self.bot.get_partial_messageable(post.channel_id, guild_id=post.guild_id)
        await channel.send(embed=digest_embed(post.digest))


async def setup(bot: CredcordBot) -> None:
    await bot.add_cog(DiscoveryCog(bot, bot.services.discovery))
