"""/verify of provider pages, with the bot built from a config that adds a provider rule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import discord
import pytest

from bot.config import Config
from tests.integration.conftest import World, config_from
from tests.support.issuer import EMAIL, IssuerWorld

CREDLY_ID = "8b2899fa-690d-43d3-9dfb-91a6b85e021f"


@pytest.fixture
def config(db_path: Path, tmp_path: Path, issuer: IssuerWorld) -> Config:
    # An admin's rule in front of the bundled Credly one: Credly pages map to the local issuer.
    toml = (
        "[verification]\nallow_private_networks = true\ntotal_timeout = 3.0\n"
        "[[verification.providers]]\n"
        'name = "Credly"\n'
        "pattern = 'https://www\\.credly\\.com/badges/(?P<id>[0-9a-f-]+)'\n"
        'action = "fetch"\n'
        f'target = "{issuer.home.url("/v1/obi/v2/badge_assertions/{id}")}"\n'
    )
    return config_from(toml, db_path, tmp_path)


def _embed(result: Any) -> discord.Embed:
    assert result.response.ephemeral
    embed: discord.Embed = result.response.embeds[0]
    return embed


async def test_a_credly_page_is_verified_through_the_configured_rule(
    world: World, issuer: IssuerWorld
) -> None:
    issuer.host(issuer.assertion(f"/v1/obi/v2/badge_assertions/{CREDLY_ID}"))

    result = await world.alice.slash(
        world.general, "verify", url=f"https://www.credly.com/badges/{CREDLY_ID}/public_url", email=EMAIL
    )

    embed = _embed(result)
    assert embed.title == "✅ VALID · Python Fundamentals"
    checks = next(str(field.value) for field in embed.fields if field.name == "Checks")
    assert "provider" in checks and "Credly" in checks


async def test_a_coursera_certificate_asks_for_a_verifiable_link(world: World) -> None:
    result = await world.alice.slash(world.general, "verify", url="https://www.coursera.org/verify/ABCD1234")

    embed = _embed(result)
    assert embed.title is not None and embed.title.startswith("❔ UNVERIFIABLE")
    assert embed.footer.text == "reason: no_machine_readable_credential"
    assert embed.description is not None and "Credly" in embed.description
