"""Public keys as Verifiable Credentials publish them: Multikey (multibase base58btc), JWK and did:key.

Only public material is accepted: a JWK carrying any private member (``d``, ``p``, ``q`` …) or a symmetric
``k`` is refused, so a careless issuer's leaked private key is never silently used as a trust anchor.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey

MIN_RSA_KEY_BITS = 2048
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BASE58_INDEX = {character: index for index, character in enumerate(_BASE58)}
_ED25519_PUB = b"\xed\x01"  # multicodec varint for ed25519-pub
_PRIVATE_JWK_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


class KeyFormatError(ValueError):
    """A key or signature encoding that cannot be used; ``reason`` is a verdict reason code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def base58_decode(text: str) -> bytes:
    number = 0
    for character in text:
        digit = _BASE58_INDEX.get(character)
        if digit is None:
            raise KeyFormatError("bad_key", "a base58 value holds a character outside the alphabet")
        number = number * 58 + digit
    leading = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\x00" * leading + body


def base58_encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    digits = []
    while number:
        number, digit = divmod(number, 58)
        digits.append(_BASE58[digit])
    leading = len(data) - len(data.lstrip(b"\x00"))
    return "1" * leading + "".join(reversed(digits))


def b64url_decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise KeyFormatError("bad_key", "a base64url value is malformed") from error


def multibase_decode(value: str, *, limit: int = 4096) -> bytes:
    """Bytes of a multibase string: ``z`` (base58btc) or ``u`` (base64url, no padding)."""
    if len(value) > limit:
        raise KeyFormatError("bad_encoding", "a multibase value is too long")
    if value.startswith("z"):
        return base58_decode(value[1:])
    if value.startswith("u"):
        return b64url_decode(value[1:])
    raise KeyFormatError(
        "bad_encoding", "a multibase value uses an encoding other than base58btc or base64url"
    )


def multikey_ed25519(value: Any) -> ed25519.Ed25519PublicKey:
    """An Ed25519 public key from ``publicKeyMultibase`` (``z6Mk…``)."""
    if not isinstance(value, str):
        raise KeyFormatError("bad_key", "the key's publicKeyMultibase is not text")
    raw = multibase_decode(value)
    if not raw.startswith(_ED25519_PUB) or len(raw) != 34:
        raise KeyFormatError("unsupported_key", "the key is not an Ed25519 Multikey")
    return ed25519.Ed25519PublicKey.from_public_bytes(raw[2:])


def ed25519_multikey(key: ed25519.Ed25519PublicKey) -> str:
    """``publicKeyMultibase`` of an Ed25519 public key (for did:key and controller documents)."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "z" + base58_encode(_ED25519_PUB + raw)


def jwk_public_key(jwk: Any) -> PublicKey:
    """The public key of a JWK (OKP Ed25519, EC P-256, RSA ≥ 2048 bits), refusing private members."""
    if not isinstance(jwk, Mapping):
        raise KeyFormatError("bad_key", "the JWK is not a JSON object")
    if _PRIVATE_JWK_MEMBERS & set(jwk):
        raise KeyFormatError("private_key", "the JWK holds private key material, which is never trusted")
    kty, crv = jwk.get("kty"), jwk.get("crv")
    try:
        if kty == "OKP" and crv == "Ed25519":
            return ed25519.Ed25519PublicKey.from_public_bytes(_member(jwk, "x"))
        if kty == "EC" and crv == "P-256":
            x, y = _member(jwk, "x"), _member(jwk, "y")
            if len(x) != 32 or len(y) != 32:
                raise KeyFormatError("bad_key", "the P-256 JWK has coordinates of the wrong length")
            numbers = ec.EllipticCurvePublicNumbers(
                int.from_bytes(x, "big"), int.from_bytes(y, "big"), ec.SECP256R1()
            )
            return numbers.public_key()
        if kty == "RSA":
            n, e = int.from_bytes(_member(jwk, "n"), "big"), int.from_bytes(_member(jwk, "e"), "big")
            key = rsa.RSAPublicNumbers(e, n).public_key()
            if key.key_size < MIN_RSA_KEY_BITS:
                raise KeyFormatError(
                    "weak_key", f"the RSA key has only {key.key_size} bits; 2048 are required"
                )
            return key
    except ValueError as error:
        if isinstance(error, KeyFormatError):
            raise
        raise KeyFormatError("bad_key", "the JWK does not describe a valid public key") from error
    raise KeyFormatError("unsupported_key", "the JWK is not an Ed25519, P-256 or RSA key")


def _member(jwk: Mapping[str, Any], name: str) -> bytes:
    value = jwk.get(name)
    if not isinstance(value, str) or len(value) > 1024:
        raise KeyFormatError("bad_key", f"the JWK's {name} is missing or malformed")
    return b64url_decode(value)


def same_key(first: PublicKey, second: PublicKey) -> bool:
    encoding, layout = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    return first.public_bytes(encoding, layout) == second.public_bytes(encoding, layout)


def signature_holds(key: PublicKey, algorithm: str, signature: bytes, message: bytes) -> bool:
    """Whether ``signature`` over ``message`` verifies with ``key`` under the JOSE ``algorithm``.

    A key of another type than the algorithm needs never verifies (no algorithm confusion).
    """
    try:
        if algorithm == "EdDSA" and isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, message)
            return True
        if algorithm == "ES256" and isinstance(key, ec.EllipticCurvePublicKey):
            if not isinstance(key.curve, ec.SECP256R1) or len(signature) != 64:
                return False
            der = encode_dss_signature(
                int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
            )
            key.verify(der, message, ec.ECDSA(hashes.SHA256()))
            return True
        if algorithm == "RS256" and isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
            return True
    except InvalidSignature:
        return False
    return False
