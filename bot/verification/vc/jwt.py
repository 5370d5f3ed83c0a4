"""VC-JWT: a credential signed as a compact JWS (RS256, ES256 or EdDSA; ``none`` and HMAC are refused).

Two payload shapes exist. VC 1.1-era tokens carry the credential in a ``vc`` claim and may move some of
its members into registered claims; they are restored as the VC-JWT rules say (``iss`` → issuer, ``jti``
→ id, ``sub`` → subject id, ``nbf`` → issuance date, ``exp`` → expiration date). Newer tokens are the
credential itself. Wherever a claim and the credential both say something they must agree, or the token
is INVALID [claim_mismatch]; a 1.1-era token must carry ``iss``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.verification.jsonsafe import JsonError, parse_json
from bot.verification.jws import CompactJws, JwsError, parse_compact_jws, peek_payload
from bot.verification.ob2 import Problem, text
from bot.verification.vc import credential as vc

ALGORITHMS = frozenset({"RS256", "ES256", "EdDSA"})


@dataclass(frozen=True, slots=True)
class VcJwt:
    jws: CompactJws
    claims: dict[str, Any]
    credential: dict[str, Any]
    wrapped: bool  # the credential came in a ``vc`` claim


def looks_like_vc_jwt(token: str) -> bool:
    payload = peek_payload(token)
    if not isinstance(payload, dict):
        return False
    return isinstance(payload.get("vc"), dict) or vc.looks_like_credential(payload)


def parse_vc_jwt(token: str) -> VcJwt:
    """Decode ``token`` and restore its credential; raises JwsError."""
    jws = parse_compact_jws(token, allowed=ALGORITHMS)
    try:
        claims = parse_json(jws.payload)
    except JsonError as error:
        raise JwsError(error.reason, f"The token's payload is not valid JSON: {error}.") from None
    if not isinstance(claims, dict):
        raise JwsError("bad_type", "The token's payload is not a JSON object.")
    wrapped = "vc" in claims
    if not wrapped:
        return VcJwt(jws, claims, dict(claims), wrapped=False)
    if not isinstance(claims["vc"], dict):
        raise JwsError("bad_type", "The token's vc claim is not a JSON object.")
    return VcJwt(jws, claims, _restored(claims), wrapped=True)


def _restored(claims: Mapping[str, Any]) -> dict[str, Any]:
    credential = dict(claims["vc"])
    if "issuer" not in credential and isinstance(claims.get("iss"), str):
        credential["issuer"] = claims["iss"]
    if "id" not in credential and isinstance(claims.get("jti"), str):
        credential["id"] = claims["jti"]
    start, end = vc.date_keys(credential)
    for key, claim in ((start, "nbf"), (end, "exp")):
        moment = _seconds(claims.get(claim))
        if key not in credential and moment is not None:
            credential[key] = datetime.fromtimestamp(moment, UTC).isoformat().replace("+00:00", "Z")
    subject = credential.get("credentialSubject")
    if isinstance(subject, dict) and "id" not in subject and isinstance(claims.get("sub"), str):
        credential["credentialSubject"] = {**subject, "id": claims["sub"]}
    return credential


def claim_problems(token: VcJwt) -> list[Problem]:
    """Where the registered claims disagree with the credential (call after the credential is well-formed)."""
    claims, credential = token.claims, token.credential
    problems: list[Problem] = []
    if token.wrapped and not isinstance(claims.get("iss"), str):
        problems.append(Problem("missing_claim", "the token has no iss claim"))
    pairs = (
        ("iss", claims.get("iss"), vc.issuer_id(credential), "the issuer's id"),
        ("jti", claims.get("jti"), text(credential, "id"), "the credential's id"),
        ("sub", claims.get("sub"), vc.subject_id(credential), "the subject's id"),
    )
    for name, claim, value, label in pairs:
        if claim is not None and value is not None and claim != value:
            problems.append(Problem("claim_mismatch", f"its {name} claim is not {label}"))
    validity = vc.validity_of(credential)
    for name, moment in (("nbf", validity.valid_from), ("exp", validity.valid_until)):
        claim = claims.get(name)
        if claim is None:
            continue
        seconds = _seconds(claim)
        if seconds is None:
            problems.append(Problem("bad_claim", f"its {name} claim is not a number of seconds"))
        elif moment is not None and int(seconds) != int(moment.timestamp()):
            problems.append(Problem("claim_mismatch", f"its {name} claim is not the credential's date"))
    return problems


def expiry(token: VcJwt) -> tuple[datetime | None, datetime | None]:
    """The token's own ``nbf`` and ``exp`` as dates (either may be absent)."""
    return _moment(token.claims.get("nbf")), _moment(token.claims.get("exp"))


def _moment(value: Any) -> datetime | None:
    seconds = _seconds(value)
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def _seconds(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    # Beyond year 9999 datetime cannot represent the moment; such a claim is not a date.
    return float(value) if -62135596800 <= value <= 253402300799 else None
