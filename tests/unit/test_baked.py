"""Extracting badge data baked into PNG and SVG images, and refusing hostile images."""

from __future__ import annotations

import struct
import tracemalloc

import pytest

from bot.verification.baked import BakedBadge, BakedError, extract_baked, extract_from_png, extract_from_svg
from tests.support.issuer import (
    BILLION_LAUGHS,
    EXTERNAL_ENTITY,
    compressed_bomb,
    itxt,
    png,
    png_chunk,
    svg,
    text_chunk,
)

URL = "https://issuer.example/assertions/1"


def reason(data: bytes) -> str:
    with pytest.raises(BakedError) as caught:
        extract_baked(data)
    return caught.value.reason


def test_png_itxt_chunk_is_read() -> None:
    assert extract_baked(png(itxt(URL))) == BakedBadge("png", "iTXt chunk", URL)


def test_png_itxt_with_language_and_translated_keyword_is_read() -> None:
    chunk = png_chunk(b"iTXt", b"openbadges\x00\x00\x00en\x00Open Badges\x00" + URL.encode())
    assert extract_from_png(png(chunk)).content == URL


def test_legacy_png_text_chunk_is_read() -> None:
    assert extract_baked(png(text_chunk(URL))) == BakedBadge("png", "tEXt chunk", URL)


def test_other_text_chunks_are_ignored() -> None:
    data = png(
        text_chunk("made with paint", keyword=b"Software"), itxt("x", keyword=b"openbadgesX"), itxt(URL)
    )
    assert extract_baked(data).content == URL


def test_png_without_badge_data() -> None:
    assert reason(png()) == "no_badge_data"


def test_compressed_itxt_is_refused_without_inflating() -> None:
    bomb = compressed_bomb()
    tracemalloc.start()
    try:
        assert reason(bomb) == "compressed_chunk"
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20


def test_ztxt_openbadges_chunk_is_refused() -> None:
    chunk = png_chunk(b"zTXt", b"openbadges\x00\x00" + b"x\x9c\x03\x00\x00\x00\x00\x01")
    assert reason(png(chunk)) == "compressed_chunk"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(png(itxt(URL))[:40], id="truncated"),
        pytest.param(
            b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 0xFFFFFFF0) + b"iTXt" + b"\x00" * 8, id="huge-length"
        ),
        pytest.param(b"\x89PNG\r\n\x1a\n" + png_chunk(b"i\x00Xt", b"abc"), id="non-letter-type"),
        pytest.param(png(png_chunk(b"iTXt", b"openbadges\x00")), id="short-itxt"),
        pytest.param(png(png_chunk(b"iTXt", b"openbadges\x00\x00\x00\x00\x00\xff\xfe")), id="non-utf8"),
    ],
)
def test_damaged_png_is_malformed(data: bytes) -> None:
    assert reason(data) == "malformed_image"


def test_data_after_iend_is_ignored() -> None:
    assert reason(png() + itxt(URL)) == "no_badge_data"


def test_svg_verify_attribute_is_read() -> None:
    assert extract_baked(svg(verify=URL)) == BakedBadge("svg", "verify attribute", URL)


def test_svg_embedded_assertion_is_read() -> None:
    assert extract_from_svg(svg(content='{"id": "x"}')).content == '{"id": "x"}'


def test_svg_without_badge_data() -> None:
    assert reason(svg()) == "no_badge_data"
    assert reason(b'<svg xmlns="http://www.w3.org/2000/svg"/>') == "no_badge_data"


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_svg_with_dtd_or_entities_is_unsafe(data: bytes) -> None:
    assert reason(data) == "unsafe_xml"


def test_malformed_svg() -> None:
    assert reason(b"<svg><openbadges:assertion verify='x'></svg>") == "malformed_image"


def test_unknown_bytes_are_unrecognized() -> None:
    assert reason(b"GIF89a\x01\x00") == "unrecognized_input"
