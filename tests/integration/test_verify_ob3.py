"""/verify of Open Badges 3.0 credentials through SimCord, served from a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.config import Config
from tests.integration.conftest import World, config_from
from tests.support.http_server import LocalServer
from tests.support.issuer import EMAIL, itxt, png
from tests.support.vc import OB3, VALID_FROM, VC_V2, did_key, ed25519_key, email_identity, sign

KEY = ed25519_key("integration issuer")
DID = did_key(KEY)


@pytest.fixture
def config(db_path: Path, tmp_path: Path) -> Config:
    return config_from(
        "[verification]\nallow_private_networks = true\ntotal_timeout = 3.0\n", db_path, tmp_path
    )


def credential(**changes: Any) -> dict[str, Any]:
    document = {
        "@context": [VC_V2, OB3],
        "id": "urn:uuid:7d1e2f3a-4b5c-4d6e-8f9a-0b1c2d3e4f5a",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": DID, "type": ["Profile"], "name": "Example Institute"},
        "validFrom": VALID_FROM,
        "name": "Data Literacy",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [email_identity()],
            "achievement": {
                "id": "urn:uuid:5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9",
                "type": ["Achievement"],
                "name": "Data Literacy",
                "description": "Reads, cleans and charts data.",
                "criteria": {"narrative": "Complete the capstone."},
                "tag": ["Data analysis"],
            },
        },
        **changes,
    }
    return sign(document, KEY, f"{DID}#{DID.removeprefix('did:key:')}")


async def test_an_ob3_credential_url_is_verified(world: World, server: LocalServer) -> None:
    server.route("/credentials/1", credential())

    result = await world.alice.slash(world.general, "verify", url=server.url("/credentials/1"), email=EMAIL)

    embed = result.response.embeds[0]
    assert result.response.ephemeral
    assert embed.title == "✅ VALID · Data Literacy"
    assert embed.footer.text == "reason: verified"
    assert next(str(f.value) for f in embed.fields if f.name == "Recipient") == "matches your email"


async def test_a_tampered_ob3_credential_baked_in_a_png_is_invalid(world: World) -> None:
    forged = credential()
    forged["credentialSubject"]["achievement"]["name"] = "Data Science Mastery"
    image = png(itxt(json.dumps(forged), keyword=b"openbadgecredential"))

    result = await world.alice.slash(world.general, "verify", image=("badge.png", image), email=EMAIL)

    embed = result.response.embeds[0]
    assert embed.title.startswith("❌ INVALID")
    assert "Data Science Mastery" not in (embed.title or "") + (embed.description or "")
    assert embed.footer.text == "reason: signature_invalid"
