"""How a verification verdict looks in Discord. Everything from the issuer is untrusted text."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

import discord

from bot.text import EMBED_DESCRIPTION, EMBED_FIELD_VALUE, EMBED_TITLE, escape, join_clipped, safe
from bot.verification.verdict import Status, Verdict
from cogs._ui import add_field

STYLE: dict[Status, tuple[discord.Colour, str]] = {
    Status.VALID: (discord.Colour.green(), "✅"),
    Status.INVALID: (discord.Colour.red(), "❌"),
    Status.REVOKED: (discord.Colour.dark_red(), "⛔"),
    Status.EXPIRED: (discord.Colour.orange(), "⌛"),
    Status.NOT_YET_VALID: (discord.Colour.orange(), "🕒"),
    Status.UNVERIFIABLE: (discord.Colour.light_grey(), "❔"),
    Status.REFUSED: (discord.Colour.dark_grey(), "🚫"),
}
_MARK = {True: "✓", False: "✗", None: "–"}
MAX_CHECK_FIELDS = 3


def _date(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d}" if value is not None else ""


def _host(url: str | None) -> str:
    try:
        return urlsplit(url).hostname or "" if url else ""
    except ValueError:
        return ""


def _check_fields(verdict: Verdict) -> list[str]:
    """The checks as lines, packed into as few field values as fit."""
    fields: list[str] = []
    current = ""
    for check in verdict.checks:
        line = f"{_MARK[check.ok]} {safe(check.name, 60)}"
        if check.detail:
            line += f": {safe(check.detail, 200)}"
        if current and len(current) + 1 + len(line) > EMBED_FIELD_VALUE:
            fields.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        fields.append(current)
    return fields[:MAX_CHECK_FIELDS]


def verdict_embed(verdict: Verdict) -> discord.Embed:
    colour, emoji = STYLE[verdict.status]
    name = verdict.credential.name if verdict.credential and verdict.credential.name else "Credential"
    embed = discord.Embed(
        title=safe(f"{emoji} {verdict.status.value} · {name}", EMBED_TITLE),
        description=safe(verdict.message, EMBED_DESCRIPTION),
        colour=colour,
    )
    issuer = verdict.issuer
    if issuer is not None and (issuer.name or issuer.url):
        host = _host(issuer.url or issuer.id)
        text = safe(issuer.name or host, 200) + (f" ({escape(host)})" if host and issuer.name else "")
        add_field(embed, "Issuer", text)
    credential = verdict.credential
    if credential is not None:
        add_field(embed, "Skills", join_clipped([escape(s) for s in credential.skills], 1024), inline=False)
        add_field(embed, "Issued", _date(credential.issued_on))
        add_field(embed, "Expires", _date(credential.expires))
    recipient = verdict.recipient
    if recipient is not None:
        matched = {True: "matches your email", False: "does not match your email", None: "not checked"}
        add_field(embed, "Recipient", matched[recipient.matched])
    if verdict.format:
        add_field(embed, "Format", escape(verdict.format))
    for index, value in enumerate(_check_fields(verdict)):
        add_field(embed, "Checks" if index == 0 else "Checks (continued)", value, inline=False)
    embed.set_footer(text=f"reason: {verdict.reason}"[:200])
    return embed
