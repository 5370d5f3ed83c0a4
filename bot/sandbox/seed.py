"""The sandbox's community: who is in it, and what they have done, made through the bot's own commands.

``create_community`` lays out the simulated server. Then each seeder in ``SEEDERS`` acts in it as the
members concerned, through SimCord and the real bot, so what it leaves behind is exactly what those members
would have made themselves. The database is kept between runs while the simulated Discord is new at every
start, so a seeder must be safe to run again: it skips what is already stored. A feature that wants seeded
data (badges on profiles, stacks, mentors) adds a seeder here and appends it to ``SEEDERS``.

The newcomer (whoever opens the browser view) holds the moderators' role too, so the /setup commands,
/digest preview and /mentor round can be tried as well.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import discord
import simcord
from simcord.actors import MemberActor
from simcord.builders import ChannelHandle, GuildHandle, RoleHandle

from bot.app import CredcordBot
from bot.sandbox.issuer import ISSUER_NAME, DemoBadge, DemoIssuer

GUILD_NAME: Final = "Freelance Guild (sandbox)"
# A fixed guild id (like the user ids, which follow from the order of creation) keeps the profiles stored
# in the kept database attached to the same simulated server at every start.
GUILD_ID: Final = 1_300_000_000_000_000_001
CHANNELS: Final = {
    "general": "Say hello. Try /profile and /verify here.",
    "showcase": "Members' verified badges.",
    "mentorship": "Find a mentor, or offer to be one.",
}
NEWCOMER: Final = "newcomer"
NEWCOMER_EMAIL: Final = "newcomer@sandbox.example"
MODERATORS: Final = "Moderators"
MODERATOR: Final = "amara"  # sets the showcase up, as an admin would
# The weekly digest's slot (Monday 09:00 UTC, /setup digest's default), posted in #general.
DIGEST_DAY: Final = 0
DIGEST_HOUR: Final = 9


@dataclass(frozen=True, slots=True)
class SeedStack:
    """The stack the moderator creates with ``/stack create``."""

    name: str
    skills: str
    need: str
    role: str
    description: str


STACK: Final = SeedStack(
    "Data Analyst Pathway", "Python, PostgreSQL", "2", "Data Analyst", "Query data and automate its analysis."
)
SKILL_ROLE: Final = ("Python", "Python developers")  # a verified badge with the skill grants the role
# The roles the showcase grants; SimCord's integration role (the bot's, with Manage Roles) stays above them.
REWARD_ROLES: Final = (STACK.role, SKILL_ROLE[1])


@dataclass(frozen=True, slots=True)
class BadgeHolder:
    """A seeded member with verified badges from the demo issuer, issued to ``email``."""

    username: str
    email: str
    badges: tuple[str, ...]  # the demo issuer's badge classes, by slug


BADGE_HOLDERS: Final = (
    BadgeHolder("amara", "amara@sandbox.example", ("python", "postgresql")),  # completes the stack
    BadgeHolder("lukas", "lukas@sandbox.example", ("python",)),
)


@dataclass(frozen=True, slots=True)
class Persona:
    """A seeded member and the profile they fill in with ``/profile edit``."""

    username: str
    display_name: str
    options: Mapping[str, Any]  # the command's options; every persona opts into the directory (/find)
    form: Mapping[str, str]  # the edit form's fields, by custom id


def _form(headline: str, bio: str, skills: str, portfolio: str, languages: str) -> dict[str, str]:
    return {
        "profile:headline": headline,
        "profile:bio": bio,
        "profile:skills": skills,
        "profile:portfolio": portfolio,
        "profile:languages": languages,
    }


PERSONAS: Final = (
    Persona(
        "amara",
        "Amara Okafor",
        {
            "timezone": "Africa/Lagos",
            "hours": 25,
            "rate_min": 45,
            "rate_max": 70,
            "currency": "EUR",
            "open_to_work": True,
            "directory": True,
        },
        _form(
            "Data analyst · SQL, Python, Tableau",
            "I turn messy spreadsheets into dashboards people actually read. Moderator here.",
            "SQL, Python, Tableau, Excel",
            "https://amara.example/portfolio",
            "English, French",
        ),
    ),
    Persona(
        "diego",
        "Diego Ramírez",
        {
            "timezone": "America/Mexico_City",
            "hours": 30,
            "rate_min": 35,
            "rate_max": 55,
            "currency": "USD",
            "open_to_work": True,
            "directory": True,
        },
        _form(
            "Frontend developer · React, TypeScript",
            "Accessible interfaces for small shops and NGOs.",
            "TypeScript, React, Figma, CSS",
            "https://diego.example",
            "Spanish, English",
        ),
    ),
    Persona(
        "mei",
        "Mei Tanaka",
        {
            "timezone": "Asia/Tokyo",
            "hours": 8,
            "rate_min": 90,
            "rate_max": 120,
            "currency": "USD",
            "open_to_work": False,
            "directory": True,
        },
        _form(
            "Platform engineer · Kubernetes, Terraform",
            "Ten years of running other people's clusters. Happy to help people moving into DevOps.",
            "Kubernetes, Terraform, AWS, Go",
            "https://mei.example/talks",
            "Japanese, English",
        ),
    ),
    Persona(
        "lukas",
        "Lukas Becker",
        {
            "timezone": "Europe/Berlin",
            "hours": 20,
            "rate_min": 60,
            "rate_max": 80,
            "currency": "EUR",
            "open_to_work": True,
            "directory": True,
        },
        _form(
            "Backend developer · Python, Django, PostgreSQL",
            "APIs and data pipelines, tested and documented.",
            "Python, Django, postgres, Docker",
            "https://lukas.example",
            "German, English",
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class SeedMentor:
    """A persona who offers to mentor with ``/mentor offer``."""

    username: str
    skills: str
    capacity: int
    note: str


MENTORS: Final = (
    SeedMentor(
        "mei",
        "Kubernetes, Terraform, AWS",
        2,
        "Moving into DevOps? I help with the first cluster and the first on-call rota.",
    ),
    SeedMentor("amara", "SQL, Python, Tableau", 1, "Dashboards and SQL for people starting out in data."),
)


@dataclass(frozen=True, slots=True)
class Community:
    guild: GuildHandle
    channels: Mapping[str, ChannelHandle]
    newcomer: MemberActor
    members: Mapping[str, MemberActor]  # the personas, by username
    roles: Mapping[str, RoleHandle]  # the moderators' and the reward roles, by name

    @property
    def general(self) -> ChannelHandle:
        return self.channels["general"]


def create_community(env: simcord.Env) -> Community:
    """Lay out the server before the bot starts, so it arrives with the bot's first view of Discord.

    Users are created first and in a fixed order: SimCord numbers them from its fixed epoch, so each keeps
    the same id at every start. Add new people at the end. Channels and roles are numbered the same way,
    which keeps the stored showcase channel, skill role and stack pointing at them.
    """
    newcomer_user = env.create_user(NEWCOMER, global_name="Newcomer")
    users = [env.create_user(p.username, global_name=p.display_name) for p in PERSONAS]
    guild = env.create_guild(GUILD_NAME, id=GUILD_ID)
    channels = {name: guild.create_text_channel(name, topic=topic) for name, topic in CHANNELS.items()}
    moderators = guild.create_role(
        MODERATORS, permissions=discord.Permissions(manage_guild=True, manage_messages=True)
    )
    roles = {MODERATORS: moderators} | {name: guild.create_role(name) for name in REWARD_ROLES}
    members = {
        user.name: guild.add_member(user, roles=[moderators] if user.name == MODERATOR else [])
        for user in users
    }
    newcomer = guild.add_member(newcomer_user, roles=[moderators])
    return Community(guild, channels, newcomer, members, roles)


@dataclass(frozen=True, slots=True)
class SeedContext:
    community: Community
    bot: CredcordBot
    issuer: DemoIssuer
    badges: Sequence[DemoBadge]  # the demo issuer's badges, issued to NEWCOMER_EMAIL


def _persona(username: str) -> Persona:
    (persona,) = (p for p in PERSONAS if p.username == username)
    return persona


async def _has_profile(context: SeedContext, member: MemberActor) -> bool:
    profile = await context.bot.services.profiles.get(context.community.guild.id, member.id)
    return profile is not None


async def seed_profiles(context: SeedContext) -> None:
    """Each persona fills in /profile edit: its options, then the form.

    A profile outside the directory is written again: it was stored before the personas opted in.
    """
    for persona in PERSONAS:
        member = context.community.members[persona.username]
        profile = await context.bot.services.profiles.get(context.community.guild.id, member.id)
        if profile is not None and profile.directory:
            continue
        shown = await member.slash(context.community.general, "profile edit", **persona.options)
        await member.submit_modal(shown, dict(persona.form))


async def seed_newcomer_email(context: SeedContext) -> None:
    """The newcomer saves the email the demo badges are issued to, so /verify needs no email option."""
    newcomer = context.community.newcomer
    if await _has_profile(context, newcomer):
        return
    shown = await newcomer.slash(context.community.general, "profile edit", emails=NEWCOMER_EMAIL)
    await newcomer.submit_modal(shown, {})


async def seed_showcase(context: SeedContext) -> None:
    """The moderator picks #showcase, a skill role and the stack, through /setup and /stack create."""
    community, showcase = context.community, context.bot.services.showcase
    moderator, general = community.members[MODERATOR], community.general
    if (await showcase.settings(community.guild.id)).channel_id is None:
        await moderator.slash(general, "setup showcase", channel=community.channels["showcase"])
    skill, role = SKILL_ROLE
    if skill not in {mapping.skill.name for mapping in await showcase.skill_roles(community.guild.id)}:
        await moderator.slash(general, "setup skill-role", skill=skill, role=community.roles[role])
    if STACK.name not in {stack.name for stack in await showcase.stacks(community.guild.id)}:
        await moderator.slash(
            general,
            "stack create",
            name=STACK.name,
            skills=STACK.skills,
            need=STACK.need,
            role=community.roles[STACK.role],
            description=STACK.description,
        )


