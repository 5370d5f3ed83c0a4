"""Data Integrity proofs over a credential: which suites are verified and what their signatures cover.

    DataIntegrityProof + eddsa-rdfc-2022   Ed25519 over SHA-256(rdfc(proof options)) ‖ SHA-256(rdfc(document))
    DataIntegrityProof + eddsa-jcs-2022    the same over RFC 8785 JSON instead of RDF
    Ed25519Signature2020                   the rdfc construction, for VC 1.1-era credentials

The proof options are the proof without ``proofValue``; the document is the credential without ``proof``.
For the rdfc suites the options take the document's ``@context``. eddsa-jcs-2022 signs the options exactly
as given: when they carry an ``@context``, the document's must begin with it (else INVALID
[proof_context_mismatch]) and the document is hashed under the proof's ``@context``. Any other suite is
UNVERIFIABLE [unsupported_proof]; a proof whose purpose is not ``assertionMethod`` is INVALID
[wrong_proof_purpose].
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from bot.verification import ob2
from bot.verification.vc.canonical import jcs, rdfc
from bot.verification.vc.keys import KeyFormatError, multibase_decode

Canonicalization = Literal["rdfc", "jcs"]

_SUITES: dict[tuple[str, str | None], tuple[str, Canonicalization]] = {
    ("DataIntegrityProof", "eddsa-rdfc-2022"): ("eddsa-rdfc-2022", "rdfc"),
    ("DataIntegrityProof", "eddsa-jcs-2022"): ("eddsa-jcs-2022", "jcs"),
    ("Ed25519Signature2020", None): ("Ed25519Signature2020", "rdfc"),
}


class ProofError(ValueError):
    """A proof that cannot be checked or is malformed; ``reason`` is a verdict reason code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Proof:
    suite: str  # "eddsa-rdfc-2022", "eddsa-jcs-2022" or "Ed25519Signature2020"
    canonicalization: Canonicalization
    method: str  # verificationMethod
    signature: bytes
    options: dict[str, Any]  # the proof without proofValue


def read_proof(document: Mapping[str, Any]) -> Proof:
    """The credential's proof; a set of proofs is accepted when exactly one of them is a suite we verify."""
    proofs = [entry for entry in ob2.objects(document.get("proof")) if isinstance(entry, Mapping)]
    if not proofs:
        raise ProofError("no_proof", "it carries no proof")
    supported = [entry for entry in proofs if _suite(entry) is not None]
    if not supported:
        kinds = ", ".join(sorted({_label(entry) for entry in proofs}))[:120]
        raise ProofError("unsupported_proof", f"its proof ({kinds}) is of a kind credcord does not verify")
    if len(supported) > 1:
        raise ProofError("unsupported_proof", "it carries several proofs, which credcord does not verify")
    proof = supported[0]
    suite, canonicalization = _suite(proof) or ("", "rdfc")
    if proof.get("proofPurpose") != "assertionMethod":
        raise ProofError("wrong_proof_purpose", "its proof is not made for asserting credentials")
    method, value = proof.get("verificationMethod"), proof.get("proofValue")
    if not isinstance(method, str) or not method:
        raise ProofError("missing_field", "its proof names no verificationMethod")
    if not isinstance(value, str) or not value.startswith("z"):
        raise ProofError("bad_signature_encoding", "its proofValue is not a base58btc multibase value")
    try:
        signature = multibase_decode(value)
    except KeyFormatError:
        raise ProofError("bad_signature_encoding", "its proofValue is not valid base58btc") from None
    if len(signature) != 64:
        raise ProofError("bad_signature_encoding", "its proofValue is not a 64-byte Ed25519 signature")
    options = {key: item for key, item in proof.items() if key != "proofValue"}
    if canonicalization == "jcs" and "@context" in options:
        declared, used = _contexts(options["@context"]), _contexts(document.get("@context"))
        if used[: len(declared)] != declared:
            raise ProofError("proof_context_mismatch", "its proof's @context does not begin the credential's")
    return Proof(suite, canonicalization, method, signature, options)


def _contexts(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def signed_bytes(document: Mapping[str, Any], proof: Proof) -> bytes:
    """What the proof's signature covers; raises CanonicalError for documents that cannot be read strictly."""
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    options = dict(proof.options)
    if proof.canonicalization == "jcs":
        if "@context" in options:
            unsecured["@context"] = options["@context"]
        return _sha256(jcs(options)) + _sha256(jcs(unsecured))
    if "@context" in unsecured:
        options["@context"] = unsecured["@context"]
    return _sha256(rdfc(options).encode()) + _sha256(rdfc(unsecured).encode())


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _suite(proof: Mapping[str, Any]) -> tuple[str, Canonicalization] | None:
    kind = proof.get("type")
    cryptosuite = proof.get("cryptosuite") if kind == "DataIntegrityProof" else None
    if not isinstance(kind, str) or not (cryptosuite is None or isinstance(cryptosuite, str)):
        return None
    return _SUITES.get((kind, cryptosuite))


def _label(proof: Mapping[str, Any]) -> str:
    kind, cryptosuite = proof.get("type"), proof.get("cryptosuite")
    label = kind if isinstance(kind, str) else "untyped"
    return f"{label} {cryptosuite}" if isinstance(cryptosuite, str) else label
