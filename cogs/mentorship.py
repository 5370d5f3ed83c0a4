"""/mentor: offer to mentor, request a mentor, pairings, blocks, admin rounds and stats; /setup mentorship."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.app import CredcordBot
from bot.errors import InvalidInput
from bot.mentorship.admin import MentorshipAdmin
from bot.mentorship.service import MentorshipService
from bot.text import escape, join_clipped, safe
from cogs._admin import add_setup_commands, remove_setup_commands, require_manage_guild
from cogs._mentorship_render import choices_embed, queued_text, round_embed, stats_embed, status_embed, when
from cogs._mentorship_ui import DYNAMIC_ITEMS, Courier, RatingModal, announce_end, choices_view, round_view
from cogs._ui import choices_containing, skill_choices

log = logging.getLogger(__name__)

Interaction = discord.Interaction[CredcordBot]


def parse_day(text: str) -> datetime:
    """``until`` as a member types it: a date, meaning its start in UTC."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("until", "must be a date written as YYYY-MM-DD, e.g. 2026-03-01") from None
    return datetime.combine(day, time(), UTC)


class MentorshipSetup(app_commands.Group):
    """The mentorship's ``/setup`` subcommand (see cogs/_admin.py)."""

    def __init__(self, admin: MentorshipAdmin) -> None:
        super().__init__(name="mentorship-setup", description="Mentorship settings")
        self.admin = admin

    @app_commands.command(name="mentorship")
    @app_commands.describe(channel="Where private pairing threads are opened")
    async def mentorship(self, interaction: Interaction, channel: discord.TextChannel) -> None:
        """Choose the channel where mentorship pairs get their private threads."""
        require_manage_guild(interaction)
        assert interaction.guild is not None
        await self.admin.set_channel(interaction.guild.id, channel.id)
        text = f"Mentorship threads will open in {channel.mention}."
        allowed = channel.permissions_for(interaction.guild.me)
        if not (allowed.create_private_threads and allowed.send_messages_in_threads):
            text += (
                f"\n⚠️ I cannot open private threads in {channel.mention} yet: give my role Create Private "
                "Threads and Send Messages in Threads there."
            )
        await interaction.response.send_message(text, ephemeral=True)