async def seed_badges(context: SeedContext) -> None:
    """Badge holders save their email, then /badge add what the demo issuer issued them.

    A holder with stored badges is skipped: the issuer's port, and so each badge's URL and id, is new at
    every start, so adding them again would store them twice.
    """
    community, services = context.community, context.bot.services
    for holder in BADGE_HOLDERS:
        member = community.members[holder.username]
        if await services.badges.list_badges(community.guild.id, member.id):
            continue
        profile = await services.profiles.get(community.guild.id, member.id)
        if profile is None or holder.email not in profile.emails:
            # The form sets every field it holds: send what the persona wrote, so only the email changes.
            shown = await member.slash(community.general, "profile edit", emails=holder.email)
            await member.submit_modal(shown, dict(_persona(holder.username).form))
        for url in context.issuer.award(holder.username, holder.email, holder.badges, context.bot.clock()):
            await member.slash(community.general, "badge add", url=url)


async def seed_mentors(context: SeedContext) -> None:
    """The mentors offer to mentor with /mentor offer."""
    community, mentorship = context.community, context.bot.services.mentorship
    for mentor in MENTORS:
        member = community.members[mentor.username]
        if (await mentorship.status(community.guild.id, member.id)).mentor is not None:
            continue
        await member.slash(
            community.general,
            "mentor offer",
            capacity=mentor.capacity,
            skills=mentor.skills,
            note=mentor.note,
        )


