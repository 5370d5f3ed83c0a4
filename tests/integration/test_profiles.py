"""/profile and "View profile", driven through SimCord against the real bot."""

from __future__ import annotations

import json
from typing import Any

import discord
import pytest
import simcord

from bot.errors import InvalidInput
from tests.integration.conftest import BotFactory, World, refusals, restart

FULL_FORM = {
    "profile:headline": "Freelance data analyst",
    "profile:bio": "I turn messy spreadsheets into dashboards.",
    "profile:skills": "js, Postgres, gcp, Underwater Basket Weaving",
    "profile:portfolio": "https://alice.example/work",
    "profile:languages": "English, German",
}


def _field(embed: discord.Embed, name: str) -> str:
    for field in embed.fields:
        if field.name == name:
            return str(field.value)
    raise AssertionError(f"no field {name!r} in {[f.name for f in embed.fields]}")


async def _edit(world: World, member: Any = None, form: dict[str, str] | None = None, **options: Any) -> Any:
    member = member or world.alice
    shown = await member.slash(world.general, "profile edit", **options)
    assert shown.modal is not None, "expected the edit form"
    return await member.submit_modal(shown, form if form is not None else FULL_FORM)


async def test_edit_opens_a_form_and_saves_a_normalised_profile(world: World) -> None:
    result = await _edit(world, timezone="Europe/Berlin", hours=20, rate_min=40, rate_max=60, currency="eur")

    assert result.ephemeral
    assert "Underwater Basket Weaving" in result.response.content  # told which skills were not recognised
    embed = result.response.embeds[0]
    assert embed.title == "alice"
    assert "Freelance data analyst" in (embed.description or "")
    assert _field(embed, "Skills").startswith(
        "JavaScript, PostgreSQL, Google Cloud, Underwater Basket Weaving"
    )
    assert "(unrecognised)" in _field(embed, "Skills")
    assert _field(embed, "Hourly rate") == "40–60 EUR"
    assert _field(embed, "Availability") == "20 h/week"
    assert _field(embed, "Time zone").startswith("Europe/Berlin (UTC+0")


async def test_the_form_is_prefilled_with_the_saved_profile(world: World) -> None:
    await _edit(world)
    shown = await world.alice.slash(world.general, "profile edit")
    values = {
        component["custom_id"]: component.get("value")
        for row in shown.modal["components"]
        for component in row["components"]
    }
    assert "Freelance data analyst" in values.values()
    assert "JavaScript, PostgreSQL, Google Cloud, Underwater Basket Weaving" in values.values()


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"rate_min": 90, "rate_max": 10, "currency": "USD"}, "rate_min"),
        ({"rate_min": 50}, "currency"),
        ({"currency": "U$D"}, "currency"),
        ({"emails": "not-an-address"}, "emails"),
    ],
)
async def test_bad_options_are_refused_before_the_form_opens(
    world: World, options: dict[str, Any], field: str
) -> None:
    result = await world.alice.slash(world.general, "profile edit", **options)

    assert result.modal is None
    assert result.ephemeral
    assert result.response.content.startswith(f"{field}:")
    assert [type(e) for e in refusals(world.env)] == [InvalidInput]
    shown = await world.alice.slash(world.general, "profile show")
    assert "no profile yet" in shown.response.content


@pytest.mark.parametrize(
    ("form_change", "message"),
    [
        ({"profile:portfolio": "http://alice.example"}, "portfolio: must be an https:// URL"),
        ({"profile:portfolio": "https://alice:hunter2@alice.example"}, "must not contain a user name"),
        ({"profile:skills": ", ".join(f"skill{i}" for i in range(51))}, "the limit is 50"),
    ],
)
async def test_bad_form_values_are_refused_and_nothing_changes(
    world: World, form_change: dict[str, str], message: str
) -> None:
    await _edit(world)
    result = await _edit(world, form={**FULL_FORM, "profile:headline": "Changed", **form_change})

    assert result.ephemeral
    assert message in result.response.content
    refusals(world.env)
    shown = await world.alice.slash(world.general, "profile show")
    assert "Freelance data analyst" in (shown.response.embeds[0].description or "")


