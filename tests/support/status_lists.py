"""Status lists from the issuer's side, and a stand-in for the proof verifier that checks them.

``StatusChecker`` leaves a list credential's proof to the caller's ``ListVerifier``. ``HmacLists`` plays
that part with HMAC "proofs" keyed per issuer, so status tests exercise fetching, decoding, caching and the
issuer rule without depending on Data Integrity or JOSE::

    lists = HmacLists()
    server.route("/status/1", lists.sign(bitstring_credential(url, issuer=ISSUER, revoked=[7])))
    result = await StatusChecker().check(credential, issuer_id=ISSUER, session=session, verify_list=lists)
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from typing import Any, Final

from bot.sandbox.credentials import b64url
from bot.verification.fetcher import FetchSession

ISSUER: Final = "https://issuer.example/profile"
OTHER_ISSUER: Final = "https://elsewhere.example/profile"
LIST_LENGTH: Final = 131_072  # entries: the 16 KiB minimum of Bitstring Status List v1.0


def bits(marked: Iterable[int], *, length: int = LIST_LENGTH, status_size: int = 1, value: int = 1) -> bytes:
    """A bitstring of ``length`` entries of ``status_size`` bits, the ``marked`` ones holding ``value``."""
    field = bytearray((length * status_size + 7) // 8)
    for index in marked:
        for offset in range(status_size):
            if value >> (status_size - 1 - offset) & 1:
                position = index * status_size + offset
                field[position >> 3] |= 0x80 >> (position & 7)
    return bytes(field)


def encoded_list(bitstring: bytes, *, multibase: bool = True) -> str:
    """GZIP, then base64url without padding; Bitstring Status List adds the multibase ``u``."""
    text = base64.urlsafe_b64encode(gzip.compress(bitstring)).rstrip(b"=").decode()
    return f"u{text}" if multibase else text


def bitstring_credential(
    url: str,
    *,
    issuer: str = ISSUER,
    revoked: Iterable[int] = (),
    purpose: str | list[str] = "revocation",
    encoded: str | None = None,
    kind: str = "BitstringStatusListCredential",
    **subject: Any,
) -> dict[str, Any]:
    """An unsigned status list credential at ``url`` whose list marks ``revoked``."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", kind],
        "issuer": issuer,
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {
            "id": f"{url}#list",
            "type": kind.removesuffix("Credential"),
            "statusPurpose": purpose,
            "encodedList": encoded if encoded is not None else encoded_list(bits(revoked)),
            **subject,
        },
    }


def bitstring_entry(
    list_url: str, index: int, *, purpose: str = "revocation", **extra: Any
) -> dict[str, Any]:
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
        **extra,
    }


def credential(*entries: Mapping[str, Any], credential_id: str = "urn:uuid:0c4c9f5e-1") -> dict[str, Any]:
    """A (verified) credential of ``ISSUER`` with ``entries`` as its credentialStatus."""
    document: dict[str, Any] = {"id": credential_id, "type": ["VerifiableCredential"], "issuer": ISSUER}
    if entries:
        document["credentialStatus"] = dict(entries[0]) if len(entries) == 1 else [dict(e) for e in entries]
    return document


class HmacLists:
    """A ``ListVerifier``: a list verifies when its HMAC proof was made with its declared issuer's secret."""

    def __init__(self) -> None:
        self._secrets = {ISSUER: b"issuer secret", OTHER_ISSUER: b"other issuer secret"}
        self.calls = 0

    def sign(self, document: Mapping[str, Any], *, secret_of: str | None = None) -> dict[str, Any]:
        """``document`` with a proof by its issuer (or by ``secret_of``'s key)."""
        unsigned = {key: value for key, value in document.items() if key != "proof"}
        mac = self._mac(unsigned, secret_of or str(document["issuer"]))
        return {**unsigned, "proof": {"type": "TestHmacProof", "proofValue": mac}}

    def jwt(self, document: Mapping[str, Any]) -> str:
        """``document`` as a VC-JWT (its issuer in ``iss``) with an HMAC signature."""
        claims = {"iss": document["issuer"], "vc": {k: v for k, v in document.items() if k != "issuer"}}
        unsigned = f"{b64url(b'{}')}.{b64url(json.dumps(claims).encode())}"
        signature = hmac.new(self._secrets[str(document["issuer"])], unsigned.encode(), hashlib.sha256)
        return f"{unsigned}.{b64url(signature.digest())}"

    async def __call__(
        self, document: Mapping[str, Any] | str, session: FetchSession
    ) -> Mapping[str, Any] | None:
        self.calls += 1
        if isinstance(document, str):
            return self._verify_jwt(document)
        proof = document.get("proof")
        issuer = document.get("issuer")
        if not isinstance(proof, Mapping) or issuer not in self._secrets:
            return None
        unsigned = {key: value for key, value in document.items() if key != "proof"}
        if not hmac.compare_digest(str(proof.get("proofValue")), self._mac(unsigned, str(issuer))):
            return None
        return unsigned

    def _verify_jwt(self, token: str) -> Mapping[str, Any] | None:
        unsigned, _, signature = token.rpartition(".")
        try:
            claims = json.loads(base64.urlsafe_b64decode(unsigned.split(".")[1] + "=="))
        except (ValueError, IndexError):
            return None
        secret = self._secrets.get(claims.get("iss")) if isinstance(claims, dict) else None
        if secret is None:
            return None
        expected = b64url(hmac.new(secret, unsigned.encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(signature, expected):
            return None
        return {**claims["vc"], "issuer": claims["iss"]}

    def _mac(self, unsigned: Mapping[str, Any], issuer: str) -> str:
        payload = json.dumps(unsigned, sort_keys=True, separators=(",", ":")).encode()
        return hmac.new(self._secrets[issuer], payload, hashlib.sha256).hexdigest()
