"""/setup showcase, policy, show and skill-role; /stack: pathways of skills that earn a role."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import CredcordBot
from bot.badges import BadgeService, MemberRoles, ShowcaseAdmin, progress_bar
from bot.errors import InvalidInput
from bot.text import EMBED_DESCRIPTION, clip, escape, join_clipped, safe
from cogs._admin import add_setup_commands, cannot_post, remove_setup_commands, require_manage_guild
from cogs._roles import apply_roles, role_problem
from cogs._ui import add_field, choices_containing, skill_choices

Interaction = discord.Interaction[CredcordBot]

ROLE_REASON = "credcord: showcase roles changed by an admin"


def _check_role(role: discord.Role) -> None:
    if role.is_default() or role.managed:
        raise InvalidInput(
            "role", "pick a normal role: not @everyone, and not one a bot or integration manages"
        )


def role_warning(guild: discord.Guild, role_ids: set[int]) -> str:
    problem = role_problem(guild, role_ids)
    return f"\n⚠️ {problem}" if problem else ""


async def apply_changes(
    guild: discord.Guild, badges: BadgeService, changes: tuple[MemberRoles, ...]
) -> str | None:
    """Apply an admin edit's role changes to every affected member; the first problem, if any."""
    problems = []
    for change in changes:
        problem = await apply_roles(guild, badges, change.user_id, change.delta, reason=ROLE_REASON)
        if problem is not None:
            problems.append(problem)
    return problems[0] if problems else None


def parse_need(text: str | None) -> int | None:
    """``need`` as an admin types it: a number, or ``all`` (also the default)."""
    written = (text or "all").strip().casefold()
    if written == "all":
        return None
    if not written.isdigit():
        raise InvalidInput("need", "must be a number of skills, or all")
    return int(written)


class ShowcaseSetup(app_commands.Group):
    """The showcase's ``/setup`` subcommands (see cogs/_admin.py)."""

    def __init__(self, admin: ShowcaseAdmin, badges: BadgeService) -> None:
        super().__init__(name="showcase-setup", description="Showcase settings")
        self.admin = admin
        self.badges = badges

    @app_commands.command(name="showcase")
    @app_commands.describe(channel="Where verified badges are posted")
    async def showcase(self, interaction: Interaction, channel: discord.TextChannel) -> None:
        """Choose the channel where members' badges are posted."""
        require_manage_guild(interaction)
        assert interaction.guild is not None
        await self.admin.set_showcase_channel(interaction.guild.id, channel.id)
        text = f"Badges will be posted in {channel.mention}." + cannot_post(interaction.guild, channel)
        await interaction.response.send_message(text, ephemeral=True)

    @app_commands.command(name="policy")
    @app_commands.describe(
        require_recipient_match="Badges must be issued to one of the member's emails (default on)",
        accept_unverifiable="Accept badges nothing can verify, labelled self-reported (default off)",
    )
    async def policy(
        self,
        interaction: Interaction,
        require_recipient_match: bool | None = None,
        accept_unverifiable: bool | None = None,
    ) -> None:
        """Choose which badges /badge add accepts."""
        require_manage_guild(interaction)
        assert interaction.guild_id is not None
        settings = await self.admin.set_policy(
            interaction.guild_id,
            require_recipient_match=require_recipient_match,
            accept_unverifiable=accept_unverifiable,
        )
        await interaction.response.send_message(
            f"Recipient must match: **{'on' if settings.require_recipient_match else 'off'}** · "
            f"self-reported badges: **{'accepted' if settings.accept_unverifiable else 'refused'}**.",
            ephemeral=True,
        )

    @app_commands.command(name="show")
    async def show(self, interaction: Interaction) -> None:
        """Show this server's showcase settings, skill roles and stacks."""
        require_manage_guild(interaction)
        assert interaction.guild is not None
        guild = interaction.guild
        settings = await self.admin.settings(guild.id)
        skill_roles = await self.admin.skill_roles(guild.id)
        stacks = await self.admin.stacks(guild.id)
        embed = discord.Embed(title="Showcase settings", colour=discord.Colour.gold())
        add_field(
            embed, "Showcase channel", f"<#{settings.channel_id}>" if settings.channel_id else "not set"
        )
        add_field(embed, "Recipient must match", "on" if settings.require_recipient_match else "off")
        add_field(embed, "Self-reported badges", "accepted" if settings.accept_unverifiable else "refused")
        lines = [f"{escape(r.skill.name)} → <@&{r.role_id}>" for r in skill_roles]
        add_field(embed, "Skill roles", join_clipped(lines, 1024) or "none", inline=False)
        names = [f"{escape(s.name)} → <@&{s.role_id}>" for s in stacks]
        add_field(embed, "Stacks", join_clipped(names, 1024) or "none", inline=False)
        roles = {r.role_id for r in skill_roles} | {s.role_id for s in stacks}
        problem = role_problem(guild, roles) if roles else None
        if problem:
            add_field(embed, "⚠️ Roles", clip(problem, 1024), inline=False)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="skill-role")
    @app_commands.describe(
        skill="A skill from the skill list", role="The role a verified badge with it grants"
    )
    @app_commands.autocomplete(skill=skill_choices)
    async def skill_role(self, interaction: Interaction, skill: str, role: discord.Role) -> None:
        """Grant a role to members with a verified badge for a skill."""
        require_manage_guild(interaction)
        assert interaction.guild is not None
        _check_role(role)
        await interaction.response.defer(ephemeral=True, thinking=True)
        mapping, changes = await self.admin.set_skill_role(interaction.guild.id, skill, role.id)
        text = f"A verified **{escape(mapping.skill.name)}** badge now grants {role.mention}."
        if not mapping.skill.known:
            text += " (This skill is not in the skill list; badges must name it exactly.)"
        text += role_warning(interaction.guild, {role.id})
        await apply_changes(interaction.guild, self.badges, changes)
        await interaction.followup.send(text, ephemeral=True)


