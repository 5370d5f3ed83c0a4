"""Open Badges 3.0 verification: Data Integrity proofs, VC-JWT, keys, dates and recipients, served."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.verification.vc.pipeline import DATA_INTEGRITY_CHECKS, JWT_CHECKS
from bot.verification.verdict import Status
from tests.support.issuer import EMAIL, rsa_key
from tests.support.vc import (
    DATA_INTEGRITY,
    ED25519_2020,
    OTHER_HOST,
    VcWorld,
    did_key,
    ed25519_key,
    jwk,
    p256_key,
    private_jwk,
    seconds,
    sign,
    sign_jwt,
    vc_world,
    when,
)
from tests.support.verdicts import assert_verdict, check


@pytest.fixture
async def world() -> AsyncIterator[VcWorld]:
    async with vc_world() as world:
        yield world


# eddsa-rdfc-2022


async def test_rdfc_credential_is_valid_and_shows_what_its_proof_covers(world: VcWorld) -> None:
    verdict = await world.verifier.verify(world.sign(world.badge()), emails=[EMAIL])

    assert_verdict(verdict, Status.VALID, "verified")
    assert verdict.format == "ob3-data-integrity"
    assert tuple(c.name for c in verdict.checks) == DATA_INTEGRITY_CHECKS
    assert all(c.ok for c in verdict.checks)
    assert verdict.credential is not None
    assert verdict.credential.name == "Python Fundamentals"
    assert verdict.credential.criteria == "Pass the final project."
    assert verdict.credential.skills == ("Python", "programming")
    assert verdict.issuer is not None and verdict.issuer.name == "Example Institute"
    assert verdict.recipient is not None and verdict.recipient.matched is True


async def test_rdfc_credential_with_a_changed_name_is_invalid(world: VcWorld) -> None:
    signed = world.sign(world.badge())
    signed["name"] = "Python Mastery"

    verdict = await world.verifier.verify(signed)

    assert_verdict(verdict, Status.INVALID, "signature_invalid")
    assert verdict.credential is None  # nothing unproven is shown


async def test_one_extra_space_in_a_narrative_breaks_the_signature(world: VcWorld) -> None:
    signed = world.sign(world.badge())
    signed["credentialSubject"]["achievement"]["criteria"]["narrative"] = "Pass the final  project."

    verdict = await world.verifier.verify(signed)

    assert_verdict(verdict, Status.INVALID, "signature_invalid")


@pytest.mark.parametrize(
    "change",
    [
        {"forgedGrade": "A+"},
        {"type": ["VerifiableCredential", "OpenBadgeCredential", "HonoursCredential"]},
    ],
    ids=["property", "type"],
)
async def test_a_term_no_context_defines_is_invalid_even_when_signed(
    world: VcWorld, change: dict[str, Any]
) -> None:
    # Signed after adding the term: pyld alone would drop it and the signature would hold.
    verdict = await world.verifier.verify(world.sign(world.badge(**change)))

    assert_verdict(verdict, Status.INVALID, "undefined_term")


async def test_a_term_added_after_signing_is_caught_before_the_signature(world: VcWorld) -> None:
    signed = world.sign(world.badge())
    signed["credentialSubject"]["achievement"]["honours"] = "summa cum laude"

    verdict = await world.verifier.verify(signed)

    assert_verdict(verdict, Status.INVALID, "undefined_term")


async def test_an_unknown_context_is_unverifiable_and_never_fetched(world: VcWorld) -> None:
    context = "https://issuer-a.test/contexts/custom.json"
    world.home.route("/contexts/custom.json", {"@context": {"forgedGrade": "https://example.org/grade"}})

    signed = world.sign(world.badge())
    signed["@context"].append(context)

    verdict = await world.verifier.verify(signed)

    assert_verdict(verdict, Status.UNVERIFIABLE, "unknown_context")
    assert "/contexts/custom.json" not in world.home.requests


async def test_a_vc_1_1_credential_with_ed25519signature2020_is_valid(world: VcWorld) -> None:
    credential = world.badge(version="1.1", contexts=(ED25519_2020,))

    verdict = await world.verifier.verify(world.sign(credential, suite="Ed25519Signature2020"))

    assert_verdict(verdict, Status.VALID, "verified")


async def test_a_vc_1_1_credential_with_a_data_integrity_proof_is_valid(world: VcWorld) -> None:
    credential = world.badge(version="1.1", contexts=(DATA_INTEGRITY,))

    verdict = await world.verifier.verify(world.sign(credential))

    assert_verdict(verdict, Status.VALID, "verified")


async def test_an_unsupported_proof_suite_is_unverifiable(world: VcWorld) -> None:
    signed = world.sign(world.badge())
    signed["proof"]["cryptosuite"] = "ecdsa-rdfc-2019"

    verdict = await world.verifier.verify(signed)

    assert_verdict(verdict, Status.UNVERIFIABLE, "unsupported_proof")


async def test_a_proof_for_another_purpose_is_invalid(world: VcWorld) -> None:
    verdict = await world.verifier.verify(world.sign(world.badge(), purpose="authentication"))

    assert_verdict(verdict, Status.INVALID, "wrong_proof_purpose")


async def test_a_credential_without_a_proof_is_not_cryptographically_verifiable(world: VcWorld) -> None:
    verdict = await world.verifier.verify(world.badge())

    assert_verdict(verdict, Status.UNVERIFIABLE, "not_cryptographically_verifiable")


# eddsa-jcs-2022


async def test_jcs_credential_is_valid(world: VcWorld) -> None:
    verdict = await world.verifier.verify(world.sign(world.badge(), suite="eddsa-jcs-2022"))

    assert_verdict(verdict, Status.VALID, "verified")
    assert "eddsa-jcs-2022" in next(c.detail for c in verdict.checks if c.name == "proof")


async def test_tampered_jcs_credential_is_invalid(world: VcWorld) -> None:
    signed = world.sign(world.badge(), suite="eddsa-jcs-2022")
    signed["credentialSubject"]["achievement"]["description"] += " "

    verdict = await world.verifier.verify(signed)

    assert_verdict(verdict, Status.INVALID, "signature_invalid")


async def test_a_jcs_proof_covers_its_own_context(world: VcWorld) -> None:
    signed = world.sign(world.badge(), suite="eddsa-jcs-2022")
    assert signed["proof"]["@context"] == signed["@context"]

    stripped = {**signed, "proof": {k: v for k, v in signed["proof"].items() if k != "@context"}}
    assert_verdict(await world.verifier.verify(stripped), Status.INVALID, "signature_invalid")

    foreign = {**signed, "proof": {**signed["proof"], "@context": ["https://www.w3.org/2018/credentials/v1"]}}
    assert_verdict(await world.verifier.verify(foreign), Status.INVALID, "proof_context_mismatch")


# Keys


async def test_did_key_issuer_is_verified_offline(world: VcWorld) -> None:
    key = ed25519_key("did-key issuer")
    did = did_key(key)
    credential = world.badge(issuer=did)

    verdict = await world.verifier.verify(sign(credential, key, f"{did}#{did.removeprefix('did:key:')}"))

    assert_verdict(verdict, Status.VALID, "verified")
    assert world.home.requests == [] and world.other.requests == []


async def test_did_web_issuer_is_resolved_through_the_fetcher(world: VcWorld) -> None:
    credential = world.badge(issuer=world.did)

    verdict = await world.verifier.verify(world.sign(credential, method=f"{world.did}#key-1"))

    assert_verdict(verdict, Status.VALID, "verified")
    assert "/.well-known/did.json" in world.home.requests


async def test_unreachable_did_web_is_unverifiable(world: VcWorld) -> None:
    did = "did:web:unreachable.test"

    verdict = await world.verifier.verify(world.sign(world.badge(issuer=did), method=f"{did}#key-1"))

    assert_verdict(verdict, Status.UNVERIFIABLE, "connect_error")


async def test_a_key_its_controller_does_not_authorise_for_assertion_is_invalid(world: VcWorld) -> None:
    world.home.route("/issuer", world.profile(assertionMethod=[f"{world.issuer}#jwk-ed"]))

    verdict = await world.verifier.verify(world.sign(world.badge()))

    assert_verdict(verdict, Status.INVALID, "key_not_authorized")


async def test_a_key_of_another_issuer_signs_nothing_for_this_one(world: VcWorld) -> None:
    signed = world.sign(world.badge(), key=world.other_key, method=f"{world.other_issuer}#key-1")

    verdict = await world.verifier.verify(signed)

    assert_verdict(verdict, Status.INVALID, "issuer_key_mismatch")


async def test_a_signature_by_another_key_than_the_method_is_invalid(world: VcWorld) -> None:
    verdict = await world.verifier.verify(world.sign(world.badge(), key=world.other_key))

    assert_verdict(verdict, Status.INVALID, "signature_invalid")


# Dates


async def test_valid_until_in_the_past_is_expired(world: VcWorld) -> None:
    verdict = await world.verifier.verify(world.sign(world.badge(validUntil=when(-1))))

    assert_verdict(verdict, Status.EXPIRED, "expired")


async def test_valid_from_in_the_future_is_not_yet_valid(world: VcWorld) -> None:
    verdict = await world.verifier.verify(world.sign(world.badge(validFrom=when(3))))

    assert_verdict(verdict, Status.NOT_YET_VALID, "not_yet_valid")


# Recipients


async def test_a_hashed_email_that_is_not_the_members_is_a_mismatch(world: VcWorld) -> None:
    verdict = await world.verifier.verify(world.sign(world.badge()), emails=["mallory@example.org"])

    assert_verdict(verdict, Status.INVALID, "recipient_mismatch")
    assert verdict.recipient is not None and verdict.recipient.matched is False


async def test_without_emails_the_recipient_is_shown_but_not_compared(world: VcWorld) -> None:
    verdict = await world.verifier.verify(world.sign(world.badge()))

    assert_verdict(verdict, Status.VALID, "verified")
    assert check(verdict, "recipient") is None
    assert verdict.recipient is not None and verdict.recipient.identity_type == "emailAddress"


# VC-JWT


async def test_jwt_rs256_with_a_vc_claim_is_valid(world: VcWorld) -> None:
    token = sign_jwt(world.jwt_claims(world.badge()), rsa_key(), kid=f"{world.issuer}#jwk-rs")

    verdict = await world.verifier.verify(token, emails=[EMAIL])

    assert_verdict(verdict, Status.VALID, "verified")
    assert verdict.format == "ob3-jwt"
    assert tuple(c.name for c in verdict.checks) == JWT_CHECKS


async def test_jwt_eddsa_whose_payload_is_the_credential_is_valid(world: VcWorld) -> None:
    token = sign_jwt(world.badge(), world.key, kid=f"{world.issuer}#jwk-ed", typ="vc+jwt")

    verdict = await world.verifier.verify(token)

    assert_verdict(verdict, Status.VALID, "verified")


async def test_jwt_es256_by_did_web_is_valid(world: VcWorld) -> None:
    credential = world.badge(issuer=world.did)
    token = sign_jwt(world.jwt_claims(credential), p256_key(), kid=f"{world.did}#jwk-es")

    verdict = await world.verifier.verify(token)

    assert_verdict(verdict, Status.VALID, "verified")


async def test_jwt_with_an_expired_exp_is_expired(world: VcWorld) -> None:
    credential = world.badge(validUntil=when(-1))
    claims = world.jwt_claims(credential, exp=seconds(when(-1)))

    verdict = await world.verifier.verify(sign_jwt(claims, world.key, kid=f"{world.issuer}#jwk-ed"))

    assert_verdict(verdict, Status.EXPIRED, "expired")


async def test_jwt_whose_iss_is_not_the_issuer_is_invalid(world: VcWorld) -> None:
    claims = world.jwt_claims(world.badge(), iss=world.other_issuer)

    verdict = await world.verifier.verify(sign_jwt(claims, world.key, kid=f"{world.issuer}#jwk-ed"))

    assert_verdict(verdict, Status.INVALID, "claim_mismatch")


async def test_jwt_signed_by_another_key_than_its_kid_is_invalid(world: VcWorld) -> None:
    token = sign_jwt(world.jwt_claims(world.badge()), world.other_key, kid=f"{world.issuer}#jwk-ed")

    verdict = await world.verifier.verify(token)

    assert_verdict(verdict, Status.INVALID, "signature_invalid")


async def test_jwt_with_alg_none_is_refused(world: VcWorld) -> None:
    token = sign_jwt(world.jwt_claims(world.badge()), world.key, kid=f"{world.issuer}#jwk-ed")
    header = "eyJhbGciOiJub25lIn0"  # {"alg":"none"}
    unsigned = f"{header}.{token.split('.')[1]}."

    verdict = await world.verifier.verify(unsigned)

    assert_verdict(verdict, Status.INVALID, "unsupported_algorithm")
    assert verdict.format == "ob3-jwt"


async def test_jwt_with_a_published_jwk_header_is_valid(world: VcWorld) -> None:
    token = sign_jwt(world.jwt_claims(world.badge()), world.key, jwk=jwk(world.key))

    verdict = await world.verifier.verify(token)

    assert_verdict(verdict, Status.VALID, "verified")


async def test_jwt_carrying_its_own_unpublished_key_is_invalid(world: VcWorld) -> None:
    stranger = ed25519_key("stranger")
    token = sign_jwt(world.jwt_claims(world.badge()), stranger, jwk=jwk(stranger))

    verdict = await world.verifier.verify(token)

    assert_verdict(verdict, Status.INVALID, "unknown_key")


async def test_jwt_whose_jwk_holds_private_parts_is_refused(world: VcWorld) -> None:
    token = sign_jwt(world.jwt_claims(world.badge()), world.key, jwk=private_jwk(world.key))

    verdict = await world.verifier.verify(token)

    assert_verdict(verdict, Status.INVALID, "private_key")


# Where credentials come from


async def test_a_url_serving_a_credential_is_verified_by_its_proof(world: VcWorld) -> None:
    world.home.route("/credentials/1", world.sign(world.badge()))

    verdict = await world.verifier.verify(world.url("/credentials/1"))

    assert_verdict(verdict, Status.VALID, "verified")
    assert world.home.requests.count("/credentials/1") == 1


async def test_a_url_serving_a_vc_jwt_is_verified(world: VcWorld) -> None:
    token = sign_jwt(world.badge(), world.key, kid=f"{world.issuer}#jwk-ed")
    world.home.route("/credentials/2", token, content_type="application/vc+jwt")

    verdict = await world.verifier.verify(world.url("/credentials/2"))

    assert_verdict(verdict, Status.VALID, "verified")
    assert verdict.format == "ob3-jwt"


async def test_a_url_that_fails_is_reported_once(world: VcWorld) -> None:
    verdict = await world.verifier.verify(world.url("/credentials/missing", host=OTHER_HOST))

    assert_verdict(verdict, Status.UNVERIFIABLE, "http_404")
    assert world.other.requests == ["/credentials/missing"]