async def seed_settings(context: SeedContext) -> None:
    """Pairing threads open in #mentorship, #showcase is watched, and the weekly digest posts in #general.

    These are stored through the services /setup mentorship, /setup watch and /setup digest call (the
    commands add only the moderator's confirmation). The watch needs the Message Content intent, which
    the sandbox's own config turns on. A setting already stored is left as it is.
    """
    community, services = context.community, context.bot.services
    guild_id, showcase = community.guild.id, community.channels["showcase"].id
    if await services.mentorship_admin.channel(guild_id) is None:
        await services.mentorship_admin.set_channel(guild_id, community.channels["mentorship"].id)
    if context.bot.intents.message_content and await services.watch.watched(guild_id, showcase) is None:
        await services.watch.set_watch(guild_id, showcase, enabled=True)
    if await services.discovery.digest_settings(guild_id) is None:
        await services.discovery.set_digest(guild_id, community.general.id, DIGEST_DAY, DIGEST_HOUR)


async def seed_welcome(context: SeedContext) -> None:
    """A moderator greets the newcomer in #general with what to try (messages are not kept between runs)."""
    lines = [
        "Welcome to the credcord sandbox! Everyone here is simulated; the bot is the real one.",
        "• `/profile show` (or right-click a member → Apps → View profile) to see who is here",
        "• `/profile edit` to fill in your own; your badge email is already saved",
        f"• `/verify` with a badge from {ISSUER_NAME}:",
    ]
    lines += [f"  {b.expected}: {b.name} ({b.kind}): {b.how} {b.url}" for b in context.badges]
    mentors = " and ".join(_persona(m.username).display_name.split()[0] for m in MENTORS)
    lines += [
        f"• `/badge add` a valid one to see it in #showcase; `/stack progress` shows the {STACK.name}",
        "• `/find skill:Python` searches the member directory; `/roles`, `/role show` and `/skillmap`"
        " compare skills with freelance roles",
        f"• `/mentor request skill:Kubernetes` to be matched with a mentor ({mentors} offer to mentor)",
        "• You are a moderator here too: try `/setup show`, and `/digest preview` for the weekly digest"
        " this channel gets",
    ]
    await context.community.members["amara"].send(context.community.general, "\n".join(lines))


Seeder = Callable[[SeedContext], Awaitable[None]]
SEEDERS: Final[tuple[Seeder, ...]] = (
    seed_profiles,
    seed_newcomer_email,
    seed_showcase,
    seed_badges,
    seed_mentors,
    seed_settings,
    seed_welcome,
)


async def seed(context: SeedContext) -> None:
    for seeder in SEEDERS:
        await seeder(context)
