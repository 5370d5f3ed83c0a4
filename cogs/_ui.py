"""Discord building blocks shared by the cogs: owned views, modals, embed helpers."""

from __future__ import annotations

from typing import Any

import discord

from bot.app import report_error
from bot.text import EMBED_FIELD_NAME, EMBED_FIELD_VALUE, EMBED_FIELDS, EMBED_TOTAL


class OwnedView(discord.ui.View):
    """A view whose buttons only the member it was made for may press."""

    def __init__(self, owner_id: int, *, timeout: float | None = 120) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(
            "These buttons belong to someone else's request.", ephemeral=True
        )
        return False

    async def on_error(
        self, interaction: discord.Interaction[Any], error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        await report_error(interaction, error)


class Modal(discord.ui.Modal):
    """A modal whose errors reach the one error handler."""

    # discord.py's Modal narrows BaseView.on_error (no item argument); mirror it.
    async def on_error(self, interaction: discord.Interaction[Any], error: Exception) -> None:  # type: ignore[override]
        await report_error(interaction, error)


def add_field(embed: discord.Embed, name: str, value: str, *, inline: bool = True) -> None:
    """Add a field only if it fits Discord's limits; overflow is dropped, not sent."""
    if not value or len(embed.fields) >= EMBED_FIELDS:
        return
    name, value = name[:EMBED_FIELD_NAME], value[:EMBED_FIELD_VALUE]
    if len(embed) + len(name) + len(value) > EMBED_TOTAL:
        return
    embed.add_field(name=name, value=value, inline=inline)