async def test_member_text_never_pings_and_never_becomes_a_link(world: World) -> None:
    role = world.guild.create_role("Mods")
    evil = {
        **FULL_FORM,
        "profile:headline": f"@everyone <@&{role.id}> <@{world.bob.id}>",
        "profile:bio": "[free money](https://evil.example) @here",
    }
    await _edit(world, form=evil)
    shown = await world.bob.slash(world.general, "profile show", member=world.alice)

    description = shown.response.embeds[0].description or ""
    assert "@everyone" not in description and "@here" not in description
    assert "\\<@&" in description and "\\<@" in description
    assert "\\[free money\\]\\(https" in description
    for request in world.env.http_requests:
        body = request.json
        if isinstance(body, dict) and "data" in body:
            body = body["data"]
        if isinstance(body, dict) and ("content" in body or "embeds" in body):
            assert body.get("allowed_mentions") == {"parse": []}, request


async def test_other_members_never_see_private_emails(world: World) -> None:
    await _edit(world, emails="Alice@Example.com, alice@work.example")

    own = await world.alice.slash(world.general, "profile show")
    other = await world.bob.slash(world.general, "profile show", member=world.alice)
    menu = await world.bob.context_menu(world.general, "View profile", world.alice)

    assert "Alice@Example.com" in _field(own.response.embeds[0], "Badge emails (only you see these)")
    for result in (other, menu):
        assert result.ephemeral
        rendered = json.dumps(result.response.embeds[0].to_dict())
        assert "Example.com" not in rendered and "work.example" not in rendered
        assert result.response.embeds[0].title == "alice"


async def test_view_profile_menu_on_a_member_without_a_profile(world: World) -> None:
    result = await world.alice.context_menu(world.general, "View profile", world.bob)
    assert result.ephemeral
    assert result.response.content == "bob has no profile in this server."


async def test_export_then_delete_round_trip(world: World) -> None:
    await _edit(world, timezone="America/New_York", emails="alice@example.com", open_to_work=True)

    exported = await world.alice.slash(world.general, "profile export")
    assert exported.ephemeral
    data = json.loads(await exported.response.attachments[0].read())
    assert data["user_id"] == str(world.alice.id)
    assert data["profile"]["emails"] == ["alice@example.com"]
    assert data["profile"]["timezone"] == "America/New_York"
    assert data["profile"]["open_to_work"] is True
    assert [s["name"] for s in data["profile"]["skills"]][:2] == ["JavaScript", "PostgreSQL"]

    asked = await world.alice.slash(world.general, "profile delete")
    assert asked.ephemeral
    done = await world.alice.click(asked.response, label="Delete everything")
    assert "Deleted" in done.response.content

    after = await world.alice.slash(world.general, "profile export")
    assert json.loads(await after.response.attachments[0].read())["profile"] is None


async def test_cancel_keeps_the_profile(world: World) -> None:
    await _edit(world)
    asked = await world.alice.slash(world.general, "profile delete")
    await world.alice.click(asked.response, label="Cancel")
    shown = await world.alice.slash(world.general, "profile show")
    assert shown.response.embeds


async def test_someone_else_cannot_confirm_a_deletion(world: World) -> None:
    await _edit(world)
    asked = await world.alice.slash(world.general, "profile delete")

    with pytest.raises(simcord.SetupError):
        # Discord shows an ephemeral prompt to its owner only: nobody else can even reach the button.
        await world.bob.click(asked.response, label="Delete everything")
    shown = await world.alice.slash(world.general, "profile show")
    assert shown.response.embeds


async def test_deletion_prompt_times_out_harmlessly(world: World) -> None:
    await _edit(world)
    asked = await world.alice.slash(world.general, "profile delete")
    await world.env.advance_time(61)
    assert "Timed out" in asked.response.content
    shown = await world.alice.slash(world.general, "profile show")
    assert shown.response.embeds


async def test_profiles_survive_a_restart(world: World, bots: BotFactory) -> None:
    await _edit(world, timezone="Asia/Tokyo")
    await restart(world.env, bots)

    shown = await world.alice.slash(world.general, "profile show")
    assert _field(shown.response.embeds[0], "Time zone").startswith("Asia/Tokyo")
    again = await world.alice.slash(world.general, "profile edit")
    assert again.modal is not None  # commands still answer after the restart


async def test_timezone_autocomplete_offers_at_most_25_matches(world: World) -> None:
    choices = await world.alice.autocomplete(world.general, "profile edit", "timezone", "europe/b")
    names = [c["name"] for c in choices]
    assert names[:3] == ["Europe/Belfast", "Europe/Belgrade", "Europe/Berlin"]
    broad = await world.alice.autocomplete(world.general, "profile edit", "timezone", "a")
    assert len(broad) == 25
