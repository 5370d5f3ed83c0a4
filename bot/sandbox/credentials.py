"""Open Badges 2.0 from the issuer's side: documents, RS256 compact JWS signatures and baked PNG images.

The sandbox's demo issuer publishes what these functions build, and the tests' issuer builds on them too, so
the verifier is always checked against one independent implementation of issuing. Documents are plain dicts
shaped as issuers serve them::

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    badge = assertion(url, recipient=identity("ada@example.org", salt="s4lt"), badge=class_url, issued_on=now)
    image = png(itxt(sign_rs256(signed_badge, key)))
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import zlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

CONTEXT: Final = "https://w3id.org/openbadges/v2"
HOSTED: Final = {"type": "hosted"}

# Signatures


def b64url(data: bytes) -> str:
    """Base64url without padding, as JWS segments are written."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signing_input(header: Mapping[str, Any], payload: Mapping[str, Any] | bytes) -> str:
    """The first two segments of a compact JWS: what the signature covers."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return f"{b64url(json.dumps(header).encode())}.{b64url(body)}"


def sign_rs256(payload: Mapping[str, Any] | bytes, key: rsa.RSAPrivateKey) -> str:
    """A compact JWS of ``payload`` signed with RS256, the one algorithm Open Badges 2.0 requires."""
    unsigned = signing_input({"alg": "RS256"}, payload)
    signature = key.sign(unsigned.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{unsigned}.{b64url(signature)}"


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


# Recipients and dates


def identity(
    email: str,
    *,
    hashed: bool = True,
    algorithm: str = "sha256",
    salt: str | None = None,
    upper: bool = False,
    kind: str = "email",
) -> dict[str, Any]:
    """An IdentityObject naming ``email``: hashed (``algorithm$hexdigest`` of email + salt) or plain."""
    if not hashed:
        return {"type": kind, "hashed": False, "identity": email}
    digest = hashlib.new(algorithm, (email + (salt or "")).encode(), usedforsecurity=False).hexdigest()
    result: dict[str, Any] = {
        "type": kind,
        "hashed": True,
        "identity": f"{algorithm}${digest.upper() if upper else digest}",
    }
    if salt is not None:
        result["salt"] = salt
    return result


def iso(moment: datetime | str) -> str:
    """An ISO 8601 UTC timestamp with a ``Z``, the way issuers write ``issuedOn`` and ``expires``."""
    if isinstance(moment, str):
        return moment
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# Documents


def issuer_profile(
    id: str,
    *,
    name: str,
    url: str,
    email: str,
    public_key: str | None = None,
    revocation_list: str | None = None,
) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "@context": CONTEXT,
        "type": "Issuer",
        "id": id,
        "name": name,
        "url": url,
        "email": email,
    }
    if public_key is not None:
        profile["publicKey"] = public_key
    if revocation_list is not None:
        profile["revocationList"] = revocation_list
    return profile


def badge_class(
    id: str,
    *,
    issuer: str,
    name: str,
    description: str,
    image: str,
    criteria: str,
    skills: Sequence[tuple[str, str]] = (),
    tags: Sequence[str] = (),
) -> dict[str, Any]:
    """A BadgeClass; ``skills`` are ``(name, url)`` alignments, which the bot reads as the badge's skills."""
    return {
        "@context": CONTEXT,
        "type": "BadgeClass",
        "id": id,
        "name": name,
        "description": description,
        "image": image,
        "criteria": {"narrative": criteria},
        "issuer": issuer,
        "alignment": [{"targetName": skill, "targetUrl": url} for skill, url in skills],
        "tags": list(tags),
    }


def cryptographic_key(id: str, *, owner: str, key: rsa.RSAPrivateKey) -> dict[str, Any]:
    """The published half of ``key``, as the issuer Profile's ``publicKey`` points at it."""
    return {
        "@context": CONTEXT,
        "type": "CryptographicKey",
        "id": id,
        "owner": owner,
        "publicKeyPem": public_pem(key),
    }


def revocation_list(id: str, *, issuer: str, revoked: Sequence[Any] = ()) -> dict[str, Any]:
    """``revoked`` holds assertion ids, or objects with an ``id`` and a ``revocationReason``."""
    return {
        "@context": CONTEXT,
        "type": "RevocationList",
        "id": id,
        "issuer": issuer,
        "revokedAssertions": list(revoked),
    }


def assertion(
    id: str,
    *,
    recipient: Mapping[str, Any],
    badge: str,
    issued_on: datetime | str,
    verification: Mapping[str, Any] = HOSTED,
    expires: datetime | str | None = None,
    evidence: str | None = None,
) -> dict[str, Any]:
    """An Assertion: hosted at its ``id`` by default, or ``{"type": "signed", "creator": key_url}``."""
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "type": "Assertion",
        "id": id,
        "recipient": dict(recipient),
        "badge": badge,
        "verification": dict(verification),
        "issuedOn": iso(issued_on),
    }
    if expires is not None:
        document["expires"] = iso(expires)
    if evidence is not None:
        document["evidence"] = evidence
    return document


# Baked images


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(*extra_chunks: bytes) -> bytes:
    """A valid 1×1 grey PNG with ``extra_chunks`` placed before the image data."""
    header = png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    pixels = png_chunk(b"IDAT", zlib.compress(b"\x00\x80"))
    return b"\x89PNG\r\n\x1a\n" + header + b"".join(extra_chunks) + pixels + png_chunk(b"IEND", b"")


def itxt(text: str | bytes, *, compressed: bool = False, keyword: bytes = b"openbadges") -> bytes:
    """An iTXt chunk; with the default keyword it bakes a badge (an assertion URL, JSON or JWS) into a PNG.

    ``compressed`` only sets the flag: the caller supplies already-deflated ``text``.
    """
    data = text if isinstance(text, bytes) else text.encode()
    flag = b"\x01\x00" if compressed else b"\x00\x00"
    return png_chunk(b"iTXt", keyword + b"\x00" + flag + b"\x00\x00" + data)
