"""Compact JWS (RFC 7515) as Open Badges 2.0 signed assertions and VC-JWT credentials use it.

Only algorithms on an allow-list are accepted (``ALLOWED_ALGORITHMS``, RS256, for Open Badges 2.0;
the VC-JWT path passes its own): ``none`` and every HMAC algorithm are refused before any key is looked
at, so a token "signed" with an issuer's public PEM as an HMAC secret never verifies. For Open Badges 2.0
keys come only from the issuer's Profile, never from ``jwk``/``jku``/``x5u`` header fields.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from bot.verification.jsonsafe import JsonError, parse_json

ALLOWED_ALGORITHMS = frozenset({"RS256"})
MIN_RSA_KEY_BITS = 2048

_COMPACT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


class JwsError(ValueError):
    """A token or key that cannot be used; ``reason`` is a verdict reason code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class CompactJws:
    header: dict[str, Any]
    payload: bytes
    signing_input: bytes
    signature: bytes

    @property
    def algorithm(self) -> str:
        return str(self.header["alg"])


def looks_like_compact_jws(text: str) -> bool:
    """True when ``text`` has the three base64url segments of a compact JWS."""
    return _COMPACT.fullmatch(text) is not None


def _b64url_decode(segment: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError) as error:
        raise JwsError("malformed_jws", "A part of the signed badge is not valid base64url.") from error


def parse_compact_jws(token: str, *, allowed: frozenset[str] = ALLOWED_ALGORITHMS) -> CompactJws:
    """Split and decode ``token``, refusing algorithms not in ``allowed`` and unsupported header features."""
    token = token.strip()
    if not looks_like_compact_jws(token):
        raise JwsError("malformed_jws", "The signed badge is not a compact JWS (three base64url parts).")
    encoded_header, encoded_payload, encoded_signature = token.split(".")
    try:
        header = parse_json(_b64url_decode(encoded_header), max_bytes=16 * 1024, max_depth=8)
    except JsonError as error:
        raise JwsError("malformed_jws", "The signed badge's header is not valid JSON.") from error
    if not isinstance(header, dict):
        raise JwsError("malformed_jws", "The signed badge's header is not a JSON object.")
    algorithm = header.get("alg")
    if not isinstance(algorithm, str) or algorithm not in allowed:
        accepted = ", ".join(sorted(allowed))
        raise JwsError(
            "unsupported_algorithm",
            f"The signed badge uses the algorithm {str(algorithm)[:20]!r}; only {accepted} is accepted.",
        )
    # An unencoded payload (b64: false) or a critical extension would change what the signature covers.
    if "crit" in header or header.get("b64", True) is not True:
        raise JwsError("unsupported_header", "The signed badge uses JWS header extensions we do not support.")
    return CompactJws(
        header=header,
        payload=_b64url_decode(encoded_payload),
        signing_input=f"{encoded_header}.{encoded_payload}".encode("ascii"),
        signature=_b64url_decode(encoded_signature),
    )


def peek_payload(token: str) -> Any:
    """The JSON payload of a compact JWS, unchecked, to tell formats apart (None when unreadable)."""
    try:
        return parse_json(_b64url_decode(token.strip().split(".")[1]))
    except (JsonError, JwsError, IndexError):
        return None


def load_rsa_public_key(pem: str) -> rsa.RSAPublicKey:
    """The RSA public key in ``pem``; refuses other key types and keys shorter than 2048 bits."""
    try:
        key = serialization.load_pem_public_key(pem.encode("utf-8"))
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise JwsError("bad_key", "The issuer's public key is not a readable PEM public key.") from error
    if not isinstance(key, rsa.RSAPublicKey):
        raise JwsError("bad_key", "The issuer's public key is not an RSA key, which RS256 requires.")
    if key.key_size < MIN_RSA_KEY_BITS:
        raise JwsError("weak_key", f"The issuer's RSA key has only {key.key_size} bits; 2048 are required.")
    return key


def signature_is_valid(jws: CompactJws, key: rsa.RSAPublicKey) -> bool:
    """Whether ``jws`` was signed (RS256) by the private half of ``key``."""
    try:
        key.verify(jws.signature, jws.signing_input, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True
