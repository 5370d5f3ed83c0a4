"""A mentorship-ready world for SimCord tests: an admin, a mentorship channel, mentors with profiles."""

from __future__ import annotations

from dataclasses import dataclass

import discord
from simcord.actors import MemberActor
from simcord.builders import ChannelHandle

from bot.app import CredcordBot
from bot.profiles import ProfileOptions, ProfileText
from tests.integration.conftest import World

# The showcase's re-verification loop would wake every 10 minutes of simulated time; the mentorship's
# clock runs every 3 hours, so advancing days stays quick (each wake-up costs real time).
MENTORSHIP_CONFIG = """
[showcase]
recheck_minutes = 1440

[mentorship]
offer_hours = 72
check_minutes = 180
"""
HOUR = 3600.0


@dataclass
class Mentoring:
    """Alice asks for mentors; Bob and Carol mentor Python (Bob ranks first: he shares her hours)."""

    world: World
    admin: MemberActor
    carol: MemberActor
    channel: ChannelHandle

    @property
    def bot(self) -> CredcordBot:
        bot = self.world.env.bot
        assert isinstance(bot, CredcordBot)
        return bot

    async def profile(self, member: MemberActor, skills: str, timezone: str) -> None:
        await self.bot.services.profiles.save(
            self.world.guild.id,
            member.id,
            ProfileText(skills=skills, languages="English"),
            ProfileOptions(timezone=timezone),
        )

    async def offer(self, member: MemberActor, capacity: int = 2, **options: object) -> str:
        result = await member.slash(self.world.general, "mentor offer", capacity=capacity, **options)
        return result.response.content

    async def request(self, member: MemberActor | None = None, **options: object) -> discord.Message:
        """``/mentor request`` with Python by default; returns the ephemeral pick list."""
        options.setdefault("skill", "Python")
        result = await (member or self.world.alice).slash(self.world.general, "mentor request", **options)
        assert result.response is not None
        return result.response.message

    async def ask_best(self, member: MemberActor | None = None, **options: object) -> str:
        picker = await self.request(member, **options)
        result = await (member or self.world.alice).click(picker, label="Ask the best first")
        return result.response.content

    def dms(self, member: MemberActor) -> list[discord.Message]:
        return member.user.dm_channel.history()

    def offer_dm(self, member: MemberActor) -> discord.Message:
        offers = [m for m in self.dms(member) if m.embeds and m.components]
        assert offers, f"no offer with buttons in {member.name}'s DMs"
        return offers[-1]

    def threads(self) -> list[ChannelHandle]:
        return self.channel.threads


async def mentoring_world(world: World) -> Mentoring:
    admins = world.guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    admin = world.guild.add_member(world.env.create_user("admin"), roles=[admins])
    carol = world.guild.add_member(world.env.create_user("carol"))
    channel = world.guild.create_text_channel("mentoring")
    result = await admin.slash(world.general, "setup mentorship", channel=channel)
    assert "Mentorship threads will open" in result.response.content
    mentoring = Mentoring(world, admin, carol, channel)
    await mentoring.profile(world.alice, "Python, SQL", "Europe/Berlin")
    await mentoring.profile(world.bob, "Python, SQL", "Europe/Paris")
    await mentoring.profile(carol, "Python", "America/Los_Angeles")
    return mentoring