@app_commands.guild_only()
class StackCog(commands.GroupCog, group_name="stack", group_description="Skill pathways that earn roles"):
    def __init__(self, bot: CredcordBot, admin: ShowcaseAdmin, badges: BadgeService) -> None:
        self.bot = bot
        self.admin = admin
        self.badges = badges
        self.setup_commands = ShowcaseSetup(admin, badges)

    async def cog_load(self) -> None:
        add_setup_commands(self.bot.tree, self.setup_commands)

    async def cog_unload(self) -> None:
        remove_setup_commands(self.bot.tree, self.setup_commands)

    @app_commands.command(name="create")
    @app_commands.describe(
        name="The stack's name, e.g. Data Analyst",
        skills="Skills in the stack, comma separated",
        need="How many of the skills complete it: a number, or all (default)",
        role="The role members who complete it get",
        description="What the stack is for",
    )
    async def create(
        self,
        interaction: Interaction,
        name: app_commands.Range[str, 1, 100],
        skills: app_commands.Range[str, 1, 1500],
        role: discord.Role,
        need: app_commands.Range[str, 1, 3] | None = None,
        description: app_commands.Range[str, 1, 300] | None = None,
    ) -> None:
        """Create a stack: verified badges covering its skills earn a role (Manage Server)."""
        require_manage_guild(interaction)
        assert interaction.guild is not None
        _check_role(role)
        count = parse_need(need)
        await interaction.response.defer(ephemeral=True, thinking=True)
        stack, changes = await self.admin.create_stack(
            interaction.guild.id, name, skills, count, role.id, description or ""
        )
        skills_text = join_clipped([escape(s.name) for s in stack.skills], 1200)
        text = (
            f"Stack **{escape(stack.name)}** created: {stack.required} of {skills_text} earns {role.mention}."
        )
        text += role_warning(interaction.guild, {role.id})
        await apply_changes(interaction.guild, self.badges, changes)
        await interaction.followup.send(clip(text, 2000), ephemeral=True)

    @app_commands.command(name="delete")
    @app_commands.describe(name="The stack to delete")
    async def delete(self, interaction: Interaction, name: app_commands.Range[str, 1, 100]) -> None:
        """Delete a stack; members keep its role only if something else earns it (Manage Server)."""
        require_manage_guild(interaction)
        assert interaction.guild is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        changes = await self.admin.delete_stack(interaction.guild.id, name)
        problem = await apply_changes(interaction.guild, self.badges, changes)
        text = f"Stack {safe(name, 100)} deleted."
        await interaction.followup.send(text + (f"\n⚠️ {problem}" if problem else ""), ephemeral=True)

    @delete.autocomplete("name")
    async def stack_choices(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        stacks = await self.admin.stacks(interaction.guild_id)
        return choices_containing(current, ((s.name, s.name) for s in stacks))

    @app_commands.command(name="list")
    async def list_stacks(self, interaction: Interaction) -> None:
        """List this server's stacks and the roles they earn."""
        assert interaction.guild_id is not None
        stacks = await self.admin.stacks(interaction.guild_id)
        if not stacks:
            await interaction.response.send_message("This server has no stacks yet.", ephemeral=True)
            return
        lines = []
        for stack in stacks:
            skills = join_clipped([escape(s.name) for s in stack.skills], 300)
            line = f"**{escape(stack.name)}** → <@&{stack.role_id}>: {stack.required} of {skills}"
            if stack.description:
                line += f"\n  {safe(stack.description, 300)}"
            lines.append(line)
        embed = discord.Embed(
            title="Stacks",
            description=clip("\n".join(lines), EMBED_DESCRIPTION),
            colour=discord.Colour.gold(),
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="progress")
    @app_commands.describe(member="Whose progress to show (default: yours)")
    async def progress(self, interaction: Interaction, member: discord.Member | None = None) -> None:
        """Show how far verified badges go toward each stack."""
        assert interaction.guild_id is not None
        whose = member or interaction.user
        found = await self.badges.stack_progress(interaction.guild_id, whose.id)
        if not found:
            await interaction.response.send_message("This server has no stacks yet.", ephemeral=True)
            return
        embed = discord.Embed(
            title=clip(f"{whose.display_name}'s stack progress", 256), colour=discord.Colour.gold()
        )
        for item in found:
            value = f"`{progress_bar(len(item.have), item.need)}`"
            if item.complete:
                value += " ✅ complete"
            elif item.missing:
                value += "\nMissing: " + join_clipped([escape(s) for s in item.missing], 900)
            add_field(embed, escape(item.stack.name), value, inline=False)
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: CredcordBot) -> None:
    services = bot.services
    await bot.add_cog(StackCog(bot, services.showcase, services.badges))
