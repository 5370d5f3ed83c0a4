"""What in a message looks like a credential: badge links in its text and badge images attached to it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.verification.providers import Providers

MAX_URLS = 3
MAX_IMAGES = 3
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_URL = 2000
IMAGE_TYPES = frozenset({"image/png", "image/svg+xml"})
IMAGE_SUFFIXES = (".png", ".svg")

_URL = re.compile(r"https?://[^\s<>\"'`|\\]+", re.IGNORECASE)
# Sentence punctuation and markdown that commonly follows a pasted link without being part of it.
_TRAILING = ".,;:!?)]}*_~'\""
# Credential pages of known providers (the verifier's provider table): checked first when a message holds
# more links than the limit.
PROVIDER_PAGES = Providers.bundled().page_patterns()


@dataclass(frozen=True, slots=True)
class AttachmentInfo:
    """What Discord says about an attachment before anything is downloaded."""

    filename: str
    content_type: str | None
    size: int


def credential_urls(
    text: str, *, limit: int = MAX_URLS, pages: Sequence[re.Pattern[str]] = PROVIDER_PAGES
) -> tuple[str, ...]:
    """The http(s) links in ``text`` worth verifying: provider badge ``pages`` first, then the rest in order.

    Duplicates count once and at most ``limit`` are returned, however many links the text holds.
    """
    found: list[str] = []
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
        if len(url) <= MAX_URL and "://" in url and url.split("://", 1)[1] and url not in found:
            found.append(url)
    found.sort(key=lambda url: not any(pattern.match(url) for pattern in pages))
    return tuple(found[:limit])


def is_badge_image(attachment: AttachmentInfo) -> bool:
    """A PNG or SVG (by media type or file name) no larger than badge images may be."""
    media_type = (attachment.content_type or "").split(";")[0].strip().lower()
    looks_like = media_type in IMAGE_TYPES or attachment.filename.lower().endswith(IMAGE_SUFFIXES)
    return looks_like and 0 < attachment.size <= MAX_IMAGE_BYTES


def badge_images(attachments: Sequence[AttachmentInfo], *, limit: int = MAX_IMAGES) -> tuple[int, ...]:
    """Positions of the attachments worth verifying, at most ``limit``; sizes come from the metadata."""
    return tuple(index for index, item in enumerate(attachments) if is_badge_image(item))[:limit]