@app_commands.guild_only()
class MentorCog(commands.GroupCog, group_name="mentor", group_description="Peer mentorship in this server"):
    def __init__(
        self, bot: CredcordBot, mentorship: MentorshipService, admin: MentorshipAdmin, minutes: float
    ) -> None:
        self.bot = bot
        self.mentorship = mentorship
        self.admin = admin
        self.setup_commands = MentorshipSetup(admin)
        self.clockwork = tasks.loop(minutes=minutes)(self.tick_once)
        self.clockwork.before_loop(self.bot.wait_until_ready)

    async def cog_load(self) -> None:
        add_setup_commands(self.bot.tree, self.setup_commands)
        self.clockwork.start()

    async def cog_unload(self) -> None:
        self.clockwork.cancel()
        remove_setup_commands(self.bot.tree, self.setup_commands)

    async def tick_once(self) -> None:
        """Reminders, expiry and check-ins; a failure is logged and the next round runs as usual."""
        try:
            outcome = await self.mentorship.tick()
        except Exception:
            log.exception("mentorship clock round failed")
            return
        await Courier(self.bot).deliver(outcome)

    # Mentors

    @app_commands.command(name="offer")
    @app_commands.describe(
        capacity="How many mentees you take at once (1-5)",
        skills="Skills you can mentor in, comma separated (default: your profile's skills)",
        note="A short note for mentees, e.g. what you like to help with",
    )
    async def offer(
        self,
        interaction: Interaction,
        capacity: app_commands.Range[int, 1, 5],
        skills: app_commands.Range[str, 1, 1500] | None = None,
        note: app_commands.Range[str, 1, 300] | None = None,
    ) -> None:
        """Offer to mentor: members asking for your skills can be matched with you."""
        assert interaction.guild_id is not None
        mentor = await self.mentorship.offer(
            interaction.guild_id, interaction.user.id, skills, capacity, note
        )
        names = [
            f"{escape(s.name)} ✓" if s.name in mentor.verified else escape(s.name) for s in mentor.skills
        ]
        text = (
            f"You offer to mentor in {join_clipped(names, 1200)}, up to {mentor.capacity} mentees at once."
            " ✓ marks skills proven by a verified badge; they rank higher."
        )
        if mentor.paused(self.bot.clock()):
            text += " You are still paused: /mentor resume to take requests again."
        await interaction.response.send_message(text, ephemeral=True)

    @app_commands.command(name="pause")
    @app_commands.describe(
        until="The date to take requests again, YYYY-MM-DD (default: until /mentor resume)"
    )
    async def pause(
        self, interaction: Interaction, until: app_commands.Range[str, 1, 20] | None = None
    ) -> None:
        """Take no new mentees for a while; requests waiting for your answer go to other mentors."""
        assert interaction.guild_id is not None
        end = parse_day(until) if until is not None else None
        mentor, outcome = await self.mentorship.pause(interaction.guild_id, interaction.user.id, end)
        text = "Paused: you get no new requests"
        text += (
            f" until {when(mentor.paused_until)}." if mentor.paused_until else " until you /mentor resume."
        )
        if outcome.withdrawn:
            text += f" {len(outcome.withdrawn)} waiting request(s) went to other mentors."
        await interaction.response.send_message(text, ephemeral=True)
        await Courier(self.bot).deliver(outcome)

    @app_commands.command(name="resume")
    async def resume(self, interaction: Interaction) -> None:
        """Take requests again after a pause."""
        assert interaction.guild_id is not None
        await self.mentorship.resume(interaction.guild_id, interaction.user.id)
        await interaction.response.send_message("Welcome back: you can be matched again.", ephemeral=True)

    @app_commands.command(name="stop")
    async def stop(self, interaction: Interaction) -> None:
        """Stop offering to mentor; your active pairings go on until ended."""
        assert interaction.guild_id is not None
        outcome = await self.mentorship.stop(interaction.guild_id, interaction.user.id)
        await interaction.response.send_message(
            "You no longer offer to mentor. Thank you for your help!", ephemeral=True
        )
        await Courier(self.bot).deliver(outcome)

    # Mentees

    @app_commands.command(name="request")
    @app_commands.describe(
        skill="The skill you want help with",
        goal="What you want to achieve, so mentors know how to help",
        language="A language you would like to talk in, e.g. Spanish",
        again="Also consider mentors you were paired with before (default: no)",
    )
    @app_commands.autocomplete(skill=skill_choices)
    async def request(
        self,
        interaction: Interaction,
        skill: app_commands.Range[str, 1, 50],
        goal: app_commands.Range[str, 1, 500] | None = None,
        language: app_commands.Range[str, 1, 30] | None = None,
        again: bool = False,
    ) -> None:
        """Ask for a mentor: see the best matches and pick one, or let me ask the best first."""
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await self.mentorship.request(
            interaction.guild_id, interaction.user.id, skill, goal, language, ask_again=again
        )
        if not result.choices:
            await interaction.followup.send(queued_text(result.request.skill.name), ephemeral=True)
            return
        await interaction.followup.send(
            embed=choices_embed(result), view=choices_view(result), ephemeral=True
        )

    @app_commands.command(name="cancel")
    async def cancel(self, interaction: Interaction) -> None:
        """Withdraw your open request for a mentor."""
        assert interaction.guild_id is not None
        request, outcome = await self.mentorship.cancel(interaction.guild_id, interaction.user.id)
        await interaction.response.send_message(
            f"Your request for **{safe(request.skill.name, 100)}** is withdrawn.", ephemeral=True
        )
        await Courier(self.bot).deliver(outcome)

    # Pairings

    @app_commands.command(name="status")
    async def status(self, interaction: Interaction) -> None:
        """Your requests, the requests waiting for your answer, and your active pairings."""
        assert interaction.guild_id is not None
        found = await self.mentorship.status(interaction.guild_id, interaction.user.id)
        await interaction.response.send_message(embed=status_embed(found, self.bot.clock()), ephemeral=True)

    @app_commands.command(name="end")
    @app_commands.describe(pairing="The pairing to end", reason="Why it ends (optional; shown in the thread)")
    async def end(
        self, interaction: Interaction, pairing: int, reason: app_commands.Range[str, 1, 300] | None = None
    ) -> None:
        """End one of your pairings, then rate it privately."""
        ended = await self.mentorship.end(pairing, interaction.user.id, reason)
        await interaction.response.send_modal(RatingModal(ended.id))
        await announce_end(self.bot, ended)

    @end.autocomplete("pairing")
    async def pairing_choices(self, interaction: Interaction, current: str) -> list[app_commands.Choice[int]]:
        assert interaction.guild_id is not None
        found = await self.mentorship.pairings(interaction.guild_id, interaction.user.id)
        named = []
        for item in found:
            role = "you mentor" if item.mentor_id == interaction.user.id else "your mentor"
            named.append((f"#{item.id} · {item.skill} · {role}", item.id))
        return choices_containing(current, named)

    @app_commands.command(name="block")
    @app_commands.describe(member="The member never to be matched with, as mentor or mentee")
    async def block(self, interaction: Interaction, member: discord.Member) -> None:
        """Never be matched with a member again, either way (they are not told)."""
        assert interaction.guild_id is not None
        outcome = await self.mentorship.block(interaction.guild_id, interaction.user.id, member.id)
        await interaction.response.send_message(
            f"You will not be matched with {safe(member.display_name, 100)} again.", ephemeral=True
        )
        await Courier(self.bot).deliver(outcome)

    # Admins

    @app_commands.command(name="round")
    async def run_round(self, interaction: Interaction) -> None:
        """Match all open requests with mentors at once, best total first; preview before sending (admins)."""
        require_manage_guild(interaction)
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        preview = await self.admin.preview_round(interaction.guild_id, interaction.user.id)
        await interaction.followup.send(
            embed=round_embed(preview), view=round_view(preview.round_id), ephemeral=True
        )

    @app_commands.command(name="stats")
    async def stats(self, interaction: Interaction) -> None:
        """Requests, acceptance, pairings, check-ins and the queue (admins)."""
        require_manage_guild(interaction)
        assert interaction.guild_id is not None
        figures = await self.admin.stats(interaction.guild_id)
        await interaction.response.send_message(embed=stats_embed(figures), ephemeral=True)


async def setup(bot: CredcordBot) -> None:
    bot.add_dynamic_items(*DYNAMIC_ITEMS)
    services = bot.services
    await bot.add_cog(
        MentorCog(bot, services.mentorship, services.mentorship_admin, bot.config.mentorship.check_minutes)
    )
