"""Admin rounds and statistics through SimCord: preview, publish, discard, and who may run them."""

from __future__ import annotations

from bot.errors import NotAllowed
from tests.integration.conftest import button_labels, refusals
from tests.integration.mentorship.world import Mentoring


async def test_a_round_preview_publishes_offers_to_mentors(mentoring: Mentoring) -> None:
    world = mentoring.world
    await mentoring.offer(world.bob, capacity=1)
    await mentoring.offer(mentoring.carol, capacity=1)
    dan = world.guild.add_member(world.env.create_user("dan"))
    await mentoring.request(world.alice)  # shown the list, picks nobody: the request stays open
    await mentoring.request(mentoring.admin)
    await mentoring.request(dan, skill="Basket weaving")  # nobody offers it: queued at once

    preview = await mentoring.admin.slash(world.general, "mentor round")

    embed = preview.response.embeds[0]
    fields = {f.name: f.value for f in embed.fields}
    assert fields["Matched"] == "2 of 3 requests"
    assert fields["Unmatched"] == f"<@{dan.id}>"
    assert f"<@{world.alice.id}> → <@{world.bob.id}>" in (embed.description or "")
    assert f"<@{mentoring.admin.id}> → <@{mentoring.carol.id}>" in (embed.description or "")
    assert button_labels(preview.response.message) == ["Publish", "Discard"]
    assert mentoring.dms(world.bob) == []

    published = await mentoring.admin.click(preview.response.message, label="Publish")

    assert published.response.content == "Round published: 2 offers sent to mentors."
    assert f"<@{world.alice.id}>" in (mentoring.offer_dm(world.bob).embeds[0].description or "")
    assert f"<@{mentoring.admin.id}>" in (mentoring.offer_dm(mentoring.carol).embeds[0].description or "")
    stats = await mentoring.admin.slash(world.general, "mentor stats")
    figures = {f.name: f.value for f in stats.response.embeds[0].fields}
    assert figures["Requests"] == "3 (3 open)"
    assert figures["Waiting for a round"] == f"<@{dan.id}> · Basket weaving"


async def test_a_discarded_round_sends_nothing(mentoring: Mentoring) -> None:
    world = mentoring.world
    await mentoring.offer(world.bob)
    await mentoring.request(world.alice)
    preview = await mentoring.admin.slash(world.general, "mentor round")
    discarded = await mentoring.admin.click(preview.response.message, label="Discard")
    assert discarded.response.content == "Round discarded: nothing was sent."
    assert mentoring.dms(world.bob) == []


async def test_members_without_manage_server_cannot_run_rounds_or_see_stats(mentoring: Mentoring) -> None:
    world = mentoring.world
    for command in ("mentor round", "mentor stats"):
        refused = await world.alice.slash(world.general, command)
        assert refused.response.content == "Only members with the Manage Server permission can change this."
    assert [type(e) for e in refusals(world.env)] == [NotAllowed, NotAllowed]
