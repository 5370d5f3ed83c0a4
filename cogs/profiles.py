"""/profile: edit, show, export and delete a member's profile; the "View profile" menu."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import CredcordBot
from bot.badges import BadgeService
from bot.badges.model import skill_key
from bot.profiles import Profile, ProfileOptions, ProfileService, ProfileText
from bot.profiles.model import (
    MAX_BIO,
    MAX_HEADLINE,
    MAX_URL,
    split_list,
    timezones,
)
from bot.skills import SkillMatch
from bot.text import EMBED_DESCRIPTION, EMBED_TITLE, escape, join_clipped, safe
from cogs._roles import take_back_roles
from cogs._showcase import delete_post
from cogs._ui import Modal, OwnedView, add_field

Interaction = discord.Interaction[CredcordBot]

PROFILE_COLOUR = discord.Colour.blurple()
CLEAR = "-"


def _display_url(url: str) -> str:
    # Percent-encode markdown-significant characters so a URL can never become a masked link.
    return quote(url, safe=":/?#@!$&'+,;=%~-._")


def profile_embed(
    profile: Profile, name: str, *, owner_view: bool, now: datetime, verified: frozenset[str] = frozenset()
) -> discord.Embed:
    """The profile card; ``verified`` skills (from verified badges) get a ✓."""
    description = ""
    if profile.headline:
        description = f"**{safe(profile.headline, 200)}**"
    if profile.bio:
        description += ("\n\n" if description else "") + safe(profile.bio, 2 * MAX_BIO)
    embed = discord.Embed(
        title=safe(name, EMBED_TITLE),
        description=description[:EMBED_DESCRIPTION] or None,
        colour=PROFILE_COLOUR,
    )
    checked = {skill_key(name) for name in verified}

    def shown(skill: SkillMatch) -> str:
        if skill_key(skill.name) in checked:
            return f"{escape(skill.name)} ✓"
        return escape(skill.name) if skill.known else f"{escape(skill.name)} (unrecognised)"

    skills = [shown(s) for s in profile.skills]
    add_field(embed, "Skills", join_clipped(skills, 1024), inline=False)
    declared = {skill_key(s.name) for s in profile.skills}
    extra = sorted((name for name in verified if skill_key(name) not in declared), key=str.casefold)
    add_field(
        embed,
        "Verified skills (from badges)",
        join_clipped([f"{escape(n)} ✓" for n in extra], 1024),
        inline=False,
    )
    if profile.timezone:
        offset = now.astimezone(ZoneInfo(profile.timezone)).strftime("UTC%z")
        add_field(embed, "Time zone", f"{escape(profile.timezone)} ({offset[:-2]}:{offset[-2:]})")
    if profile.weekly_hours is not None:
        add_field(embed, "Availability", f"{profile.weekly_hours} h/week")
    add_field(embed, "Open to work", "Yes" if profile.open_to_work else "No")
    if profile.rate_min is not None or profile.rate_max is not None:
        low = profile.rate_min if profile.rate_min is not None else profile.rate_max
        high = profile.rate_max if profile.rate_max is not None else profile.rate_min
        span = f"{low}" if low == high else f"{low}–{high}"
        add_field(embed, "Hourly rate", f"{span} {profile.rate_currency or ''}".strip())
    add_field(embed, "Languages", join_clipped([escape(lang) for lang in profile.languages], 1024))
    if profile.portfolio_url:
        add_field(embed, "Portfolio", _display_url(profile.portfolio_url), inline=False)
    if owner_view:
        emails = join_clipped([escape(e) for e in profile.emails], 1000) or "none saved"
        add_field(embed, "Badge emails (only you see these)", emails, inline=False)
        listed = "Yes" if profile.directory else "No (/profile edit directory:True lists you)"
        add_field(embed, "In the directory (/find)", listed, inline=False)
    embed.set_footer(text=f"Updated {profile.updated_at:%Y-%m-%d}")
    return embed


class ProfileModal(Modal, title="Edit your profile"):
    def __init__(
        self,
        service: ProfileService,
        options: ProfileOptions,
        current: Profile | None,
        clock: Callable[[], datetime],
    ) -> None:
        super().__init__()
        self.service = service
        self.clock = clock
        self.options = options
        self.headline: discord.ui.TextInput[ProfileModal] = discord.ui.TextInput(
            label="Headline",
            custom_id="profile:headline",
            placeholder="Freelance data analyst · SQL, Tableau",
            max_length=MAX_HEADLINE,
            required=False,
            default=current.headline if current else None,
        )
        self.bio: discord.ui.TextInput[ProfileModal] = discord.ui.TextInput(
            label="About you",
            custom_id="profile:bio",
            style=discord.TextStyle.paragraph,
            max_length=MAX_BIO,
            required=False,
            default=current.bio if current else None,
        )
        self.skills: discord.ui.TextInput[ProfileModal] = discord.ui.TextInput(
            label="Skills (comma separated)",
            custom_id="profile:skills",
            style=discord.TextStyle.paragraph,
            placeholder="Python, PostgreSQL, Figma",
            max_length=2000,
            required=False,
            default=", ".join(s.name for s in current.skills) if current else None,
        )
        self.portfolio: discord.ui.TextInput[ProfileModal] = discord.ui.TextInput(
            label="Portfolio URL (https)",
            custom_id="profile:portfolio",
            max_length=MAX_URL,
            required=False,
            default=current.portfolio_url if current else None,
        )
        self.languages: discord.ui.TextInput[ProfileModal] = discord.ui.TextInput(
            label="Languages you work in (comma separated)",
            custom_id="profile:languages",
            max_length=300,
            required=False,
            default=", ".join(current.languages) if current else None,
        )
        for item in (self.headline, self.bio, self.skills, self.portfolio, self.languages):
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        assert interaction.guild_id is not None
        text = ProfileText(
            headline=self.headline.value,
            bio=self.bio.value,
            skills=self.skills.value,
            portfolio_url=self.portfolio.value,
            languages=self.languages.value,
        )
        profile = await self.service.save(interaction.guild_id, interaction.user.id, text, self.options)
        unknown = [s.name for s in profile.skills if not s.known]
        note = "Profile saved."
        if unknown:
            note += " Not in the skill list (kept as written): " + join_clipped(
                [escape(s) for s in unknown], 1500
            )
        embed = profile_embed(
            profile, interaction.user.display_name, owner_view=True, now=interaction.client.clock()
        )
        await interaction.response.send_message(note, embed=embed, ephemeral=True)


class ConfirmDelete(OwnedView):
    def __init__(
        self, bot: CredcordBot, service: ProfileService, badges: BadgeService, owner_id: int, guild_id: int
    ) -> None:
        super().__init__(owner_id, timeout=60)
        self.bot = bot
        self.service = service
        self.badges = badges
        self.guild_id = guild_id
        self.message: discord.InteractionMessage | None = None

    @discord.ui.button(label="Delete everything", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: Interaction, button: discord.ui.Button[ConfirmDelete]) -> None:
        self.stop()
        # Showcase records go first: they hang off the member the profile deletion removes.
        cleanup = await self.badges.forget_member(self.guild_id, self.owner_id)
        deleted = await self.service.delete(self.guild_id, self.owner_id)
        deleted = deleted or bool(cleanup.showcase_posts or cleanup.remove_roles)
        for post in cleanup.showcase_posts:
            await delete_post(self.bot, post)
        guild = self.bot.get_guild(self.guild_id)
        if guild is not None and cleanup.remove_roles:
            await take_back_roles(
                guild, self.owner_id, cleanup.remove_roles, reason="credcord: profile deleted"
            )
        text = (
            "Deleted: nothing about you is stored in this server any more."
            if deleted
            else "There was nothing to delete."
        )
        await interaction.response.edit_message(content=text, view=None)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: Interaction, button: discord.ui.Button[ConfirmDelete]) -> None:
        self.stop()
        await interaction.response.edit_message(content="Cancelled: nothing was deleted.", view=None)

    async def on_timeout(self) -> None:
        if self.message is not None:
            # The ephemeral message may already be gone; there is nothing to undo then.
            with contextlib.suppress(discord.HTTPException):
                await self.message.edit(content="Timed out: nothing was deleted.", view=None)


@app_commands.guild_only()
class ProfileCog(
    commands.GroupCog, group_name="profile", group_description="Your freelance profile in this server"
):
    def __init__(self, bot: CredcordBot, service: ProfileService, badges: BadgeService) -> None:
        self.bot = bot
        self.service = service
        self.badges = badges
        self.view_menu = app_commands.ContextMenu(name="View profile", callback=self.view_profile_menu)
        self.view_menu.guild_only = True

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.view_menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.view_menu.name, type=self.view_menu.type)

    @app_commands.command(name="edit")
    @app_commands.describe(
        timezone="Your IANA time zone, e.g. Europe/Berlin",
        hours="Hours per week you are available (0-100)",
        rate_min="Lowest hourly rate you charge",
        rate_max="Highest hourly rate you charge",
        currency="Currency of your rate, e.g. USD or EUR",
        open_to_work="Whether you are looking for work now",
        directory="List you in /find and /role show so other members can find you (default off)",
        emails="Emails your badges are issued to, comma separated (private; '-' clears them)",
    )
    async def edit(
        self,
        interaction: Interaction,
        timezone: str | None = None,
        hours: app_commands.Range[int, 0, 100] | None = None,
        rate_min: app_commands.Range[int, 0, 100_000] | None = None,
        rate_max: app_commands.Range[int, 0, 100_000] | None = None,
        currency: app_commands.Range[str, 3, 3] | None = None,
        open_to_work: bool | None = None,
        directory: bool | None = None,
        emails: app_commands.Range[str, 1, 1500] | None = None,
    ) -> None:
        """Edit your profile: opens a form; options set time zone, hours, rate, directory and emails."""
        assert interaction.guild_id is not None
        email_list = None if emails is None else tuple(() if emails.strip() == CLEAR else split_list(emails))
        requested = ProfileOptions(
            timezone=timezone,
            weekly_hours=hours,
            rate_min=rate_min,
            rate_max=rate_max,
            rate_currency=currency,
            open_to_work=open_to_work,
            directory=directory,
            emails=email_list,
        )
        options, current = await self.service.prepare_edit(
            interaction.guild_id, interaction.user.id, requested
        )
        await interaction.response.send_modal(ProfileModal(self.service, options, current, self.bot.clock))

    @edit.autocomplete("timezone")
    async def timezone_autocomplete(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        typed = current.strip().casefold()
        names = sorted(timezones())
        picked = [n for n in names if n.casefold().startswith(typed)]
        if len(picked) < 25:
            picked += [n for n in names if typed in n.casefold() and n not in picked]
        return [app_commands.Choice(name=n, value=n) for n in picked[:25]]

    async def _show(self, interaction: Interaction, member: discord.Member | discord.User) -> None:
        assert interaction.guild_id is not None
        profile = await self.service.get(interaction.guild_id, member.id)
        own = member.id == interaction.user.id
        if profile is None:
            text = (
                "You have no profile yet: use /profile edit to create one."
                if own
                else f"{safe(member.display_name, 100)} has no profile in this server."
            )
            await interaction.response.send_message(text, ephemeral=True)
            return
        shown = profile if own else profile.public()
        verified = await self.badges.verified_skills(interaction.guild_id, member.id)
        embed = profile_embed(
            shown, member.display_name, owner_view=own, now=self.bot.clock(), verified=verified
        )
        embed.set_thumbnail(url=member.display_avatar.url)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="show")
    @app_commands.describe(member="Whose profile to show (default: yours)")
    async def show(self, interaction: Interaction, member: discord.Member | None = None) -> None:
        """Show a member's profile (only you see the reply)."""
        await self._show(interaction, member or interaction.user)

    async def view_profile_menu(self, interaction: Interaction, member: discord.Member) -> None:
        await self._show(interaction, member)

    @app_commands.command(name="export")
    async def export(self, interaction: Interaction) -> None:
        """Download everything credcord stores about you in this server, as JSON."""
        assert interaction.guild_id is not None
        data = await self.service.export(interaction.guild_id, interaction.user.id)
        data["showcase"] = await self.badges.export(interaction.guild_id, interaction.user.id)
        payload = json.dumps(data, indent=2, ensure_ascii=False).encode()
        file = discord.File(io.BytesIO(payload), filename=f"credcord-export-{interaction.guild_id}.json")
        await interaction.response.send_message(
            "Here is everything credcord stores about you in this server.", file=file, ephemeral=True
        )

    @app_commands.command(name="delete")
    async def delete(self, interaction: Interaction) -> None:
        """Delete everything credcord stores about you in this server (asks first)."""
        assert interaction.guild_id is not None
        view = ConfirmDelete(self.bot, self.service, self.badges, interaction.user.id, interaction.guild_id)
        await interaction.response.send_message(
            "Delete your profile and everything else credcord stores about you in this server?"
            " This cannot be undone.",
            view=view,
            ephemeral=True,
        )
        view.message = await interaction.original_response()


async def setup(bot: CredcordBot) -> None:
    await bot.add_cog(ProfileCog(bot, bot.services.profiles, bot.services.badges))
