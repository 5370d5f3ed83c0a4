"""Open Badges 3.0 containers: learner records (CLR), endorsements, baked PNG and SVG images."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.verification.verdict import Status
from tests.support.issuer import EMAIL, itxt, png
from tests.support.vc import OB3, VALID_FROM, VC_V2, VcWorld, sign_jwt, vc_world
from tests.support.verdicts import assert_verdict, check


@pytest.fixture
async def world() -> AsyncIterator[VcWorld]:
    async with vc_world() as world:
        yield world


def clr(world: VcWorld, *members: Any) -> dict[str, Any]:
    # The CLR 2.0 context is not vendored, so the envelope is signed with JCS, which needs no term list.
    return world.sign(
        {
            "@context": [VC_V2, OB3],
            "id": "urn:uuid:0d6e7a4e-6a76-4d55-9a8b-0c9b6d1f2e3a",
            "type": ["VerifiableCredential", "ClrCredential"],
            "issuer": {"id": world.issuer, "type": ["Profile"], "name": "Example Institute"},
            "validFrom": VALID_FROM,
            "name": "Transcript",
            "credentialSubject": {
                "type": ["ClrSubject"],
                "verifiableCredential": list(members),
            },
        },
        suite="eddsa-jcs-2022",
    )


def svg(content: str) -> bytes:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'
        f"<openbadges:credential><![CDATA[{content}]]></openbadges:credential></svg>"
    ).encode()


async def test_a_learner_record_with_valid_members_is_valid(world: VcWorld) -> None:
    first = world.sign(world.badge())
    second = sign_jwt(world.badge(name="Second"), world.key, kid=f"{world.issuer}#jwk-ed")

    verdict = await world.verifier.verify(clr(world, first, second))

    assert_verdict(verdict, Status.VALID, "verified")
    assert verdict.format == "clr"
    assert next(c.detail for c in verdict.checks if c.name == "members").startswith("all 2")


async def test_a_learner_record_with_one_tampered_member_is_invalid(world: VcWorld) -> None:
    good = world.sign(world.badge())
    bad = world.sign(world.badge())
    bad["name"] = "Forged"

    verdict = await world.verifier.verify(clr(world, good, bad))

    assert_verdict(verdict, Status.INVALID, "signature_invalid")
    assert "Credential 2" in verdict.message
    assert check(verdict, "members") is False


async def test_an_endorsement_is_verified(world: VcWorld) -> None:
    endorsement = {
        "@context": [VC_V2, OB3],
        "id": "urn:uuid:9a7c3e2d-2f4b-4c1d-8e6f-5a4b3c2d1e0f",
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "issuer": {"id": world.issuer, "type": ["Profile"], "name": "Example Institute"},
        "validFrom": VALID_FROM,
        "name": "Endorsement of Python Fundamentals",
        "credentialSubject": {
            "id": "https://issuer-a.test/achievements/python",
            "type": ["EndorsementSubject"],
            "endorsementComment": "A rigorous course.",
        },
    }

    verdict = await world.verifier.verify(world.sign(endorsement))

    assert_verdict(verdict, Status.VALID, "verified")
    assert verdict.credential is not None and verdict.credential.name == "Endorsement of Python Fundamentals"


async def test_a_png_baked_with_an_ob3_credential_is_verified(world: VcWorld) -> None:
    image = png(itxt(json.dumps(world.sign(world.badge())), keyword=b"openbadgecredential"))

    verdict = await world.verifier.verify(image, emails=[EMAIL])

    assert_verdict(verdict, Status.VALID, "verified")
    assert "PNG iTXt chunk" in verdict.checks[0].detail


async def test_an_svg_baked_with_a_vc_jwt_is_verified(world: VcWorld) -> None:
    token = sign_jwt(world.badge(), world.key, kid=f"{world.issuer}#jwk-ed")

    verdict = await world.verifier.verify(svg(token), emails=[EMAIL])

    assert_verdict(verdict, Status.VALID, "verified")
    assert verdict.format == "ob3-jwt"


async def test_a_tampered_credential_in_an_svg_is_invalid(world: VcWorld) -> None:
    signed = world.sign(world.badge())
    signed["name"] = "Forged"

    verdict = await world.verifier.verify(svg(json.dumps(signed)))

    assert_verdict(verdict, Status.INVALID, "signature_invalid")
