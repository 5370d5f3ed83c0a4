"""The official 1EdTech Open Badges 3.0 eddsa-rdfc-2022 test vector, reproduced byte for byte."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.verification.vc.canonical import rdfc
from bot.verification.vc.proofs import read_proof
from bot.verification.verdict import Status
from tests.support.vc import DID_V1, MULTIKEY, VcWorld, vc_world

VECTOR = Path(__file__).resolve().parents[1] / "data" / "ob3-vector"
CONTROLLER = "https://example.edu/issuers/565049"
METHOD = f"{CONTROLLER}#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"


def credential() -> dict[str, Any]:
    document: dict[str, Any] = json.loads((VECTOR / "credential.json").read_text())
    return document


def serve_controller(world: VcWorld) -> None:
    """Serve the vector issuer's controller document, which holds its Multikey, at its https URL."""
    world.home.route(
        "/issuers/565049",
        {
            "@context": [DID_V1, MULTIKEY],
            "id": CONTROLLER,
            "verificationMethod": [
                {
                    "id": METHOD,
                    "type": "Multikey",
                    "controller": CONTROLLER,
                    "publicKeyMultibase": METHOD.partition("#")[2],
                }
            ],
            "assertionMethod": [METHOD],
        },
    )


def test_the_document_canonicalizes_to_the_vector_n_quads() -> None:
    document = {key: value for key, value in credential().items() if key != "proof"}

    assert rdfc(document) == (VECTOR / "document-canon.nq").read_text()


def test_the_proof_options_canonicalize_to_the_vector_n_quads() -> None:
    document = credential()
    options = {**read_proof(document).options, "@context": document["@context"]}

    assert rdfc(options) == (VECTOR / "proof-canon.nq").read_text()


async def test_the_vector_verifies_with_its_controller_document_served_locally() -> None:
    async with vc_world() as world:
        serve_controller(world)

        verdict = await world.verifier.verify(credential())

        assert (verdict.status, verdict.reason) == (Status.VALID, "verified"), verdict.message
        assert verdict.credential is not None and verdict.credential.name == "Teamwork"
        assert verdict.issuer is not None and verdict.issuer.name == "Example Corp"


async def test_the_vector_with_one_changed_word_does_not_verify() -> None:
    async with vc_world() as world:
        serve_controller(world)
        document = credential()
        document["credentialSubject"]["achievement"]["name"] = "Teamwork!"

        verdict = await world.verifier.verify(document)

        assert (verdict.status, verdict.reason) == (Status.INVALID, "signature_invalid")
