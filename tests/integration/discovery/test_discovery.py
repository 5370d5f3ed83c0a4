"""/skillmap, /roles, /role show and /find through SimCord, against badges verified by a local issuer."""

from __future__ import annotations

from typing import Any

import discord
import pytest
from simcord.actors import MemberActor

from bot.errors import InvalidInput, NotFound
from tests.integration.conftest import World, refusals
from tests.integration.showcase.world import Showcase, field

PNG = b"\x89PNG\r\n\x1a\n"


async def profile(world: World, member: MemberActor, skills: str, **options: Any) -> None:
    shown = await member.slash(world.general, "profile edit", **options)
    assert shown.modal is not None, shown.response.content if shown.response else "no form"
    form = {
        "profile:headline": "",
        "profile:bio": "",
        "profile:skills": skills,
        "profile:portfolio": "",
        "profile:languages": "",
    }
    saved = await member.submit_modal(shown, form)
    assert "Profile saved." in saved.response.content


async def every_page(member: MemberActor, result: Any) -> str:
    """The text of every page of a paged reply, turned with its Next button."""
    embed = result.response.embeds[0]
    texts = [embed.description or ""]
    total = int((embed.footer.text or "").removeprefix("Page ").split(" · ")[0].split("/")[1])
    for _ in range(total - 1):
        result = await member.click(result.response, label="Next")
        texts.append(result.response.embeds[0].description or "")
    return "\n".join(texts)


def lines(embed: discord.Embed) -> list[str]:
    return (embed.description or "").splitlines()


async def test_skillmap_shows_coverage_the_credentials_that_close_the_gap_and_a_chart(
    showcase: Showcase,
) -> None:
    world = showcase.world
    await showcase.add()  # Python, verified by the issuer
    await profile(world, world.alice, "Redis")
    choices = await world.alice.autocomplete(world.general, "skillmap", "role", "pyth")
    assert {"name": "Python Developer", "value": "python-developer"} in choices

    result = await world.alice.slash(world.general, "skillmap", role="python-developer")

    assert result.ephemeral
    embed = result.response.embeds[0]
    assert embed.title == "alice → Python Developer"
    assert "Coverage: **67%**" in (embed.description or "")  # (3 + 2 / 2) of 6 weight
    assert field(embed, "Required skills") == "✓ Python · via Python Fundamentals\n◻ Redis"
    assert field(embed, "Nice to have") == "✗ Blender"
    credentials = field(embed, "Credentials that close the gap (best value first)")
    assert credentials.startswith("**[Blender for Everyone](<https://open.example/blender>)** · Open Course")
    assert "free · 2–3 weeks" in credentials
    assert "Redis Evenings" not in credentials  # Redis is declared, so it is not a gap
    assert "prices change" in (embed.footer.text or "")
    assert embed.image.url == "attachment://skillmap.png"
    (picture,) = result.response.attachments
    data = await picture.read()
    assert picture.filename == "skillmap.png" and data.startswith(PNG) and len(data) > 1000

    other = await world.bob.slash(world.general, "skillmap", role="Python Developer", member=world.alice)
    assert other.ephemeral
    assert other.response.embeds[0].title == "alice → Python Developer"


async def test_skillmap_ranks_free_credentials_first_and_shows_costs(showcase: Showcase) -> None:
    world = showcase.world
    await profile(world, world.bob, "Python")
    result = await world.bob.slash(world.general, "skillmap", role="python-developer")
    embed = result.response.embeds[0]
    assert "Coverage: **25%**" in (embed.description or "")  # Python declared: 3 / 2 of 6
    free, paid = field(embed, "Credentials that close the gap (best value first)").split("\n\n")
    assert free.startswith("**[Blender for Everyone]")
    assert paid.splitlines()[1:] == [
        "covers Redis",
        "USD 400–600 per program · 8–10 weeks",
        "assessed project",
    ]


async def test_an_unknown_role_is_refused_with_what_to_do(showcase: Showcase) -> None:
    world = showcase.world
    result = await world.alice.slash(world.general, "skillmap", role="Astronaut")
    assert result.ephemeral
    assert result.response.content == "There is no role called 'Astronaut': pick one from the list (/roles)."
    assert [type(e) for e in refusals(world.env)] == [NotFound]


async def test_roles_list_and_role_show_names_only_directory_members(showcase: Showcase) -> None:
    world = showcase.world
    await showcase.add()
    await profile(world, world.alice, "Redis", directory=True)
    await profile(world, world.bob, "Python, Redis, Blender")  # not in the directory

    listed = await world.bob.slash(world.general, "roles")
    text = await every_page(world.bob, listed)
    assert "**Python Developer** (`python-developer`)" in text
    assert "**Data Analyst** (`data-analyst`)" in text  # the bundled roles stay

    shown = await world.bob.slash(world.general, "role show", role="python-developer")
    assert shown.ephemeral
    embed = shown.response.embeds[0]
    assert field(embed, "Required skills") == "Python (weight 3), Redis (weight 2)"
    assert field(embed, "Directory members who cover most of it") == f"<@{world.alice.id}> · 67%"


