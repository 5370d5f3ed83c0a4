"""Whatever a Verifiable Credential or VC-JWT holds, ``verify`` returns a Verdict with a specific reason.

Credentials come from a did:key issuer, so nothing is fetched; mutations replace or remove properties of
the credential, its subject, achievement and proof, or of a JWT's header and claims, before or after
signing. ``internal_error`` would mean a failure escaped every specific check.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.verification.fetcher import Fetcher
from bot.verification.verdict import Verdict
from bot.verification.verifier import Verifier
from tests.support.issuer import EMAIL, NOW, REMOVE, changed
from tests.support.vc import OB3, VALID_FROM, VC_V2, did_key, ed25519_key, email_identity, sign, sign_jwt
from tests.unit.test_verify_properties import assert_sound, hostile_values

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KEY = ed25519_key("property issuer")
DID = did_key(KEY)
METHOD = f"{DID}#{DID.removeprefix('did:key:')}"

vc_values = hostile_values | st.sampled_from(
    [
        DID,
        METHOD,
        "did:web:issuer.example",
        "did:example:123",
        ["VerifiableCredential"],
        ["VerifiableCredential", "OpenBadgeCredential"],
        [VC_V2, "https://unknown.example/ctx"],
        "2999-01-01T00:00:00Z",
        "1999-01-01T00:00:00Z",
        {
            "type": "BitstringStatusListEntry",
            "statusListCredential": "https://issuer.example/s",
            "statusListIndex": "1",
        },
        "eddsa-jcs-2022",
        "authentication",
        "z" + "1" * 80,
    ]
)
TARGETS = {
    "credential": [
        "@context",
        "id",
        "type",
        "issuer",
        "validFrom",
        "validUntil",
        "credentialSubject",
        "credentialStatus",
        "name",
        "evidence",
    ],
    "subject": ["id", "type", "identifier", "achievement"],
    "achievement": ["id", "type", "name", "criteria", "image", "alignment", "tag"],
    "proof": [
        "type",
        "cryptosuite",
        "verificationMethod",
        "proofPurpose",
        "proofValue",
        "created",
        "@context",
    ],
}
mutations = st.sampled_from(sorted(TARGETS)).flatmap(
    lambda target: st.tuples(
        st.just(target),
        st.dictionaries(st.sampled_from(TARGETS[target]), vc_values, min_size=1, max_size=3),
        st.booleans(),
    )
)


def credential() -> dict[str, Any]:
    return {
        "@context": [VC_V2, OB3],
        "id": "urn:uuid:1f0c7a52-3b1c-4c53-9d7e-6b4f1c2a3d4e",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": DID, "type": ["Profile"], "name": "Property Issuer"},
        "validFrom": VALID_FROM,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [email_identity()],
            "achievement": {
                "id": "urn:uuid:a",
                "type": ["Achievement"],
                "name": "Badge",
                "criteria": {"narrative": "Do it."},
            },
        },
    }


def mutate(document: dict[str, Any], target: str, changes: dict[str, Any]) -> dict[str, Any]:
    if target == "credential":
        return changed(document, changes)
    subject = dict(document["credentialSubject"])
    if target == "subject":
        return {**document, "credentialSubject": changed(subject, changes)}
    if target == "achievement":
        subject["achievement"] = changed(subject["achievement"], changes)
        return {**document, "credentialSubject": subject}
    return {**document, "proof": changed(document["proof"], changes)}


def verify(source: str | dict[str, Any]) -> Verdict:
    async def main() -> Verdict:
        async with Fetcher(transport=httpx.MockTransport(lambda _: httpx.Response(404))) as fetcher:
            return await Verifier(fetcher, clock=lambda: NOW).verify(source, emails=[EMAIL])

    return asyncio.run(main())


def signed_or_as_is(document: dict[str, Any]) -> dict[str, Any]:
    try:
        return sign(document, KEY, METHOD)
    except Exception:  # the test signer refuses what pyld cannot read; verify the unsigned mutation then
        return document


@SETTINGS
@given(mutation=mutations)
def test_mutated_credentials(mutation: tuple[str, dict[str, Any], bool]) -> None:
    target, changes, sign_after = mutation
    if target == "proof":
        document = mutate(sign(credential(), KEY, METHOD), target, changes)
    else:
        mutated = mutate(credential(), target, changes)
        document = (
            signed_or_as_is(mutated)
            if sign_after
            else mutate(sign(credential(), KEY, METHOD), target, changes)
        )

    assert_sound(verify(document))


@SETTINGS
@given(
    header=st.dictionaries(
        st.sampled_from(["alg", "kid", "jwk", "typ", "crit", "b64"]), vc_values, max_size=3
    ),
    claims=st.dictionaries(st.sampled_from(["iss", "jti", "sub", "nbf", "exp", "vc"]), vc_values, max_size=3),
)
def test_mutated_jwts(header: dict[str, Any], claims: dict[str, Any]) -> None:
    payload = changed({"iss": DID, "nbf": 1736935200, "vc": credential()}, claims)
    token_header = {"kid": METHOD, **{k: v for k, v in header.items() if v is not REMOVE}}
    token_header.setdefault("alg", "EdDSA")
    token = sign_jwt(payload, KEY, **token_header)

    assert_sound(verify(token))


@SETTINGS
@given(position=st.integers(min_value=0), replacement=st.sampled_from("AZaz09-_.="))
def test_corrupted_jwt_text(position: int, replacement: str) -> None:
    token = sign_jwt({"iss": DID, "vc": credential()}, KEY, kid=METHOD)
    index = position % len(token)

    assert_sound(verify(token[:index] + replacement + token[index + 1 :]))


def test_the_unmutated_credential_and_token_are_valid() -> None:
    assert verify(sign(credential(), KEY, METHOD)).reason == "verified"
    assert verify(sign_jwt({"iss": DID, "vc": credential()}, KEY, kid=METHOD)).reason == "verified"
