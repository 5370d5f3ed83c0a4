"""The ``/setup`` command group that every feature's admin commands live under.

A feature adds its admin commands by writing them as an ``app_commands.Group`` subclass (holding the
services it needs) and calling ``add_setup_commands(bot, group)`` from its cog's ``cog_load``, and
``remove_setup_commands`` from ``cog_unload``::

    class WatchSetup(app_commands.Group):
        @app_commands.command(name="watch")
        async def watch(self, interaction: Interaction, channel: discord.TextChannel) -> None:
            require_manage_guild(interaction)
            ...

Discord hides ``/setup`` from members without Manage Server by default, but server admins can change
that in the integration settings, so every command checks again when it runs.
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.errors import NotAllowed

SETUP = "setup"


def require_manage_guild(interaction: discord.Interaction[Any]) -> None:
    """Refuse callers without Manage Server, whatever the server's command permissions say."""
    if not interaction.permissions.manage_guild:
        raise NotAllowed("Only members with the Manage Server permission can change this.")


def cannot_post(guild: discord.Guild, channel: discord.TextChannel) -> str:
    """A warning line for a setup reply when the bot may not post in ``channel``; empty when it may."""
    if channel.permissions_for(guild.me).send_messages:
        return ""
    return f"\n⚠️ I cannot send messages in {channel.mention} yet: give my role access to it."


def setup_group(tree: app_commands.CommandTree[Any]) -> app_commands.Group:
    """The tree's ``/setup`` group, created on first use so features can load in any order."""
    existing = tree.get_command(SETUP)
    if isinstance(existing, app_commands.Group):
        return existing
    group = app_commands.Group(
        name=SETUP,
        description="Set credcord up for this server (Manage Server)",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )
    tree.add_command(group)
    return group


def add_setup_commands(tree: app_commands.CommandTree[Any], commands: app_commands.Group) -> None:
    """Put each of ``commands``' subcommands under ``/setup`` (they stay bound to ``commands``)."""
    group = setup_group(tree)
    for command in commands.commands:
        group.add_command(command)


def remove_setup_commands(tree: app_commands.CommandTree[Any], commands: app_commands.Group) -> None:
    group = setup_group(tree)
    for command in commands.commands:
        group.remove_command(command.name)
    if not group.commands:
        tree.remove_command(SETUP)
