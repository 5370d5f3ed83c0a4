"""Open Badges 3.0 status: Bitstring and 1EdTech revocation lists, checked through the verifier."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.verification.verdict import Status
from tests.support.vc import OB3_EXTENSIONS, VcWorld, bitstring, vc_world
from tests.support.verdicts import assert_verdict, check


@pytest.fixture
async def world() -> AsyncIterator[VcWorld]:
    async with vc_world() as world:
        yield world


async def test_a_credential_whose_bit_is_not_set_is_valid(world: VcWorld) -> None:
    url = world.status_list("/status/1", 7)
    credential = world.sign(world.badge(credentialStatus=world.bitstring_entry(url, 42)))

    verdict = await world.verifier.verify(credential)

    assert_verdict(verdict, Status.VALID, "verified")
    assert check(verdict, "status") is True


async def test_a_credential_whose_bit_is_set_is_revoked(world: VcWorld) -> None:
    url = world.status_list("/status/1", 42)
    credential = world.sign(world.badge(credentialStatus=world.bitstring_entry(url, 42)))

    verdict = await world.verifier.verify(credential)

    assert_verdict(verdict, Status.REVOKED, "revoked_status")


async def test_a_suspended_credential_is_revoked_with_its_own_reason(world: VcWorld) -> None:
    url = world.status_list("/status/s", 42, purpose="suspension")
    entry = world.bitstring_entry(url, 42, purpose="suspension")

    verdict = await world.verifier.verify(world.sign(world.badge(credentialStatus=entry)))

    assert_verdict(verdict, Status.REVOKED, "suspended_status")


async def test_a_status_list_that_answers_404_leaves_the_status_unknown(world: VcWorld) -> None:
    entry = world.bitstring_entry(world.url("/status/missing"), 42)

    verdict = await world.verifier.verify(world.sign(world.badge(credentialStatus=entry)))

    assert_verdict(verdict, Status.UNVERIFIABLE, "status_unknown")


async def test_a_status_list_signed_by_another_issuer_leaves_the_status_unknown(world: VcWorld) -> None:
    url = world.status_list(
        "/status/foreign",
        issuer=world.other_issuer,
        key=world.other_key,
        method=f"{world.other_issuer}#key-1",
    )
    credential = world.sign(world.badge(credentialStatus=world.bitstring_entry(url, 42)))

    verdict = await world.verifier.verify(credential)

    assert_verdict(verdict, Status.UNVERIFIABLE, "status_unknown")


async def test_a_tampered_encoded_list_leaves_the_status_unknown(world: VcWorld) -> None:
    listed = world.signed_status_list("/status/t", 42)
    listed["credentialSubject"]["encodedList"] = bitstring()
    world.home.route("/status/t", listed)
    url = world.url("/status/t")
    credential = world.sign(world.badge(credentialStatus=world.bitstring_entry(url, 42)))

    verdict = await world.verifier.verify(credential)

    assert_verdict(verdict, Status.UNVERIFIABLE, "status_unknown")


async def test_a_1edtech_revocation_list_naming_the_credential_revokes_it(world: VcWorld) -> None:
    credential = world.badge(contexts=(OB3_EXTENSIONS,))
    world.home.route(
        "/revocations",
        {
            "id": world.url("/revocations"),
            "issuer": world.issuer,
            "revokedCredentials": [{"id": credential["id"], "revocationReason": "Issued in error"}],
        },
    )
    credential["credentialStatus"] = {"id": world.url("/revocations"), "type": "1EdTechRevocationList"}

    verdict = await world.verifier.verify(world.sign(credential))

    assert_verdict(verdict, Status.REVOKED, "revoked_status")
    assert "Issued in error" in verdict.message


async def test_a_cached_list_is_not_fetched_again(world: VcWorld) -> None:
    url = world.status_list("/status/c")
    credential = world.sign(world.badge(credentialStatus=world.bitstring_entry(url, 3)))

    first = await world.verifier.verify(credential)
    second = await world.verifier.verify(credential)

    assert first.status is second.status is Status.VALID
    assert world.home.requests.count("/status/c") == 1
