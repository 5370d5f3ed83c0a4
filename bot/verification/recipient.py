"""Recipient binding: does a badge's IdentityObject name one of the member's email addresses?

Issuers hash the address they know (``sha256$<hex>`` or ``md5$<hex>`` of address + salt) and differ in
whether they lower-case it first, so each address is tried as given and trimmed-and-lower-cased. Hex
digits and the algorithm label compare case-insensitively; plaintext identities compare case-insensitively
because mail systems treat addresses that way in practice.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Iterable, Sequence

_HASH_PATTERN = re.compile(r"^(sha256|md5)\$([0-9a-f]+)$", re.IGNORECASE)
_HEX_LENGTHS = {"sha256": 64, "md5": 32}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _md5(data: bytes) -> str:
    # md5 here reproduces what an issuer published; it protects nothing of ours.
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


_HASHERS: dict[str, Callable[[bytes], str]] = {"sha256": _sha256, "md5": _md5}


def is_identity_hash(identity: str) -> bool:
    """True when ``identity`` is a well-formed ``sha256$…`` or ``md5$…`` hash."""
    match = _HASH_PATTERN.match(identity)
    return match is not None and len(match.group(2)) == _HEX_LENGTHS[match.group(1).lower()]


def email_candidates(emails: Iterable[str]) -> tuple[str, ...]:
    """Each address as given and trimmed-and-lower-cased, without duplicates, in a stable order."""
    seen: dict[str, None] = {}
    for email in emails:
        if email.strip():
            seen.setdefault(email, None)
            seen.setdefault(email.strip().lower(), None)
    return tuple(seen)


def identity_matches(identity: str, *, hashed: bool, salt: str | None, emails: Sequence[str]) -> bool:
    """Whether any of ``emails`` is the address behind ``identity``."""
    candidates = email_candidates(emails)
    if not hashed:
        wanted = identity.strip().lower()
        return bool(wanted) and any(candidate.strip().lower() == wanted for candidate in candidates)
    match = _HASH_PATTERN.match(identity.strip())
    if match is None:
        return False
    hasher = _HASHERS[match.group(1).lower()]
    expected = match.group(2).lower()
    suffix = salt or ""
    return any(
        hmac.compare_digest(hasher((candidate + suffix).encode()), expected) for candidate in candidates
    )
