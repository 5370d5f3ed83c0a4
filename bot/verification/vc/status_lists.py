"""Status lists as served: a fetched body parsed, its proof checked, decoded into a list credcord reads.

A Bitstring or StatusList2021 list becomes a ``Bitstring`` (its GZIP bitstring inflated, capped at
``MAX_LIST_BYTES``), a 1EdTech revocation list a ``RevocationList``. Anything that stops a list from being
read raises ``StatusUnknown`` with the stable reason code ``StatusChecker`` answers with.
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from bot.verification.fetcher import FetchSession
from bot.verification.jsonsafe import JsonError, parse_json
from bot.verification.jws import looks_like_compact_jws
from bot.verification.ob2 import strings
from bot.verification.steps import clip

ListVerifier = Callable[[Mapping[str, Any] | str, FetchSession], Awaitable[Mapping[str, Any] | None]]
"""Verifies a fetched status list credential (a JSON object, or a VC-JWT's compact text): proof and dates.

Returns the verified credential JSON (for a JWT its ``vc`` claim or payload, with ``issuer``), or None.
"""

BITSTRING_ENTRY: Final = "BitstringStatusListEntry"
STATUS_LIST_2021_ENTRY: Final = "StatusList2021Entry"
REVOCATION_LIST_ENTRY: Final = "1EdTechRevocationList"

MAX_LIST_BYTES: Final = 2 << 20  # an inflated bitstring: 16.7 million one-bit entries

_LIST_TYPES: Final = {
    BITSTRING_ENTRY: "BitstringStatusListCredential",
    STATUS_LIST_2021_ENTRY: "StatusList2021Credential",
}
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_GZIP_MAGIC: Final = b"\x1f\x8b"


class StatusUnknown(Exception):
    """A status entry or list that cannot be checked; ``StatusChecker`` answers it with state "unknown".

    ``own_budget``: the fetch ran out of the verification's fetch budget, which says nothing about the list.
    """

    def __init__(self, reason: str, detail: str, *, own_budget: bool = False) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.own_budget = own_budget


@dataclass(frozen=True, slots=True)
class Bitstring:
    issuer: str
    purposes: frozenset[str]
    bits: bytes

    @property
    def size(self) -> int:
        return len(self.bits)

    def value(self, index: int, status_size: int, url: str) -> int:
        start = index * status_size
        if start + status_size > len(self.bits) * 8:
            message = f"The status list at {clip(url)} has no entry {index}."
            raise StatusUnknown("status_index_out_of_range", message)
        value = 0
        for position in range(start, start + status_size):
            value = value << 1 | (self.bits[position >> 3] >> (7 - (position & 7))) & 1
        return value


@dataclass(frozen=True, slots=True)
class RevocationList:
    issuer: str
    revoked: dict[str, str | None]  # credential id -> the issuer's reason, if given

    @property
    def size(self) -> int:
        return sum(len(key) + len(reason or "") for key, reason in self.revoked.items())


StatusList = Bitstring | RevocationList


def _issuer_of(value: Any) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("id")
    return value.strip() if isinstance(value, str) and value.strip() else None


def parse_body(body: bytes, url: str) -> Mapping[str, Any] | str:
    """A list as served: a JSON object, or the compact text of a VC-JWT."""
    text = body.lstrip()
    if text.startswith(b"{"):
        try:
            document = parse_json(body)
        except JsonError as error:
            raise StatusUnknown(
                "status_list_malformed", f"The status list at {clip(url)} is not valid JSON ({error.reason})."
            ) from None
        if isinstance(document, dict):
            return document
    else:
        try:
            compact = text.rstrip().decode("ascii")
        except UnicodeDecodeError:
            compact = ""
        if looks_like_compact_jws(compact):
            return compact
    raise StatusUnknown(
        "status_list_malformed", f"The status list at {clip(url)} is neither a JSON object nor a JWT."
    )


async def _verified(
    document: Mapping[str, Any] | str, url: str, session: FetchSession, verify_list: ListVerifier
) -> Mapping[str, Any]:
    verified = await verify_list(document, session)
    if verified is None:
        raise StatusUnknown("status_list_unverified", f"The status list at {clip(url)} does not verify.")
    return verified


async def read_bitstring(
    document: Mapping[str, Any] | str,
    entry_type: str,
    url: str,
    session: FetchSession,
    verify_list: ListVerifier,
) -> tuple[Bitstring, float | None]:
    """The verified list's bits, and how long the issuer allows it to be cached (None: no limit given)."""
    credential = await _verified(document, url, session, verify_list)
    expected = _LIST_TYPES[entry_type]
    if expected not in strings(credential.get("type")):
        raise StatusUnknown("status_list_malformed", f"The status list at {clip(url)} is not a {expected}.")
    issuer = _issuer_of(credential.get("issuer"))
    if issuer is None:
        raise StatusUnknown("status_list_malformed", f"The status list at {clip(url)} names no issuer.")
    subject = credential.get("credentialSubject")
    if isinstance(subject, list) and len(subject) == 1:
        subject = subject[0]
    if not isinstance(subject, Mapping) or not isinstance(subject.get("encodedList"), str):
        raise StatusUnknown("status_list_malformed", f"The status list at {clip(url)} has no encodedList.")
    purposes = frozenset(purpose.strip().lower() for purpose in strings(subject.get("statusPurpose")))
    bits = _decode_list(subject["encodedList"], url)
    ttl = subject.get("ttl")  # milliseconds
    list_ttl = ttl / 1000 if isinstance(ttl, int) and not isinstance(ttl, bool) and ttl > 0 else None
    return Bitstring(issuer, purposes, bits), list_ttl


def _decode_list(encoded: str, url: str) -> bytes:
    """The bitstring of an ``encodedList``: optional multibase ``u``, base64url, GZIP (inflation capped)."""
    text = encoded.strip()
    # Multibase base64url carries a "u"; StatusList2021 lists carry none. GZIP in base64 starts "H4sI".
    text = text.removeprefix("u")
    if not _BASE64URL.fullmatch(text):
        raise StatusUnknown("status_list_malformed", f"The encodedList of {clip(url)} is not base64url.")
    try:
        compressed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise StatusUnknown(
            "status_list_malformed", f"The encodedList of {clip(url)} is not base64url."
        ) from None
    if not compressed.startswith(_GZIP_MAGIC):
        raise StatusUnknown(
            "status_list_malformed", f"The encodedList of {clip(url)} is not GZIP-compressed."
        )
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        bits = inflater.decompress(compressed, MAX_LIST_BYTES + 1)
    except zlib.error:
        raise StatusUnknown(
            "status_list_malformed", f"The encodedList of {clip(url)} is corrupt GZIP."
        ) from None
    if len(bits) > MAX_LIST_BYTES or inflater.unconsumed_tail:
        message = f"The status list at {clip(url)} inflates to more than {MAX_LIST_BYTES >> 20} MiB."
        raise StatusUnknown("status_list_malformed", message)
    if not inflater.eof or inflater.unused_data:
        raise StatusUnknown(
            "status_list_malformed", f"The encodedList of {clip(url)} is truncated or has trailing data."
        )
    return bits


async def read_revocation_list(
    document: Mapping[str, Any] | str, url: str, session: FetchSession, verify_list: ListVerifier
) -> RevocationList:
    """A 1EdTech revocation list; one that carries a proof (or is a JWT) must verify."""
    if isinstance(document, str) or "proof" in document:
        document = await _verified(document, url, session, verify_list)
    issuer = _issuer_of(document.get("issuer"))
    if issuer is None:
        raise StatusUnknown("status_list_malformed", f"The revocation list at {clip(url)} names no issuer.")
    items = document.get("revokedCredentials")
    if not isinstance(items, list):
        raise StatusUnknown(
            "status_list_malformed", f"The revocation list at {clip(url)} has no revokedCredentials."
        )
    revoked: dict[str, str | None] = {}
    for item in items:
        if isinstance(item, str) and item.strip():
            revoked[item.strip()] = None
        elif (
            isinstance(item, Mapping) and isinstance(item.get("id"), str) and item.get("revoked") is not False
        ):
            reason = item.get("revocationReason")
            revoked[item["id"].strip()] = reason if isinstance(reason, str) and reason.strip() else None
    return RevocationList(issuer, revoked)
