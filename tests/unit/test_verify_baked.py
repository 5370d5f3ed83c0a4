"""Verifying badges baked into PNG and SVG images: the baked content is verified like any other input."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from bot.verification.verdict import Status, Verdict
from tests.support.issuer import (
    BILLION_LAUGHS,
    EMAIL,
    EXTERNAL_ENTITY,
    IssuerWorld,
    compressed_bomb,
    issuer_world,
    itxt,
    png,
    sign_rs256,
    svg,
    text_chunk,
)
from tests.support.verdicts import assert_verdict


@pytest.fixture
async def world() -> AsyncIterator[IssuerWorld]:
    async with issuer_world() as world:
        yield world


def source_detail(verdict: Verdict) -> str:
    return verdict.checks[0].detail


async def test_png_with_hosted_url(world: IssuerWorld) -> None:
    url = world.host(world.assertion())

    verdict = await world.verifier.verify(png(itxt(url)), emails=[EMAIL])

    assert_verdict(verdict, Status.VALID, "verified")
    assert verdict.format == "ob2-hosted"
    assert "PNG iTXt chunk" in source_detail(verdict)


async def test_png_with_legacy_text_chunk_url(world: IssuerWorld) -> None:
    url = world.host(world.assertion())

    verdict = await world.verifier.verify(png(text_chunk(url)))

    assert_verdict(verdict, Status.VALID, "verified")


async def test_png_with_jws(world: IssuerWorld) -> None:
    verdict = await world.verifier.verify(png(itxt(sign_rs256(world.signed_assertion()))), emails=[EMAIL])

    assert_verdict(verdict, Status.VALID, "verified")
    assert verdict.format == "ob2-signed"


async def test_png_with_embedded_json_uses_the_hosted_copy(world: IssuerWorld) -> None:
    hosted = world.assertion()
    world.host(hosted)
    baked = {**hosted, "issuedOn": "2024-01-01T00:00:00Z"}

    verdict = await world.verifier.verify(png(itxt(json.dumps(baked))))

    assert_verdict(verdict, Status.VALID, "verified")
    assert any(c.name == "hosted_copy" and "issuedOn" in c.detail for c in verdict.checks)


async def test_png_pointing_at_a_revoked_badge_is_revoked(world: IssuerWorld) -> None:
    world.home.route("/assertions/1", b"", status=410)

    verdict = await world.verifier.verify(png(itxt(world.home.url("/assertions/1"))))

    assert_verdict(verdict, Status.REVOKED, "http_410")


async def test_svg_with_verify_url(world: IssuerWorld) -> None:
    url = world.host(world.assertion())

    verdict = await world.verifier.verify(svg(verify=url), emails=[EMAIL])

    assert_verdict(verdict, Status.VALID, "verified")
    assert "SVG verify attribute" in source_detail(verdict)


async def test_svg_with_embedded_assertion(world: IssuerWorld) -> None:
    assertion = world.assertion()
    world.host(assertion)

    verdict = await world.verifier.verify(svg(content=json.dumps(assertion)), emails=[EMAIL])

    assert_verdict(verdict, Status.VALID, "verified")


async def test_svg_with_embedded_jws(world: IssuerWorld) -> None:
    verdict = await world.verifier.verify(svg(content=sign_rs256(world.signed_assertion())))

    assert_verdict(verdict, Status.VALID, "verified")
    assert verdict.format == "ob2-signed"


async def test_svg_given_as_text(world: IssuerWorld) -> None:
    url = world.host(world.assertion())

    verdict = await world.verifier.verify(svg(verify=url).decode())

    assert_verdict(verdict, Status.VALID, "verified")


async def test_png_without_badge(world: IssuerWorld) -> None:
    verdict = await world.verifier.verify(png())

    assert_verdict(verdict, Status.INVALID, "no_badge_data")
    assert verdict.format is None
    assert [c.ok for c in verdict.checks] == [False]


async def test_png_with_text_that_is_no_badge(world: IssuerWorld) -> None:
    verdict = await world.verifier.verify(png(itxt("hello there")))

    assert_verdict(verdict, Status.INVALID, "no_badge_data")


async def test_compressed_itxt_bomb(world: IssuerWorld) -> None:
    verdict = await world.verifier.verify(compressed_bomb())

    assert_verdict(verdict, Status.INVALID, "compressed_chunk")


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
async def test_hostile_svg(world: IssuerWorld, data: bytes) -> None:
    verdict = await world.verifier.verify(data)

    assert_verdict(verdict, Status.INVALID, "unsafe_xml")


@pytest.mark.parametrize(
    "data", [b"\x00\x01\x02garbage\xff", b"GIF89a", b"", "   ", "just some words"], ids=repr
)
async def test_garbage_is_invalid(world: IssuerWorld, data: bytes | str) -> None:
    verdict = await world.verifier.verify(data)

    assert_verdict(verdict, Status.INVALID, "unrecognized_input")


async def test_oversized_input_is_too_large(world: IssuerWorld) -> None:
    verdict = await world.verifier.verify(png(itxt("x" * (6 << 20))))

    assert_verdict(verdict, Status.INVALID, "too_large")
