"""/verify: check a badge URL or a baked badge image against its issuer."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import CredcordBot
from bot.errors import InvalidInput
from bot.lookups import LookupService
from cogs._verdict import verdict_embed

Interaction = discord.Interaction[CredcordBot]

MAX_IMAGE_BYTES = 5 * 1024 * 1024
IMAGE_TYPES = {"image/png": ".png", "image/svg+xml": ".svg"}
MAX_URL = 2000
# Help text of the options every command taking a badge shares (/verify, /badge add).
SOURCE_OPTIONS = {
    "url": "Link to the badge (an Open Badges assertion or a badge page)",
    "image": "A baked badge image (PNG or SVG, up to 5 MiB)",
    "email": "Email the badge was issued to (default: the emails saved in your profile)",
}


def badge_source(url: str | None, image: discord.Attachment | None) -> str | discord.Attachment:
    """Exactly one of a URL or an image, with the image checked before any download."""
    if (url is None) == (image is None):
        raise InvalidInput("source", "give either a badge url or a badge image, not both or neither")
    if url is not None:
        url = url.strip()
        if not url.lower().startswith(("https://", "http://")) or len(url) > MAX_URL:
            raise InvalidInput("url", "must be an http(s) link to a badge, at most 2000 characters")
        return url
    assert image is not None
    media_type = (image.content_type or "").split(";")[0].strip().lower()
    if media_type not in IMAGE_TYPES and not image.filename.lower().endswith((".png", ".svg")):
        raise InvalidInput("image", "must be a PNG or SVG badge image")
    if image.size > MAX_IMAGE_BYTES:
        raise InvalidInput("image", f"is {image.size / 1048576:.1f} MiB; badge images may be at most 5 MiB")
    return image


@app_commands.guild_only()
class VerifyCog(commands.Cog):
    def __init__(self, lookups: LookupService) -> None:
        self.lookups = lookups

    @app_commands.command(name="verify")
    @app_commands.describe(**SOURCE_OPTIONS)
    async def verify(
        self,
        interaction: Interaction,
        url: str | None = None,
        image: discord.Attachment | None = None,
        email: app_commands.Range[str, 3, 254] | None = None,
    ) -> None:
        """Verify a badge with its issuer: signature, revocation, expiry and recipient."""
        assert interaction.guild_id is not None
        source = badge_source(url, image)
        emails = await self.lookups.reserve(interaction.guild_id, interaction.user.id, email)
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = source if isinstance(source, str) else await source.read()
        verdict = await self.lookups.verify(data, emails)
        await interaction.followup.send(embed=verdict_embed(verdict), ephemeral=True)


async def setup(bot: CredcordBot) -> None:
    await bot.add_cog(VerifyCog(bot.services.lookups))
