"""The Discord request-body validator: route matching, the spec's limits, and real discord.py output."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from tests.support.discord_schema import SCHEMA_FILE, DiscordSchema, assert_bodies_valid

CALLBACK = "/interactions/1456074443980800010/simcord_interaction_1456074443980800010/callback"


@pytest.fixture(scope="module")
def schema() -> DiscordSchema:
    return DiscordSchema.load()


def message_callback(**data: Any) -> dict[str, Any]:
    return {"type": 4, "data": {"content": "Badge verified.", "flags": 64, **data}}


def embed(**fields: Any) -> dict[str, Any]:
    return {"title": "Open Badge: Python Fundamentals", "color": 0x2ECC71, "type": "rich", **fields}


def field(value: str = "Issued by Example University") -> dict[str, Any]:
    return {"name": "Issuer", "value": value, "inline": True}


def rejection(schema: DiscordSchema, method: str, path: str, body: Any) -> str:
    with pytest.raises(AssertionError) as caught:
        schema.validate_request(method, path, body)
    return str(caught.value)


def test_ephemeral_message_callback_with_embed_is_valid(schema: DiscordSchema) -> None:
    body = message_callback(
        embeds=[
            embed(
                description="Verified against the issuer's hosted assertion.",
                fields=[field(), {"name": "Earned", "value": "<t:1767225600:D>", "inline": True}],
                footer={"text": "credcord"},
                timestamp="2026-01-01T00:00:00+00:00",
            )
        ],
        allowed_mentions={"parse": []},
    )

    schema.validate_request("POST", CALLBACK, body)


def test_modal_callback_is_valid(schema: DiscordSchema) -> None:
    text_input = {"type": 4, "custom_id": "evidence", "style": 2, "required": True, "max_length": 1000}
    body = {
        "type": 9,
        "data": {
            "custom_id": "badge:apply",
            "title": "Apply for mentoring",
            "components": [{"type": 18, "label": "Evidence", "component": text_input}],
        },
    }

    schema.validate_request("POST", CALLBACK, body)


def test_deferred_callback_is_valid(schema: DiscordSchema) -> None:
    schema.validate_request("POST", CALLBACK, {"type": 5, "data": {"flags": 64}})


def test_modal_without_components_is_rejected_at_its_data(schema: DiscordSchema) -> None:
    body = {"type": 9, "data": {"custom_id": "badge:apply", "title": "Apply"}}

    message = rejection(schema, "POST", CALLBACK, body)

    assert "at JSON pointer \"/data\": 'components' is a required property" in message


def test_embed_title_over_256_characters_is_rejected(schema: DiscordSchema) -> None:
    message = rejection(schema, "POST", CALLBACK, message_callback(embeds=[embed(title="T" * 257)]))

    assert message.startswith("POST /interactions/{interaction_id}/{interaction_token}/callback (sent to ")
    assert 'at JSON pointer "/data/embeds/0/title"' in message
    assert "[maxLength: 256]" in message


def test_embed_with_26_fields_is_rejected(schema: DiscordSchema) -> None:
    message = rejection(schema, "POST", CALLBACK, message_callback(embeds=[embed(fields=[field()] * 26)]))

    assert 'at JSON pointer "/data/embeds/0/fields"' in message
    assert "[maxItems: 25]" in message


def test_embed_with_25_fields_is_valid(schema: DiscordSchema) -> None:
    schema.validate_request("POST", CALLBACK, message_callback(embeds=[embed(fields=[field()] * 25)]))


def test_field_value_over_1024_characters_is_rejected(schema: DiscordSchema) -> None:
    body = message_callback(embeds=[embed(fields=[field(), field("v" * 1025)])])

    message = rejection(schema, "POST", CALLBACK, body)

    assert 'at JSON pointer "/data/embeds/0/fields/1/value"' in message
    assert "[maxLength: 1024]" in message


def test_every_failure_is_reported_shallowest_first(schema: DiscordSchema) -> None:
    body = message_callback(embeds=[embed(title="T" * 257, fields=[field("v" * 1025)] * 26)])

    lines = rejection(schema, "POST", CALLBACK, body).splitlines()

    assert '"/data/embeds/0/fields"' in lines[1]
    assert '"/data/embeds/0/title"' in lines[2]
    assert lines[-1] == "  ... and 18 more"


def test_integer_snowflakes_are_accepted(schema: DiscordSchema) -> None:
    body = {
        "content": "Congratulations <@1456074443980800011>!",
        "allowed_mentions": {"parse": [], "users": [1456074443980800011]},
        "message_reference": {"message_id": 1456074443980800012, "fail_if_not_exists": False},
    }

    schema.validate_request("POST", "/channels/1456074443980800013/messages", body)
    schema.validate_request("POST", "/users/@me/channels", {"recipient_id": 1456074443980800011})
    schema.validate_request("POST", "/users/@me/channels", {"recipient_id": "1456074443980800011"})


@pytest.mark.parametrize("recipient", [-1, "alice", "01"])
def test_malformed_snowflakes_are_rejected(schema: DiscordSchema, recipient: object) -> None:
    message = rejection(schema, "POST", "/users/@me/channels", {"recipient_id": recipient})

    assert 'at JSON pointer "/recipient_id"' in message


def test_unknown_route_fails_naming_the_route(schema: DiscordSchema) -> None:
    message = rejection(schema, "POST", "/channels/1/messages/2/crosspost", {})

    assert message.startswith("POST /channels/1/messages/2/crosspost matches no route")
    assert "vendor_discord_schema.py" in message


def test_known_path_with_unvendored_method_fails(schema: DiscordSchema) -> None:
    message = rejection(schema, "DELETE", "/channels/1/messages", {"messages": []})

    assert message.startswith("DELETE /channels/1/messages matches no route")


def test_literal_original_segment_beats_message_id_parameter(schema: DiscordSchema) -> None:
    too_long = {"content": "x" * 2001}

    original = rejection(schema, "PATCH", "/webhooks/123/tok/messages/@original", too_long)
    followup = rejection(schema, "PATCH", "/webhooks/123/tok/messages/456", too_long)

    assert original.startswith("PATCH /webhooks/{webhook_id}/{webhook_token}/messages/@original ")
    assert followup.startswith("PATCH /webhooks/{webhook_id}/{webhook_token}/messages/{message_id} ")


def test_body_sent_to_a_bodyless_route_is_rejected(schema: DiscordSchema) -> None:
    message = rejection(schema, "PUT", "/guilds/1/members/2/roles/3", {"reason": "verified"})

    assert message.startswith("PUT /guilds/{guild_id}/members/{user_id}/roles/{role_id} ")
    assert "takes no request body" in message
    schema.validate_request("PUT", "/guilds/1/members/2/roles/3", None)


def test_missing_required_body_is_rejected(schema: DiscordSchema) -> None:
    assert "requires a JSON body" in rejection(schema, "POST", CALLBACK, None)


def test_command_bulk_overwrite_checks_each_command(schema: DiscordSchema) -> None:
    command = {"type": 1, "name": "badge", "description": "Show a badge", "options": []}
    schema.validate_request("PUT", "/applications/1/guilds/2/commands", [command])

    message = rejection(schema, "PUT", "/applications/1/commands", [command, {**command, "name": "n" * 33}])

    assert 'at JSON pointer "/1/name"' in message


@dataclass(frozen=True, slots=True)
class Logged:
    method: str
    path: str
    json: Any


def test_assert_bodies_valid_skips_bodyless_requests_and_reports_every_failure() -> None:
    entries = [
        Logged("PUT", "/channels/1/messages/2/reactions/%E2%9C%85/@me", None),
        Logged("GET", "/guilds/1/audit-logs", None),
        Logged("POST", CALLBACK, message_callback(embeds=[embed(title="T" * 300)])),
        Logged("POST", "/webhooks/1/tok", {"content": "Saved."}),
        Logged("POST", "/guilds/1/roles", {"name": "Mentor"}),
    ]

    with pytest.raises(AssertionError) as caught:
        assert_bodies_valid(entries)

    message = str(caught.value)
    assert message.startswith("2 request(s) Discord would reject:")
    assert "request #2: POST /interactions/{interaction_id}/{interaction_token}/callback" in message
    assert "request #4: POST /guilds/1/roles matches no route" in message


def test_vendored_document_holds_exactly_the_schemas_it_references() -> None:
    text = SCHEMA_FILE.read_text(encoding="utf-8")

    # The file is written compactly, so every reference reads exactly like this.
    referenced = set(re.findall(r'"\$ref":"#/components/schemas/([^"]+)"', text))

    assert referenced == json.loads(text)["components"]["schemas"].keys()


# A small real bot, so the check covers what discord.py actually serialises rather than hand-made bodies.


class EvidenceModal(discord.ui.Modal, title="Apply for mentoring"):
    evidence: discord.ui.TextInput[EvidenceModal] = discord.ui.TextInput(
        label="Evidence", custom_id="evidence", style=discord.TextStyle.paragraph, max_length=1000
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            f"Received {len(self.evidence.value)} characters.", ephemeral=True
        )


class SchemaProbeBot(commands.Bot):
    def __init__(self) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            allowed_mentions=discord.AllowedMentions.none(),
        )

        @self.tree.command()
        @app_commands.describe(name="Badge name")
        async def badge(interaction: discord.Interaction, name: str) -> None:
            """Show a badge."""
            card = discord.Embed(title=name, description="Verified.", colour=discord.Colour.green())
            card.add_field(name="Issuer", value="Example University", inline=True)
            card.set_footer(text="credcord")
            await interaction.response.send_message(embed=card, ephemeral=True)

        @self.tree.command()
        async def apply(interaction: discord.Interaction) -> None:
            """Apply for mentoring."""
            await interaction.response.send_modal(EvidenceModal())

        @self.tree.command()
        async def showcase(interaction: discord.Interaction) -> None:
            """Post your badge for everyone."""
            await interaction.response.defer(ephemeral=True)
            assert isinstance(interaction.channel, discord.TextChannel)
            await interaction.channel.send(
                f"{interaction.user.mention} earned a badge!",
                allowed_mentions=discord.AllowedMentions(users=[interaction.user]),
            )
            await interaction.followup.send("Posted.", ephemeral=True)
            await interaction.edit_original_response(content="Done.")

    async def setup_hook(self) -> None:
        await self.tree.sync()


@pytest.fixture
def simcord_bot() -> SchemaProbeBot:
    return SchemaProbeBot()


async def test_bodies_discord_py_sends_through_simcord_are_valid(simcord_env: Any) -> None:
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("general")
    alice = guild.add_member(simcord_env.create_user("alice"))

    shown = await alice.slash(channel, "badge", name="Python Fundamentals")
    assert shown.response.embeds[0].title == "Python Fundamentals"
    modal = await alice.slash(channel, "apply")
    submitted = await alice.submit_modal(modal, {"evidence": "Built a CLI"})
    assert submitted.response.content == "Received 11 characters."
    await alice.slash(channel, "showcase")

    sent = {(entry.method, re.sub(r"\d{5,}", "N", entry.path)) for entry in simcord_env.http_requests}
    assert {
        ("PUT", "/applications/N/commands"),
        ("POST", "/interactions/N/simcord_interaction_N/callback"),
        ("POST", "/channels/N/messages"),
        ("POST", "/webhooks/N/simcord_interaction_N"),
        ("PATCH", "/webhooks/N/simcord_interaction_N/messages/@original"),
    } <= sent
    assert_bodies_valid(simcord_env.http_requests)
