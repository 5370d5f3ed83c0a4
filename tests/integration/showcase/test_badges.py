"""/badge through SimCord: verified badges posted to the showcase, against a real local issuer."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_config
from bot.errors import Conflict
from tests.integration.conftest import BotFactory, World, button_labels, refusals, restart
from tests.integration.showcase.world import Showcase, field, role_ids, showcase_world
from tests.support.issuer import EMAIL, IssuerWorld, itxt, png


async def test_a_verified_badge_is_posted_to_the_showcase(showcase: Showcase) -> None:
    result = await showcase.add()

    assert result.ephemeral
    assert result.response.content.startswith("Badge added.")
    assert "now in the showcase" in result.response.content
    assert result.response.embeds[0].title == "✅ VALID · Python Fundamentals"
    post = showcase.post()
    embed = post.embeds[0]
    assert embed.title == "🏅 Python Fundamentals"
    assert embed.description == f"Earned by <@{showcase.world.alice.id}>"
    assert field(embed, "Issuer").startswith("Example University")
    assert "Python" in field(embed, "Skills")
    assert field(embed, "Earned") == "2025-01-15"
    assert field(embed, "Verification") == "Verified: Open Badges 2.0, hosted by 127.0.0.1"
    assert embed.thumbnail.url == showcase.issuer.home.url("/badges/python.png")
    assert button_labels(post) == ["View credential", "Congratulate"]
    assert post.components[0].children[0].url == showcase.issuer.home.url("/assertions/1")  # type: ignore[union-attr]


async def test_a_baked_image_is_added(showcase: Showcase) -> None:
    image = png(itxt(showcase.url()))
    result = await showcase.add(image=("badge.png", image))
    assert result.response.content.startswith("Badge added.")
    assert showcase.post().embeds[0].title == "🏅 Python Fundamentals"


@pytest.mark.parametrize(
    ("serve", "email", "reason"),
    [
        ("valid", "someone@else.example", "recipient_mismatch"),
        ("revoked", EMAIL, "http_410"),
        ("expired", EMAIL, "expired"),
    ],
)
async def test_refused_badges_say_why_and_are_not_posted(
    showcase: Showcase, serve: str, email: str, reason: str
) -> None:
    assertion = showcase.issuer.assertion()
    if serve == "revoked":
        showcase.issuer.home.route("/assertions/1", {**assertion, "revocationReason": "Fraud"}, status=410)
        url = assertion["id"]
    elif serve == "expired":
        url = showcase.issuer.host({**assertion, "expires": "2025-06-01T00:00:00Z"})
    else:
        url = showcase.issuer.host(assertion)

    result = await showcase.add(url=url, email=email)

    assert result.ephemeral
    assert result.response.embeds[0].footer.text == f"reason: {reason}"
    assert showcase.posts() == []
    listed = await showcase.world.alice.slash(showcase.world.general, "badge list")
    assert "no badges" in listed.response.content


async def test_a_credential_claimed_by_another_member_is_refused(showcase: Showcase) -> None:
    await showcase.add()
    taken = await showcase.add(showcase.world.bob)
    assert "already claimed" in taken.response.content
    assert [type(e) for e in refusals(showcase.world.env)] == [Conflict]
    assert len(showcase.posts()) == 1


async def test_adding_the_same_badge_again_edits_its_post(showcase: Showcase) -> None:
    await showcase.add()
    again = await showcase.add()
    assert again.response.content.startswith("Badge updated. Its showcase post was updated.")
    assert len(showcase.posts()) == 1


async def test_congratulations_count_once_per_member_and_survive_a_restart(
    showcase: Showcase, bots: BotFactory
) -> None:
    world = showcase.world
    await showcase.add()
    post = showcase.post()

    first = await world.bob.click(post, label="Congratulate")
    assert first.acknowledged
    twice = await world.bob.click(showcase.post(), label="Congratulate · 1")
    assert twice.response.content == "You have already congratulated this badge. 🎉"
    await showcase.admin.click(showcase.post(), label="Congratulate · 1")
    assert button_labels(showcase.post())[-1] == "Congratulate · 2"
    assert showcase.post().embeds[0].footer.text == "🎉 2 congratulations"

    own = await world.alice.click(showcase.post(), label="Congratulate · 2")
    assert "cannot congratulate yourself" in own.response.content

    await restart(world.env, bots)
    carol = world.guild.add_member(world.env.create_user("carol"))
    await carol.click(showcase.post(), label="Congratulate · 2")
    assert button_labels(showcase.post())[-1] == "Congratulate · 3"


async def test_remove_deletes_the_post(showcase: Showcase) -> None:
    await showcase.add()
    world = showcase.world
    choices = await world.alice.autocomplete(world.general, "badge remove", "badge", "python")
    assert [c["name"] for c in choices] == ["Python Fundamentals · Example University"]

    result = await world.alice.slash(world.general, "badge remove", badge=choices[0]["value"])
    assert result.response.content == "Removed **Python Fundamentals**."
    assert showcase.posts() == []


async def test_a_post_deleted_by_a_moderator_is_posted_again_on_update(showcase: Showcase) -> None:
    await showcase.add()
    await showcase.admin.delete(showcase.post())
    again = await showcase.add()
    assert "now in the showcase" in again.response.content
    assert len(showcase.posts()) == 1


async def test_without_a_showcase_channel_the_badge_is_kept(world: World, issuer: IssuerWorld) -> None:
    showcase = await showcase_world(world, issuer, channel=False)
    result = await showcase.add()
    assert "no showcase channel" in result.response.content
    listed = await world.alice.slash(world.general, "badge list")
    assert "Python Fundamentals" in (listed.response.embeds[0].description or "")


async def test_a_failed_showcase_post_keeps_the_badge_and_says_so(showcase: Showcase) -> None:
    showcase.world.env.inject_error("POST", "/channels/*/messages", status=500)
    result = await showcase.add()
    assert "Your badge is saved, but I could not post it" in result.response.content
    assert showcase.posts() == []
    listed = await showcase.world.alice.slash(showcase.world.general, "badge list")
    assert "Python Fundamentals" in (listed.response.embeds[0].description or "")


async def test_a_long_list_is_paged_with_buttons_for_the_caller(showcase: Showcase) -> None:
    world = showcase.world
    for i in range(12):
        await showcase.add(url=showcase.url(f"/assertions/{i}"))
    listed = await world.alice.slash(world.general, "badge list")
    assert listed.response.embeds[0].footer.text.startswith("Page 1/2")
    assert (listed.response.embeds[0].description or "").count("✅") == 10

    turned = await world.alice.click(listed.response, label="Next")
    assert turned.response.embeds[0].footer.text.startswith("Page 2/2")
    assert (turned.response.embeds[0].description or "").count("✅") == 2


async def test_refresh_sees_a_revocation_at_once_and_edits_the_post(showcase: Showcase) -> None:
    world = showcase.world
    await showcase.add()
    (choice,) = await world.alice.autocomplete(world.general, "badge refresh", "badge", "")
    assertion = showcase.issuer.assertion()
    showcase.issuer.home.route("/assertions/1", {**assertion, "revocationReason": "Fraud"}, status=410)

    result = await world.alice.slash(world.general, "badge refresh", badge=choice["value"])

    assert result.response.content.startswith("Status changed:")
    assert "showcase post was updated" in result.response.content
    assert (showcase.post().embeds[0].title or "").startswith("⛔ Revoked on ")


async def test_a_revocation_after_a_moderator_deleted_the_post_does_not_crash(showcase: Showcase) -> None:
    world = showcase.world
    await showcase.add()
    await showcase.admin.delete(showcase.post())
    assertion = showcase.issuer.assertion()
    showcase.issuer.home.route("/assertions/1", {**assertion, "revocationReason": "Fraud"}, status=410)

    await world.env.advance_time(3 * 3600)

    assert showcase.posts() == []
    listed = await world.alice.slash(world.general, "badge list")
    assert "(revoked)" in (listed.response.embeds[0].description or "")


async def test_a_private_address_is_refused_on_the_default_config(
    showcase: Showcase, bots: BotFactory, db_path: Path
) -> None:
    url = showcase.url()
    await restart(showcase.world.env, bots, load_config(None, {"CREDCORD_DB_PATH": str(db_path)}))
    result = await showcase.add(url=url)
    assert result.response.embeds[0].title.startswith("🚫 REFUSED")
    assert showcase.posts() == []


async def test_a_revocation_is_applied_even_when_the_owner_has_closed_dms(showcase: Showcase) -> None:
    world = showcase.world
    role = world.guild.create_role("Python devs")
    await showcase.admin.slash(world.general, "setup skill-role", skill="Python", role=role)
    await showcase.add()
    assert role.id in role_ids(world, world.alice.id)
    assertion = showcase.issuer.assertion()
    showcase.issuer.home.route("/assertions/1", {**assertion, "revocationReason": "Fraud"}, status=410)
    world.env.inject_error("POST", "/channels/*/messages", status=403, code=50007, message="Cannot send")

    await world.env.advance_time(3 * 3600)

    assert (showcase.post().embeds[0].title or "").startswith("⛔ Revoked on ")
    attempted = [
        r.json for r in world.env.http_requests if r.method == "POST" and r.path.endswith("/messages")
    ]
    assert "is now revoked" in str(attempted[-1])
    # The role change comes after the refused DM: the round carried on.
    assert role.id not in role_ids(world, world.alice.id)


async def test_the_showcase_post_stays_within_discord_limits(showcase: Showcase) -> None:
    long = "Ünïcödé @everyone [x](https://evil.example) " * 300
    issuer = showcase.issuer
    issuer.publish(
        profile=issuer.profile(name=long),
        badge_class=issuer.badge_class(name=long, tags=[f"{long[:40]}{i}" for i in range(300)]),
    )
    await showcase.add()

    embed = showcase.post().embeds[0]
    assert len(embed) <= 6000 and len(embed.title or "") <= 256
    assert all(len(f.value or "") <= 1024 for f in embed.fields)
    assert "@everyone" not in str(embed.to_dict())
    # the world fixture also validates every body against Discord's schema
