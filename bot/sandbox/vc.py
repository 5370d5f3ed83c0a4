"""Open Badges 3.0 from the issuer's side: Ed25519 Multikeys and Data Integrity proofs.

The sandbox's demo issuer signs with these functions, and the tests' OB3 issuers do too. They are written
against the specifications with pyld and rfc8785 directly, not through credcord's ``verification.vc``
package, so the verifier is checked against a second implementation of each suite::

    key = ed25519.Ed25519PrivateKey.generate()
    method = f"{issuer_url}#key-1"                  # listed in the issuer's controller document
    credential = sign(unsigned, key, method, created=iso(now))
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping
from typing import Any, Final, Literal

import rfc8785
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from pyld import jsonld  # type: ignore[import-untyped]

from bot.verification.vc.contexts import load_document

VC_V2: Final = "https://www.w3.org/ns/credentials/v2"
OB3: Final = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
DID_V1: Final = "https://www.w3.org/ns/did/v1"
MULTIKEY: Final = "https://w3id.org/security/multikey/v1"

Suite = Literal["eddsa-rdfc-2022", "eddsa-jcs-2022", "Ed25519Signature2020"]

_BASE58: Final = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

# Keys


def base58(data: bytes) -> str:
    """Bitcoin-alphabet base58, as multibase ``z`` values are written."""
    number, out = int.from_bytes(data, "big"), ""
    while number:
        number, digit = divmod(number, 58)
        out = _BASE58[digit] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def multikey(key: ed25519.Ed25519PrivateKey) -> str:
    """The ``publicKeyMultibase`` of ``key``: ``z`` + base58 of the Ed25519 multicodec prefix and the key."""
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "z" + base58(b"\xed\x01" + raw)


def did_key(key: ed25519.Ed25519PrivateKey) -> str:
    return f"did:key:{multikey(key)}"


def multikey_method(
    controller: str, key: ed25519.Ed25519PrivateKey, fragment: str = "key-1"
) -> dict[str, Any]:
    """A ``Multikey`` verification method ``<controller>#<fragment>`` publishing ``key``."""
    return {
        "id": f"{controller}#{fragment}",
        "type": "Multikey",
        "controller": controller,
        "publicKeyMultibase": multikey(key),
    }


def controller_document(controller: str, methods: list[dict[str, Any]]) -> dict[str, Any]:
    """A controller document for ``controller`` authorising every one of ``methods`` to sign credentials."""
    return {
        "@context": [DID_V1, MULTIKEY],
        "id": controller,
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }


# Recipients


def identity_object(email: str, *, salt: str) -> dict[str, Any]:
    """An ``IdentityObject`` for ``credentialSubject.identifier``: ``email`` by its salted SHA-256 hash."""
    digest = hashlib.sha256((email + salt).encode()).hexdigest()
    return {
        "type": "IdentityObject",
        "identityHash": f"sha256${digest}",
        "identityType": "emailAddress",
        "hashed": True,
        "salt": salt,
    }


# Proofs


def _rdfc(document: Mapping[str, Any]) -> bytes:
    options = {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": load_document}
    return str(jsonld.normalize(copy.deepcopy(dict(document)), options)).encode()


def sign(
    credential: Mapping[str, Any],
    key: ed25519.Ed25519PrivateKey,
    method: str,
    *,
    created: str,
    suite: Suite = "eddsa-rdfc-2022",
    purpose: str = "assertionMethod",
) -> dict[str, Any]:
    """``credential`` with a Data Integrity (or Ed25519Signature2020) proof by ``key`` as ``method``.

    Any proof it had is replaced. ``created`` is the proof's date-time, e.g. ``2025-01-15T10:00:00Z``.
    """
    document = {name: value for name, value in credential.items() if name != "proof"}
    if suite == "Ed25519Signature2020":
        proof: dict[str, Any] = {"type": "Ed25519Signature2020"}
    else:
        proof = {"type": "DataIntegrityProof", "cryptosuite": suite}
    proof |= {"created": created, "verificationMethod": method, "proofPurpose": purpose}
    if suite == "eddsa-jcs-2022":
        proof["@context"] = document["@context"]  # the jcs suite signs the proof options as emitted
    options = {**proof, "@context": document["@context"]}
    if suite == "eddsa-jcs-2022":
        digest = (
            hashlib.sha256(rfc8785.dumps(options)).digest() + hashlib.sha256(rfc8785.dumps(document)).digest()
        )
    else:
        digest = hashlib.sha256(_rdfc(options)).digest() + hashlib.sha256(_rdfc(document)).digest()
    proof["proofValue"] = "z" + base58(key.sign(digest))
    return {**document, "proof": proof}
