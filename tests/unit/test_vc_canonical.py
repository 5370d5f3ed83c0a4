"""Strict, bounded canonicalization and the vendored contexts, without any network."""

from __future__ import annotations

import hashlib
import json
from importlib import resources

import pytest

from bot.verification.vc import canonical
from bot.verification.vc.canonical import CanonicalError, jcs, rdfc
from bot.verification.vc.contexts import UnknownContext, known_urls, load_document
from bot.verification.vc.keys import (
    KeyFormatError,
    base58_decode,
    base58_encode,
    jwk_public_key,
    multikey_ed25519,
)
from tests.support.vc import OB3, VC_V2, ed25519_key, jwk, multikey, private_jwk


def test_every_vendored_context_matches_its_pinned_hash() -> None:
    folder = resources.files("bot.verification") / "contexts"
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))

    for url, entry in manifest.items():
        assert hashlib.sha256((folder / entry["file"]).read_bytes()).hexdigest() == entry["sha256"], url
    assert {VC_V2, OB3} <= known_urls()


def test_the_loader_refuses_any_url_it_does_not_hold() -> None:
    with pytest.raises(UnknownContext):
        load_document("https://example.org/context.json")


def test_a_context_nested_inside_a_document_is_checked_too() -> None:
    document = {"@context": [VC_V2], "credentialSubject": {"@context": "https://evil.example/ctx"}}

    with pytest.raises(CanonicalError) as caught:
        rdfc(document)

    assert caught.value.reason == "unknown_context"


def test_a_relative_id_is_an_undefined_term() -> None:
    with pytest.raises(CanonicalError) as caught:
        rdfc({"@context": [VC_V2], "id": "credentials/1", "type": ["VerifiableCredential"]})

    assert caught.value.reason == "undefined_term"


def test_a_crafted_blank_node_graph_stops_instead_of_stalling() -> None:
    # Eight indistinguishable blank nodes all linked to each other: URDNA2015 would try 8! orderings each.
    nodes = [{"@id": f"_:n{i}"} for i in range(8)]
    graph = [
        {"@id": f"_:n{i}", "https://schema.org/knows": [node for j, node in enumerate(nodes) if j != i]}
        for i in range(8)
    ]

    with pytest.raises(CanonicalError) as caught:
        rdfc({"@graph": graph})

    assert caught.value.reason == "too_complex"


def test_an_oversized_document_is_refused_before_expansion(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(canonical, "MAX_JSON_VALUES", 10)

    with pytest.raises(CanonicalError) as caught:
        jcs({"values": list(range(20))})

    assert caught.value.reason == "too_complex"


def test_base58_round_trips_with_leading_zeros() -> None:
    data = b"\x00\x00hello"

    assert base58_decode(base58_encode(data)) == data


def test_multikey_and_jwk_give_the_same_ed25519_key() -> None:
    key = ed25519_key()

    from_multikey = multikey_ed25519(multikey(key))
    from_jwk = jwk_public_key(jwk(key))

    assert from_multikey.public_bytes_raw() == from_jwk.public_bytes_raw()  # type: ignore[union-attr]


def test_a_jwk_with_private_parts_is_refused() -> None:
    with pytest.raises(KeyFormatError) as caught:
        jwk_public_key(private_jwk(ed25519_key()))

    assert caught.value.reason == "private_key"
