"""Making untrusted text safe to show in Discord.

Member and issuer text is shown literally: markdown is escaped so a bio cannot
fake a link, and mention syntax is broken so ``@everyone`` or ``<@&role>`` stays
text even where a client would render it. (The client also sends
``AllowedMentions.none()``, so nothing pings either way.)
"""

from __future__ import annotations

import re

# Discord's documented limits; exceeding any of them makes the API reject the message.
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
EMBED_FIELD_NAME = 256
EMBED_FIELD_VALUE = 1024
EMBED_FOOTER = 2048
EMBED_AUTHOR = 256
EMBED_TOTAL = 6000
MESSAGE_CONTENT = 2000
# What a badge without a name is called wherever it is shown or stored as evidence.
UNTITLED_BADGE = "Untitled badge"

_MARKDOWN = re.compile(r"([\\*_~`|>#\-\[\]()<])")
_MASS_MENTION = re.compile(r"@(everyone|here)", re.IGNORECASE)
_ELLIPSIS = "…"


def escape(text: str) -> str:
    """Escape markdown and neutralise mentions so ``text`` renders literally."""
    escaped = _MARKDOWN.sub(r"\\\1", text)
    # A zero-width space after the @ keeps @everyone from ever being a mention.
    return _MASS_MENTION.sub("@\u200b\\1", escaped)


def clip(text: str, limit: int) -> str:
    """Shorten ``text`` to at most ``limit`` characters, marking the cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    # Never leave a dangling escape backslash that would swallow the ellipsis.
    if cut.endswith("\\") and not cut.endswith("\\\\"):
        cut = cut[:-1]
    return cut + _ELLIPSIS


def safe(text: str, limit: int) -> str:
    """Escape, then clip to ``limit``: the usual treatment for embed text."""
    return clip(escape(text), limit)


def join_clipped(items: list[str], limit: int, *, separator: str = ", ") -> str:
    """Join ``items`` until ``limit``, ending with how many did not fit."""
    out = ""
    for index, item in enumerate(items):
        piece = item if not out else separator + item
        rest = len(items) - index
        suffix = f"{separator}… and {rest} more" if rest > 1 else ""
        if len(out) + len(piece) + len(suffix) > limit:
            tail = f"… and {rest} more"
            return (out + separator + tail) if out else clip(tail, limit)
        out += piece
    return out
