"""Applying the showcase's role changes in Discord, within what Discord lets the bot do, and
celebrating the stacks a change completes.

Discord only lets a bot with Manage Roles give or take roles that sit below its own highest role.
When it cannot, nothing is half-applied silently: the roles it could not change are handed back to
the badge service (so a later change retries them) and the caller gets a sentence saying what to fix.
"""

from __future__ import annotations

import logging

import discord

from bot.badges import BadgeService, RoleDelta
from bot.text import safe

log = logging.getLogger(__name__)

MISSING_MANAGE_ROLES = (
    "I need the **Manage Roles** permission to give and take badge roles; "
    "ask an admin to grant it to my role in Server Settings → Roles."
)


def role_problem(guild: discord.Guild, role_ids: frozenset[int] | set[int]) -> str | None:
    """Why the bot cannot manage these roles, for an admin; None when it can."""
    me = guild.me
    if me is None or not me.guild_permissions.manage_roles:
        return MISSING_MANAGE_ROLES
    above = [
        role
        for role_id in sorted(role_ids)
        if (role := guild.get_role(role_id)) is not None and role >= me.top_role
    ]
    if not above:
        return None
    names = ", ".join(f"@{discord.utils.escape_markdown(role.name)}" for role in above[:5])
    return (
        f"I cannot manage {names}: Discord only lets me change roles below my own highest role "
        f"(@{discord.utils.escape_markdown(me.top_role.name)}). "
        "Drag my role above it in Server Settings → Roles."
    )


async def apply_roles(
    guild: discord.Guild, badges: BadgeService, user_id: int, delta: RoleDelta, *, reason: str
) -> str | None:
    """Give and take the roles in ``delta``; returns what an admin must fix, or None when all applied."""
    if not delta.add and not delta.remove:
        return None
    problem = role_problem(guild, delta.add | delta.remove)
    if problem is not None:
        log.warning("roles not applied in guild %s for member %s: %s", guild.id, user_id, problem)
        await badges.roles_not_applied(guild.id, user_id, add=delta.add, remove=delta.remove)
        return problem
    try:
        member = await guild.fetch_member(user_id)
    except discord.NotFound:
        # The member left: their roles went with them, and nothing can be granted.
        await badges.roles_not_applied(guild.id, user_id, add=delta.add)
        return None
    add = [role for role_id in sorted(delta.add) if (role := guild.get_role(role_id)) is not None]
    remove = [role for role_id in sorted(delta.remove) if (role := guild.get_role(role_id)) is not None]
    try:
        if add:
            await member.add_roles(*add, reason=reason)
        if remove:
            await member.remove_roles(*remove, reason=reason)
    except discord.HTTPException as error:
        log.warning("Discord refused a role change in guild %s for member %s: %s", guild.id, user_id, error)
        await badges.roles_not_applied(guild.id, user_id, add=delta.add, remove=delta.remove)
        return f"Discord refused the role change ({error.status}); check my role's permissions and position."
    missing = delta.add - {role.id for role in add}
    if missing:
        await badges.roles_not_applied(guild.id, user_id, add=missing)
    return None


async def celebrate_stacks(
    client: discord.Client, channel_id: int | None, user_id: int, delta: RoleDelta
) -> None:
    """Announce each stack the member just completed in the showcase channel, if one is set."""
    if channel_id is None:
        return
    for stack in delta.completed_stacks:
        text = f"🎉 <@{user_id}> completed the **{safe(stack.name, 100)}** stack!"
        try:
            await client.get_partial_messageable(channel_id).send(text)
        except discord.HTTPException as error:
            log.warning("could not celebrate stack %s in channel %s: %s", stack.id, channel_id, error)


async def take_back_roles(
    guild: discord.Guild, user_id: int, role_ids: frozenset[int], *, reason: str
) -> None:
    """Remove roles credcord granted, after the member's records were deleted; failures are only logged."""
    problem = role_problem(guild, role_ids)
    roles = [role for role_id in sorted(role_ids) if (role := guild.get_role(role_id)) is not None]
    if not roles:
        return
    if problem is not None:
        log.warning("could not take back roles in guild %s from member %s: %s", guild.id, user_id, problem)
        return
    try:
        member = await guild.fetch_member(user_id)
        await member.remove_roles(*roles, reason=reason)
    except discord.NotFound:
        pass
    except discord.HTTPException as error:
        log.warning("could not take back roles in guild %s from member %s: %s", guild.id, user_id, error)
