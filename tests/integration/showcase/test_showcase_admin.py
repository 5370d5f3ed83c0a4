"""/setup and /stack through SimCord: roles earned by verified badges, and taken back on revocation."""

from __future__ import annotations

import json

import discord

from bot.errors import NotAllowed
from tests.integration.conftest import refusals
from tests.integration.showcase.world import Showcase, field, role_ids


async def _stack(showcase: Showcase, role: discord.Role | object, **options: object) -> str:
    result = await showcase.admin.slash(
        showcase.world.general, "stack create", name="Pythonista", skills="Python, SQL", role=role, **options
    )
    return str(result.response.content)


async def test_a_completed_stack_grants_its_role_and_a_revocation_takes_it_back(showcase: Showcase) -> None:
    world = showcase.world
    role = world.guild.create_role("Pythonista")
    created = await _stack(showcase, role, need="1")
    assert created.startswith("Stack **Pythonista** created: 1 of Python, SQL earns")
    assert "⚠️" not in created

    added = await showcase.add()
    assert "roles I could not give" not in added.response.content
    assert role.id in role_ids(world, world.alice.id)
    celebration = [m for m in showcase.channel.history() if not m.embeds]
    assert [m.content for m in celebration] == [f"🎉 <@{world.alice.id}> completed the **Pythonista** stack!"]
    progress = await world.alice.slash(world.general, "stack progress")
    assert field(progress.response.embeds[0], "Pythonista") == "`▰▰▰▰▰▰▰▰▰▰ 1/1` ✅ complete"

    assertion = showcase.issuer.assertion()
    showcase.issuer.home.route("/assertions/1", {**assertion, "revocationReason": "Fraud"}, status=410)
    await world.env.advance_time(3 * 3600)

    post = showcase.post().embeds[0]
    assert (post.title or "").startswith("⛔ Revoked on ")
    assert role.id not in role_ids(world, world.alice.id)
    dms = [
        r.json
        for r in world.env.http_requests
        if r.method == "POST" and r.path.endswith("/messages") and isinstance(r.json, dict)
    ]
    assert any("is now revoked" in str(body.get("content")) for body in dms)


async def test_a_skill_role_is_granted_by_a_verified_badge(showcase: Showcase) -> None:
    world = showcase.world
    role = world.guild.create_role("Python devs")
    choices = await showcase.admin.autocomplete(world.general, "setup skill-role", "skill", "pyth")
    assert "Python" in [c["name"] for c in choices]
    result = await showcase.admin.slash(world.general, "setup skill-role", skill="Python", role=role)
    assert "now grants" in result.response.content and "⚠️" not in result.response.content

    await showcase.add()
    assert role.id in role_ids(world, world.alice.id)
    shown = await showcase.admin.slash(world.general, "setup show")
    assert f"Python → <@&{role.id}>" in field(shown.response.embeds[0], "Skill roles")


async def test_without_manage_roles_the_admin_and_member_are_told_what_to_fix(showcase: Showcase) -> None:
    world = showcase.world
    me = world.guild.me
    assert me is not None
    bot_role = me.top_role
    without = discord.Permissions(bot_role.permissions.value)
    without.manage_roles = False
    world.env.backend.edit_role(world.guild.id, bot_role.id, {"permissions": without.value})
    await world.env.settle()
    role = world.guild.create_role("Pythonista")

    created = await _stack(showcase, role, need="1")
    assert "⚠️ I need the **Manage Roles** permission" in created

    added = await showcase.add()
    assert "Badge added." in added.response.content
    assert "roles I could not give: I need the **Manage Roles** permission" in added.response.content
    assert role.id not in role_ids(world, world.alice.id)
    assert len(showcase.posts()) == 1


async def test_a_role_above_the_bot_is_explained(showcase: Showcase) -> None:
    world = showcase.world
    high = world.guild.create_role("Mods", position=50)
    result = await showcase.admin.slash(world.general, "setup skill-role", skill="Python", role=high)
    assert "Drag my role above it" in result.response.content
    await showcase.add()
    assert high.id not in role_ids(world, world.alice.id)


async def test_members_without_manage_server_cannot_use_setup(showcase: Showcase) -> None:
    world = showcase.world
    assert "setup showcase" not in world.bob.available_commands(world.general)
    # A server may open /setup up to everyone in its integration settings; the command checks anyway.
    commands = await world.env.bot.tree.fetch_commands()
    setup = next(c for c in commands if c.name == "setup")
    world.guild.set_command_permissions(setup, {world.guild.default_role: True})
    result = await world.bob.slash(world.general, "setup policy", accept_unverifiable=True)
    assert result.response.content == "Only members with the Manage Server permission can change this."
    assert [type(e) for e in refusals(world.env)] == [NotAllowed]
    stack = await world.bob.slash(
        world.general, "stack create", name="x", skills="SQL", role=world.guild.default_role
    )
    assert "Manage Server" in stack.response.content
    refusals(world.env)


async def test_policy_and_stack_listing(showcase: Showcase) -> None:
    world = showcase.world
    policy = await showcase.admin.slash(world.general, "setup policy", require_recipient_match=False)
    assert policy.response.content.startswith("Recipient must match: **off**")
    role = world.guild.create_role("Pythonista")
    await _stack(showcase, role, description="Python and SQL")
    listed = await world.bob.slash(world.general, "stack list")
    assert "**Pythonista**" in (listed.response.embeds[0].description or "")
    progress = await world.bob.slash(world.general, "stack progress")
    assert field(progress.response.embeds[0], "Pythonista").endswith("Missing: Python, SQL")
    deleted = await showcase.admin.slash(world.general, "stack delete", name="Pythonista")
    assert deleted.response.content.startswith("Stack Pythonista deleted.")


async def test_profiles_show_verified_skills_and_deletion_removes_badges(showcase: Showcase) -> None:
    world = showcase.world
    role = world.guild.create_role("Python devs")
    await showcase.admin.slash(world.general, "setup skill-role", skill="Python", role=role)
    shown = await world.alice.slash(world.general, "profile edit")
    await world.alice.submit_modal(shown, {"profile:skills": "Python, Figma"})
    await showcase.add()

    profile = await world.bob.slash(world.general, "profile show", member=world.alice)
    assert field(profile.response.embeds[0], "Skills") == "Python ✓, Figma"
    exported = await world.alice.slash(world.general, "profile export")
    data = json.loads(await exported.response.attachments[0].read())
    assert [b["verdict"]["credential"]["name"] for b in data["showcase"]["badges"]] == ["Python Fundamentals"]

    asked = await world.alice.slash(world.general, "profile delete")
    await world.alice.click(asked.response, label="Delete everything")
    assert showcase.posts() == []
    assert role.id not in role_ids(world, world.alice.id)
