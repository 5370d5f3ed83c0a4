"""/verify through SimCord, against issuers served from real HTTP servers on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import discord
import pytest

from bot.config import Config, load_config
from bot.errors import InvalidInput, RateLimited
from tests.integration.conftest import BotFactory, World, config_from, refusals, restart
from tests.support.issuer import EMAIL, IssuerWorld, itxt, png

LONG = "Ünïcödé @everyone [x](https://evil.example) " * 300


@pytest.fixture
def config(db_path: Path, tmp_path: Path) -> Config:
    # The test issuers live on 127.0.0.1, which the fetcher refuses unless told otherwise.
    return config_from(
        "[verification]\nallow_private_networks = true\ntotal_timeout = 3.0\ncooldown_seconds = 30\n",
        db_path,
        tmp_path,
    )


def _verdict(result: Any) -> discord.Embed:
    """The verdict embed: after a deferral, the reply replaces the "thinking…" message."""
    assert result.response.ephemeral
    return result.response.embeds[0]


def _field(result: Any, name: str) -> str:
    return next(str(f.value) for f in _verdict(result).fields if f.name == name)


def _deferred_callbacks(world: World) -> int:
    return sum(
        1
        for r in world.env.http_requests
        if r.path.endswith("/callback") and isinstance(r.json, dict) and r.json.get("type") == 5
    )


async def test_a_valid_hosted_badge_url(world: World, issuer: IssuerWorld) -> None:
    url = issuer.host(issuer.assertion())
    result = await world.alice.slash(world.general, "verify", url=url, email=EMAIL)

    assert _deferred_callbacks(world) == 1  # acknowledged at once, before any fetch
    embed = _verdict(result)
    assert embed.title == "✅ VALID · Python Fundamentals"
    assert "Python" in _field(result, "Skills")
    assert _field(result, "Recipient") == "matches your email"
    checks = _field(result, "Checks")
    assert "✓" in checks and "✗" not in checks
    assert embed.footer.text == "reason: verified"


async def test_saved_profile_emails_are_used_when_none_is_given(world: World, issuer: IssuerWorld) -> None:
    shown = await world.alice.slash(world.general, "profile edit", emails=EMAIL.upper())
    await world.alice.submit_modal(shown, {})
    url = issuer.host(issuer.assertion())

    result = await world.alice.slash(world.general, "verify", url=url)
    assert _field(result, "Recipient") == "matches your email"

    stranger = await world.bob.slash(world.general, "verify", url=url, email="bob@example.org")
    assert _verdict(stranger).title.startswith("❌ INVALID")
    assert _verdict(stranger).footer.text == "reason: recipient_mismatch"


async def test_a_revoked_badge_says_so(world: World, issuer: IssuerWorld) -> None:
    assertion = issuer.assertion()
    issuer.home.route("/assertions/1", {**assertion, "revocationReason": "Issued in error"}, status=410)
    result = await world.alice.slash(world.general, "verify", url=assertion["id"])
    embed = _verdict(result)
    assert embed.title.startswith("⛔ REVOKED")
    assert embed.footer.text == "reason: http_410"


async def test_a_baked_png_attachment(world: World, issuer: IssuerWorld) -> None:
    url = issuer.host(issuer.assertion())
    image = png(itxt(url))
    result = await world.alice.slash(world.general, "verify", image=("badge.png", image), email=EMAIL)
    assert _verdict(result).title == "✅ VALID · Python Fundamentals"


async def test_an_oversized_image_is_refused_before_download(world: World) -> None:
    big = png(b"\0" * (5 * 1024 * 1024 + 1))
    result = await world.alice.slash(world.general, "verify", image=("huge.png", big))
    assert _deferred_callbacks(world) == 0
    assert result.response.content.startswith("image: is 5.0 MiB")
    assert [type(e) for e in refusals(world.env)] == [InvalidInput]


async def test_a_non_image_attachment_is_refused(world: World) -> None:
    result = await world.alice.slash(world.general, "verify", image=("notes.txt", b"hello"))
    assert result.response.content == "image: must be a PNG or SVG badge image"
    refusals(world.env)


@pytest.mark.parametrize("options", [{}, {"url": "https://a.example/b", "image": ("b.png", b"x")}])
async def test_exactly_one_source_is_required(world: World, options: dict[str, object]) -> None:
    result = await world.alice.slash(world.general, "verify", **options)
    assert "give either a badge url or a badge image" in result.response.content
    assert result.ephemeral
    refusals(world.env)


async def test_cooldown_per_member(world: World, issuer: IssuerWorld) -> None:
    url = issuer.host(issuer.assertion())
    await world.alice.slash(world.general, "verify", url=url)
    again = await world.alice.slash(world.general, "verify", url=url)
    assert again.response.content == "You can verify again in 30 s."
    assert [type(e) for e in refusals(world.env)] == [RateLimited]

    other = await world.bob.slash(world.general, "verify", url=url)  # cooldowns are per member
    assert _verdict(other).title.startswith("✅")
    await world.env.advance_time(31)
    later = await world.alice.slash(world.general, "verify", url=url)
    assert _verdict(later).title.startswith("✅")


async def test_the_verdict_embed_stays_within_discord_limits(world: World, issuer: IssuerWorld) -> None:
    issuer.publish(
        profile=issuer.profile(name=LONG),
        badge_class=issuer.badge_class(
            name=LONG, description=LONG, tags=[f"{LONG[:40]}{i}" for i in range(300)]
        ),
    )
    result = await world.alice.slash(world.general, "verify", url=issuer.host(issuer.assertion()))
    embed = _verdict(result)
    assert len(embed) <= 6000 and len(embed.title or "") <= 256
    assert all(len(f.value or "") <= 1024 for f in embed.fields)
    assert "@everyone" not in str(embed.to_dict())
    # the world fixture also validates the body against Discord's schema


async def test_a_private_address_is_refused_by_default(
    world: World, issuer: IssuerWorld, bots: BotFactory, db_path: Path
) -> None:
    # Restart the bot on the default configuration, where loopback is off limits.
    url = issuer.host(issuer.assertion())
    await restart(world.env, bots, load_config(None, {"CREDCORD_DB_PATH": str(db_path)}))
    seen = len(issuer.home.requests)

    result = await world.alice.slash(world.general, "verify", url=url)
    assert _verdict(result).title.startswith("🚫 REFUSED")
    assert len(issuer.home.requests) == seen
