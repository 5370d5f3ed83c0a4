"""Badge data baked into PNG and SVG images, per the Open Badges 2.0 and 3.0 baking specifications.

PNG: an ``iTXt`` chunk with keyword ``openbadges`` (2.0) or ``openbadgecredential`` (3.0: the credential
JSON or a VC-JWT), uncompressed only: a compressed chunk is refused without inflating it, so a tiny image
cannot expand into gigabytes; or a legacy ``tEXt`` chunk. Chunks are walked with bounds checks; CRCs are
not checked because a bad CRC changes nothing about what we verify.

SVG: an ``<openbadges:assertion>`` element (2.0) whose ``verify`` attribute holds a URL or a JWS, or whose
text holds the assertion JSON or JWS; or an ``<openbadges:credential>`` element (3.0, namespace
``https://purl.imsglobal.org/ob/v3p0``) whose text holds the credential JSON or VC-JWT. Parsing goes through
``defusedxml`` with DTDs, entities and external references forbidden, which stops entity-expansion bombs
and external entity reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from xml.etree.ElementTree import ParseError

import defusedxml
import defusedxml.ElementTree

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_OPENBADGES_KEYWORDS = frozenset({b"openbadges", b"openbadgecredential"})
_MAX_CHUNK_LENGTH = 0x7FFFFFFF  # the PNG specification's limit
_SVG_ASSERTION_TAGS = frozenset({"{http://openbadges.org}assertion", "{https://openbadges.org}assertion"})
_SVG_CREDENTIAL_TAGS = frozenset({"{https://purl.imsglobal.org/ob/v3p0}credential"})


class BakedError(ValueError):
    """No usable badge data in an image; ``reason`` is a verdict reason code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class BakedBadge:
    container: Literal["png", "svg"]
    location: str  # where in the image the content was found, for the verdict's checks
    content: str


def is_png(data: bytes) -> bool:
    return data.startswith(PNG_SIGNATURE)


def looks_like_xml(data: bytes) -> bool:
    return data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def extract_baked(data: bytes) -> BakedBadge:
    """The badge content baked into a PNG or SVG image."""
    if is_png(data):
        return extract_from_png(data)
    if looks_like_xml(data):
        return extract_from_svg(data)
    raise BakedError("unrecognized_input", "The image is neither a PNG nor an SVG file.")


def extract_from_png(data: bytes) -> BakedBadge:
    """The ``openbadges`` or ``openbadgecredential`` text chunk of a PNG image."""
    if not is_png(data):
        raise BakedError("malformed_image", "The file does not start with the PNG signature.")
    position = len(PNG_SIGNATURE)
    while position < len(data):
        if position + 12 > len(data):
            raise BakedError("malformed_image", "The PNG image ends in the middle of a chunk header.")
        length = int.from_bytes(data[position : position + 4], "big")
        chunk_type = data[position + 4 : position + 8]
        end = position + 8 + length
        if length > _MAX_CHUNK_LENGTH or end + 4 > len(data) or not chunk_type.isalpha():
            raise BakedError("malformed_image", "The PNG image has a damaged or truncated chunk.")
        found = _openbadges_text(chunk_type, data[position + 8 : end])
        if found is not None:
            return found
        if chunk_type == b"IEND":
            break
        position = end + 4
    raise BakedError("no_badge_data", "The PNG image carries no Open Badges data.")


def _openbadges_text(chunk_type: bytes, body: bytes) -> BakedBadge | None:
    keyword, separator, rest = body.partition(b"\0")
    if keyword not in _OPENBADGES_KEYWORDS or not separator:
        return None
    if chunk_type == b"zTXt":
        raise BakedError("compressed_chunk", "The PNG image's badge data is compressed, which we refuse.")
    if chunk_type == b"tEXt":
        return BakedBadge("png", "tEXt chunk", rest.decode("latin-1"))
    if chunk_type != b"iTXt":
        return None
    if len(rest) < 2:
        raise BakedError("malformed_image", "The PNG image's iTXt chunk is truncated.")
    if rest[0] != 0:
        raise BakedError("compressed_chunk", "The PNG image's badge data is compressed, which we refuse.")
    _language, _, after_language = rest[2:].partition(b"\0")
    _translated, _, text = after_language.partition(b"\0")
    try:
        return BakedBadge("png", "iTXt chunk", text.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise BakedError("malformed_image", "The PNG image's iTXt chunk is not UTF-8 text.") from error


def extract_from_svg(data: bytes) -> BakedBadge:
    """The ``openbadges:assertion`` or ``openbadges:credential`` element of an SVG image."""
    try:
        root = defusedxml.ElementTree.fromstring(data, forbid_dtd=True, forbid_entities=True)
    except defusedxml.DefusedXmlException as error:
        raise BakedError(
            "unsafe_xml", "The SVG image declares a DTD, entities or external references, which we refuse."
        ) from error
    except (ParseError, ValueError) as error:
        raise BakedError("malformed_image", "The SVG image is not well-formed XML.") from error
    for element in root.iter():
        if element.tag in _SVG_CREDENTIAL_TAGS:
            text = "".join(element.itertext()).strip()
            if text:
                return BakedBadge("svg", "credential element", text)
            continue
        if element.tag not in _SVG_ASSERTION_TAGS:
            continue
        verify = (element.get("verify") or "").strip()
        if verify:
            return BakedBadge("svg", "verify attribute", verify)
        text = "".join(element.itertext()).strip()
        if text:
            return BakedBadge("svg", "assertion element", text)
    raise BakedError("no_badge_data", "The SVG image carries no Open Badges data.")
