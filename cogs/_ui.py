"""Discord building blocks shared by the cogs: owned views, pages, persistent buttons, modals, embeds."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

import discord
from discord import app_commands

from bot.app import CredcordBot, report_error
from bot.text import EMBED_FIELD_NAME, EMBED_FIELD_VALUE, EMBED_FIELDS, EMBED_TOTAL

ChoiceValue = TypeVar("ChoiceValue", str, int, float)

# Discord's limits on autocomplete: 25 choices, names of at most 100 characters.
MAX_CHOICES = 25
MAX_CHOICE_NAME = 100


def bot_of(interaction: discord.Interaction[Any]) -> CredcordBot:
    """The bot behind a button or form, which discord.py types only as a client."""
    bot = interaction.client
    assert isinstance(bot, CredcordBot)
    return bot


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


class Pages(OwnedView):
    """Text pages with Previous and Next buttons that only the member who asked can press."""

    def __init__(
        self, owner_id: int, title: str, pages: list[str], *, footer: str, colour: discord.Colour
    ) -> None:
        super().__init__(owner_id)
        self.title = title
        self.pages = pages
        self.footer = footer
        self.colour = colour
        self.index = 0
        self._sync()

    def embed(self) -> discord.Embed:
        embed = discord.Embed(title=self.title, description=self.pages[self.index], colour=self.colour)
        embed.set_footer(text=f"Page {self.index + 1}/{len(self.pages)} · {self.footer}")
        return embed

    async def send(self, interaction: discord.Interaction[Any]) -> None:
        """Show the first page privately, with the buttons only when there is another page to turn to."""
        view = self if len(self.pages) > 1 else discord.utils.MISSING
        if interaction.response.is_done():
            await interaction.followup.send(embed=self.embed(), view=view, ephemeral=True)
        else:
            await interaction.response.send_message(embed=self.embed(), view=view, ephemeral=True)

    def _sync(self) -> None:
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index >= len(self.pages) - 1

    async def _turn(self, interaction: discord.Interaction[Any], step: int) -> None:
        self.index = max(0, min(len(self.pages) - 1, self.index + step))
        self._sync()
        await interaction.response.edit_message(embed=self.embed(), view=self)

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Pages]) -> None:
        await self._turn(interaction, -1)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Pages]) -> None:
        await self._turn(interaction, 1)


# The base is never registered with the bot, so its own template is one that matches no custom id.
class PersistentButton(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=r"(?!)"):
    """A button that keeps working after a restart: its custom id carries all it acts on.

    A subclass gives its ``template`` (``feature:action:id…``), rebuilds itself in ``from_custom_id`` and
    does its work in ``press``; refusals and failures there reach the one error handler.
    """

    def __init__(
        self, custom_id: str, label: str, style: discord.ButtonStyle, *, emoji: str | None = None
    ) -> None:
        super().__init__(discord.ui.Button(label=label, style=style, emoji=emoji, custom_id=custom_id))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            await self.press(interaction)
        except Exception as error:
            await report_error(interaction, error)

    async def press(self, interaction: discord.Interaction[Any]) -> None:
        raise NotImplementedError


class Modal(discord.ui.Modal):
    """A modal whose errors reach the one error handler."""

    # discord.py's Modal narrows BaseView.on_error (no item argument); mirror it.
    async def on_error(self, interaction: discord.Interaction[Any], error: Exception) -> None:  # type: ignore[override]
        await report_error(interaction, error)


def choices_containing(
    current: str, options: Iterable[tuple[str, ChoiceValue]]
) -> list[app_commands.Choice[ChoiceValue]]:
    """Autocomplete choices (name, value) whose name holds what the member typed, in order, at most 25."""
    typed = current.strip().casefold()
    named = ((name[:MAX_CHOICE_NAME], value) for name, value in options)
    return [app_commands.Choice(name=name, value=value) for name, value in named if typed in name.casefold()][
        :MAX_CHOICES
    ]


async def skill_choices(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    """Autocomplete for a skill option: the curated skills that best match what the member typed."""
    skills = bot_of(interaction).services.skills.suggest(current)
    return [
        app_commands.Choice(name=s.name[:MAX_CHOICE_NAME], value=s.name[:MAX_CHOICE_NAME]) for s in skills
    ]


def add_field(embed: discord.Embed, name: str, value: str, *, inline: bool = True) -> None:
    """Add a field only if it fits Discord's limits; overflow is dropped, not sent."""
    if not value or len(embed.fields) >= EMBED_FIELDS:
        return
    name, value = name[:EMBED_FIELD_NAME], value[:EMBED_FIELD_VALUE]
    if len(embed) + len(name) + len(value) > EMBED_TOTAL:
        return
    embed.add_field(name=name, value=value, inline=inline)
