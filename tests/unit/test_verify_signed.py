"""Signed Open Badges 2.0 verification: compact JWS, issuer keys and revocation lists, served for real."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.verification.verdict import Status
from tests.support.issuer import (
    EMAIL,
    IssuerWorld,
    issuer_world,
    public_pem,
    rsa_key,
    sign_hs256,
    sign_rs256,
    tampered,
    unsigned,
)
from tests.support.verdicts import assert_verdict, check


@pytest.fixture
async def world() -> AsyncIterator[IssuerWorld]:
    async with issuer_world() as world:
        yield world


async def test_valid_signed_badge(world: IssuerWorld) -> None:
    token = sign_rs256(world.signed_assertion())

    verdict = await world.verifier.verify(token, emails=[EMAIL])

    assert_verdict(verdict, Status.VALID, "verified")
    assert verdict.format == "ob2-signed"
    assert [c.name for c in verdict.checks] == [
        "source",
        "jws",
        "document",
        "assertion",
        "badge_class",
        "issuer",
        "signing_key",
        "signature",
        "revocation_list",
        "recipient",
        "dates",
    ]
    assert all(c.ok for c in verdict.checks)
    assert verdict.credential is not None and verdict.credential.name == "Python Fundamentals"
    assert verdict.recipient is not None and verdict.recipient.matched is True


async def test_tampered_payload_breaks_the_signature(world: IssuerWorld) -> None:
    token = sign_rs256(world.signed_assertion())
    forged = tampered(token, world.signed_assertion(issuedOn="2025-05-30T00:00:00Z"))

    verdict = await world.verifier.verify(forged)

    assert_verdict(verdict, Status.INVALID, "signature_invalid")
    assert check(verdict, "signature") is False


async def test_key_not_published_by_the_issuer_is_unknown(world: IssuerWorld) -> None:
    rogue = rsa_key("rogue")
    world.home.route("/keys/rogue", world.key(rogue, id=world.home.url("/keys/rogue")))
    token = sign_rs256(
        world.signed_assertion(verification={"type": "signed", "creator": world.home.url("/keys/rogue")}),
        rogue,
    )

    verdict = await world.verifier.verify(token)

    assert_verdict(verdict, Status.INVALID, "unknown_key")


async def test_other_key_claiming_to_be_the_issuers_fails_the_signature(world: IssuerWorld) -> None:
    token = sign_rs256(world.signed_assertion(), rsa_key("rogue"))

    verdict = await world.verifier.verify(token)

    assert_verdict(verdict, Status.INVALID, "signature_invalid")


async def test_embedded_issuer_cannot_bring_its_own_key(world: IssuerWorld) -> None:
    rogue = rsa_key("rogue")
    forged_key = {"id": "urn:key:rogue", "owner": world.issuer_url, "publicKeyPem": public_pem(rogue)}
    badge = world.badge_class(issuer=world.profile(publicKey=[forged_key]))
    token = sign_rs256(
        world.signed_assertion(badge=badge, verification={"type": "signed", "creator": "urn:key:rogue"}),
        rogue,
    )

    verdict = await world.verifier.verify(token)

    assert_verdict(verdict, Status.INVALID, "unknown_key")


async def test_key_owned_by_someone_else_is_unknown(world: IssuerWorld) -> None:
    world.publish(key=world.key(owner=world.other.url("/issuer")))

    verdict = await world.verifier.verify(sign_rs256(world.signed_assertion()))

    assert_verdict(verdict, Status.INVALID, "unknown_key")


async def test_key_embedded_in_the_profile_is_used(world: IssuerWorld) -> None:
    embedded = {"id": "urn:key:1", "publicKeyPem": public_pem(rsa_key())}
    world.publish(profile=world.profile(publicKey=[embedded]))
    token = sign_rs256(world.signed_assertion(verification={"type": "signed", "creator": "urn:key:1"}))

    verdict = await world.verifier.verify(token)

    assert_verdict(verdict, Status.VALID, "verified")


async def test_without_a_creator_the_issuers_keys_are_tried(world: IssuerWorld) -> None:
    token = sign_rs256(world.signed_assertion(verification={"type": "SignedBadge"}))

    verdict = await world.verifier.verify(token)

    assert_verdict(verdict, Status.VALID, "verified")


async def test_short_rsa_key_is_refused(world: IssuerWorld) -> None:
    short = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    world.publish(key=world.key(short))

    verdict = await world.verifier.verify(sign_rs256(world.signed_assertion(), short))

    assert_verdict(verdict, Status.INVALID, "weak_key")


async def test_revoked_by_a_one_entry_list(world: IssuerWorld) -> None:
    assertion = world.signed_assertion()
    world.publish(revocations=world.revocation_list(assertion["id"]))

    verdict = await world.verifier.verify(sign_rs256(assertion))

    assert_verdict(verdict, Status.REVOKED, "revoked_list")


async def test_revoked_by_a_two_entry_object_list_with_reason(world: IssuerWorld) -> None:
    assertion = world.signed_assertion()
    world.publish(
        revocations=world.revocation_list(
            {"id": "urn:uuid:00000000-0000-0000-0000-000000000000", "revocationReason": "Other"},
            {"id": assertion["id"], "revocationReason": "Issued to the wrong person"},
        )
    )

    verdict = await world.verifier.verify(sign_rs256(assertion))

    assert_verdict(verdict, Status.REVOKED, "revoked_list")
    assert "Issued to the wrong person" in verdict.message


async def test_revoked_by_legacy_uid(world: IssuerWorld) -> None:
    assertion = world.signed_assertion(uid="badge-0042")
    world.publish(revocations=world.revocation_list({"uid": "badge-0042"}))

    verdict = await world.verifier.verify(sign_rs256(assertion))

    assert_verdict(verdict, Status.REVOKED, "revoked_list")


async def test_revocation_list_of_other_badges_does_not_revoke(world: IssuerWorld) -> None:
    world.publish(revocations=world.revocation_list("urn:uuid:other", {"id": "urn:uuid:another"}))

    verdict = await world.verifier.verify(sign_rs256(world.signed_assertion()))

    assert_verdict(verdict, Status.VALID, "verified")


async def test_unreachable_revocation_list_is_unverifiable(world: IssuerWorld) -> None:
    world.home.route("/revocations", b"", status=503)

    verdict = await world.verifier.verify(sign_rs256(world.signed_assertion()))

    assert_verdict(verdict, Status.UNVERIFIABLE, "http_503")
    assert check(verdict, "revocation_list") is False


async def test_alg_none_is_refused(world: IssuerWorld) -> None:
    verdict = await world.verifier.verify(unsigned(world.signed_assertion()))

    assert_verdict(verdict, Status.INVALID, "unsupported_algorithm")


async def test_hs256_with_the_issuers_pem_as_secret_is_refused(world: IssuerWorld) -> None:
    token = sign_hs256(world.signed_assertion(), public_pem(rsa_key()).encode())

    verdict = await world.verifier.verify(token)

    assert_verdict(verdict, Status.INVALID, "unsupported_algorithm")
    assert world.home.requests == []


async def test_malformed_jws_is_invalid(world: IssuerWorld) -> None:
    verdict = await world.verifier.verify("bm90IGpzb24.e30.c2ln")

    assert_verdict(verdict, Status.INVALID, "malformed_jws")


async def test_signed_payload_declaring_hosted_verification_is_invalid(world: IssuerWorld) -> None:
    token = sign_rs256(world.signed_assertion(verification={"type": "hosted"}))

    verdict = await world.verifier.verify(token)

    assert_verdict(verdict, Status.INVALID, "verification_mismatch")


async def test_signed_badge_for_another_address(world: IssuerWorld) -> None:
    verdict = await world.verifier.verify(sign_rs256(world.signed_assertion()), emails=["bob@example.org"])

    assert_verdict(verdict, Status.INVALID, "recipient_mismatch")


async def test_expired_signed_badge(world: IssuerWorld) -> None:
    token = sign_rs256(world.signed_assertion(expires="2025-02-01T00:00:00Z"))

    verdict = await world.verifier.verify(token)

    assert_verdict(verdict, Status.EXPIRED, "expired")


async def test_signed_json_without_its_signature_is_invalid(world: IssuerWorld) -> None:
    verdict = await world.verifier.verify(world.signed_assertion())

    assert_verdict(verdict, Status.INVALID, "signature_missing")
    assert verdict.format == "ob2-signed"
