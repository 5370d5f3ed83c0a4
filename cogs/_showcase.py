"""How a badge looks in the showcase channel: the post, its buttons, and the persistent Congratulate button.

Everything on a badge came from its issuer or its owner, so it is untrusted text: escaped, clipped, and
only http(s) URLs become images or links.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any, Self

import discord

from bot.app import CredcordBot, send_ephemeral
from bot.badges import Badge, ShowcaseMessage
from bot.text import EMBED_DESCRIPTION, EMBED_TITLE, escape, join_clipped, safe
from bot.verification.verdict import Status
from cogs._ui import PersistentButton, add_field, bot_of
from cogs._verdict import STYLE

log = logging.getLogger(__name__)

# Discord refuses link buttons whose URL is longer than this.
MAX_LINK_URL = 512
FORMATS = {"ob2-hosted": ("Open Badges 2.0", "hosted by"), "ob2-signed": ("Open Badges 2.0", "signed by")}
SELF_REPORTED = "Self-reported: the issuer publishes nothing credcord can verify, so it earns no roles."


def _http(url: str | None) -> str | None:
    return url if url is not None and url.lower().startswith(("https://", "http://")) else None


def _host(url: str | None) -> str | None:
    match = re.match(r"https?://([^/?#:@]+)", url or "", re.IGNORECASE)
    return match.group(1).lower() if match else None


def credential_url(badge: Badge) -> str | None:
    """Where the credential can be seen: the link the member gave, else the credential's own URL."""
    return _http(badge.source) or _http(badge.credential_id)


def verification_line(badge: Badge) -> str:
    if badge.self_reported:
        return SELF_REPORTED
    kind, how = FORMATS.get(badge.format or "", (badge.format or "verified", "from"))
    host = _host(credential_url(badge)) or badge.issuer_host
    line = f"Verified: {escape(kind)}"
    return f"{line}, {how} {escape(host)}" if host else line


def _date(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d}" if value is not None else ""


def status_text(badge: Badge, now: datetime) -> str | None:
    """Why a badge no longer counts, such as ``Revoked on 2026-11-23``; None while it does."""
    if badge.self_reported or badge.counts_at(now):
        return None
    if badge.status is Status.VALID and badge.expires_at is not None:
        return f"Expired on {badge.expires_at:%Y-%m-%d}"
    word = badge.status.value.replace("_", " ").capitalize()
    if badge.status is Status.EXPIRED and badge.expires_at is not None:
        return f"{word} on {badge.expires_at:%Y-%m-%d}"
    return f"{word} on {badge.last_checked_at:%Y-%m-%d}"


def showcase_embed(badge: Badge, now: datetime) -> discord.Embed:
    stale = status_text(badge, now)
    if badge.self_reported:
        colour, title = discord.Colour.light_grey(), f"📝 {badge.title}"
    elif stale is None:
        colour, title = discord.Colour.green(), f"🏅 {badge.title}"
    else:
        colour, emoji = STYLE[badge.status if badge.status is not Status.VALID else Status.EXPIRED]
        title = f"{emoji} {stale} · {badge.title}"
    embed = discord.Embed(
        title=safe(title, EMBED_TITLE),
        description=f"Earned by <@{badge.user_id}>"[:EMBED_DESCRIPTION],
        colour=colour,
    )
    if stale is not None:
        add_field(embed, stale, safe(badge.message, 300), inline=False)
    if badge.issuer_name or badge.issuer_host:
        issuer = safe(badge.issuer_name or badge.issuer_host or "", 200)
        if badge.issuer_name and badge.issuer_host:
            issuer += f" ({escape(badge.issuer_host)})"
        add_field(embed, "Issuer", issuer)
    add_field(embed, "Earned", _date(badge.issued_at))
    add_field(embed, "Expires", _date(badge.expires_at))
    add_field(embed, "Skills", join_clipped([escape(s.name) for s in badge.skills], 1024), inline=False)
    add_field(embed, "Verification", verification_line(badge), inline=False)
    image = _http(badge.image_url)
    if image is not None and len(image) <= 2000:
        embed.set_thumbnail(url=image)
    if badge.congratulations:
        plural = "" if badge.congratulations == 1 else "s"
        embed.set_footer(text=f"🎉 {badge.congratulations} congratulation{plural}")
    return embed


class CongratulateButton(PersistentButton, template=r"badge:congratulate:(?P<badge_id>[0-9]{1,20})"):
    """Anyone but the owner may congratulate a badge, once; the count shows on the button."""

    def __init__(self, badge_id: int, count: int = 0) -> None:
        label = f"Congratulate · {count}" if count else "Congratulate"
        super().__init__(f"badge:congratulate:{badge_id}", label, discord.ButtonStyle.success, emoji="🎉")
        self.badge_id = badge_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        return cls(int(match["badge_id"]))

    async def press(self, interaction: discord.Interaction[Any]) -> None:
        assert interaction.guild_id is not None
        bot = bot_of(interaction)
        badges = bot.services.badges
        result = await badges.congratulate(interaction.guild_id, self.badge_id, interaction.user.id)
        if not result.added:
            await send_ephemeral(interaction, "You have already congratulated this badge. 🎉")
            return
        badge = await badges.get(interaction.guild_id, self.badge_id)
        if badge is None:
            await send_ephemeral(interaction, "This badge has been removed from the showcase.")
            return
        await interaction.response.edit_message(
            embed=showcase_embed(badge, bot.clock()), view=showcase_view(badge)
        )


def showcase_view(badge: Badge) -> discord.ui.View:
    """The post's buttons; fully dynamic, so nothing is held in memory per post."""
    view = discord.ui.View(timeout=None)
    link = credential_url(badge)
    if link is not None and len(link) <= MAX_LINK_URL:
        view.add_item(discord.ui.Button(label="View credential", url=link))
    view.add_item(CongratulateButton(badge.id, badge.congratulations))
    return view


async def delete_post(bot: CredcordBot, post: ShowcaseMessage) -> None:
    """Delete a showcase post; one already gone, or one the bot may no longer delete, is left alone.

    A badge recorded from a member's own message links that message as its post: only the bot's own
    posts are ever deleted, never what a member wrote.
    """
    channel = bot.get_partial_messageable(post.channel_id)
    try:
        message = await channel.fetch_message(post.message_id)
        if bot.user is None or message.author.id != bot.user.id:
            return
        await message.delete()
    except discord.NotFound:
        pass
    except discord.HTTPException as error:
        log.warning(
            "could not delete showcase post %s in channel %s: %s", post.message_id, post.channel_id, error
        )