async def test_find_ranks_verified_before_declared_and_says_why(showcase: Showcase) -> None:
    world = showcase.world
    await showcase.add()
    await profile(world, world.alice, "SQL", directory=True, hours=12, timezone="Europe/Berlin")
    await profile(world, world.bob, "Python", directory=True, open_to_work=True)
    choices = await world.bob.autocomplete(world.general, "find", "skill", "pyth")
    assert "Python" in [c["name"] for c in choices]

    result = await world.bob.slash(world.general, "find", skill="python", skill2="sql")

    assert result.ephemeral
    embed = result.response.embeds[0]
    assert embed.title == "Members with Python, SQL"
    assert lines(embed) == [
        f"**1.** <@{world.alice.id}> · verified Python via Python Fundamentals badge · declares SQL · "
        "12 h/week · UTC+1",
        f"**2.** <@{world.bob.id}> · declares Python · open to work",
    ]
    only = await world.bob.slash(world.general, "find", skill="Python", verified_only=True)
    assert [line.split(" · ")[0] for line in lines(only.response.embeds[0])] == [
        f"**1.** <@{world.alice.id}>"
    ]
    busy = await world.bob.slash(world.general, "find", skill="Python", min_hours=10, open_to_work=True)
    assert "Nobody in the directory matches Python" in busy.response.content


async def test_leaving_the_directory_or_the_server_hides_a_member(showcase: Showcase) -> None:
    world = showcase.world
    await profile(world, world.alice, "Python", directory=True)
    await profile(world, world.bob, "Python", directory=True)
    before = await world.alice.slash(world.general, "find", skill="Python")
    assert len(lines(before.response.embeds[0])) == 2

    await profile(world, world.bob, "Python", directory=False)
    after = await world.alice.slash(world.general, "find", skill="Python")
    assert lines(after.response.embeds[0]) == [f"**1.** <@{world.alice.id}> · declares Python"]

    shown = await world.alice.slash(world.general, "profile show")
    assert field(shown.response.embeds[0], "In the directory (/find)") == "Yes"
    world.guild.remove_member(world.alice)
    await world.env.settle()
    gone = await world.bob.slash(world.general, "find", skill="Python")
    assert "Nobody in the directory matches Python" in gone.response.content


async def test_a_search_never_shows_members_of_another_server(showcase: Showcase) -> None:
    world = showcase.world
    await showcase.add()  # alice's verified Python badge belongs to this server only
    other = world.env.create_guild(name="Other Guild")
    lobby = other.create_text_channel("lobby")
    carol = other.add_member(world.env.create_user("carol"))
    alice_there = other.add_member(world.alice.user)
    await profile(world, world.alice, "SQL", directory=True)
    await world.env.settle()

    shown = await carol.slash(lobby, "find", skill="Python")
    assert "Nobody in the directory matches Python" in shown.response.content
    # In the other server alice is only what she wrote there.
    edit = await alice_there.slash(lobby, "profile edit", directory=True)
    await alice_there.submit_modal(
        edit,
        {
            "profile:headline": "",
            "profile:bio": "",
            "profile:skills": "Python",
            "profile:portfolio": "",
            "profile:languages": "",
        },
    )
    there = await carol.slash(lobby, "find", skill="Python")
    assert lines(there.response.embeds[0]) == [f"**1.** <@{world.alice.id}> · declares Python"]
    here = await world.bob.slash(world.general, "find", skill="SQL")
    assert lines(here.response.embeds[0]) == [f"**1.** <@{world.alice.id}> · declares SQL"]


async def test_many_results_are_paged_with_buttons_only_the_searcher_can_use(showcase: Showcase) -> None:
    world = showcase.world
    members = [world.guild.add_member(world.env.create_user(f"dev{i:02d}")) for i in range(12)]
    for hours, member in enumerate(members):
        await profile(world, member, "Python", directory=True, hours=hours)

    result = await world.alice.slash(world.general, "find", skill="Python")
    embed = result.response.embeds[0]
    assert len(lines(embed)) == 10
    assert lines(embed)[0].startswith(f"**1.** <@{members[11].id}> · declares Python · 11 h/week")
    assert (embed.footer.text or "").startswith("Page 1/2")
    buttons = [button["label"] for row in result.response.components for button in row["components"]]
    assert buttons == ["Previous", "Next"]

    turned = await world.alice.click(result.response, label="Next")
    page = turned.response.embeds[0]
    assert lines(page) == [
        f"**11.** <@{members[1].id}> · declares Python · 1 h/week",
        f"**12.** <@{members[0].id}> · declares Python · 0 h/week",
    ]
    assert (page.footer.text or "").startswith("Page 2/2")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"skill": "Underwater Basket Weaving"},
            "skill: 'Underwater Basket Weaving' is not in the skill list",
        ),
        ({"skill": "Python", "timezone": "Mars/Olympus"}, "timezone: 'Mars/Olympus' is not a time zone"),
    ],
)
async def test_find_refuses_what_it_cannot_search_for(
    showcase: Showcase, options: dict[str, Any], message: str
) -> None:
    world = showcase.world
    result = await world.alice.slash(world.general, "find", **options)
    assert result.ephemeral
    assert result.response.content.startswith(message)
    assert [type(e) for e in refusals(world.env)] == [InvalidInput]


async def test_timezone_autocomplete_offers_offsets_and_zones(showcase: Showcase) -> None:
    world = showcase.world
    offsets = await world.alice.autocomplete(world.general, "find", "timezone", "utc+1")
    assert [c["name"] for c in offsets][:2] == ["UTC+1", "UTC+10"]
    zones = await world.alice.autocomplete(world.general, "find", "timezone", "europe/ber")
    assert [c["name"] for c in zones] == ["Europe/Berlin"]
