"""A showcase-ready world for SimCord tests: an admin, a showcase channel and a local issuer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import discord
from simcord.actors import MemberActor
from simcord.builders import ChannelHandle

from tests.integration.conftest import World
from tests.support.issuer import EMAIL, IssuerWorld

# The test issuers live on 127.0.0.1, which the fetcher refuses unless told otherwise.
SHOWCASE_CONFIG = """
[verification]
allow_private_networks = true
total_timeout = 3.0
cooldown_seconds = 0

[showcase]
reverify_hours = 1
recheck_minutes = 10
"""


@dataclass
class Showcase:
    world: World
    issuer: IssuerWorld
    admin: MemberActor
    channel: ChannelHandle

    def posts(self) -> list[discord.Message]:
        return [m for m in self.channel.history() if m.embeds]

    def post(self) -> discord.Message:
        (only,) = self.posts()
        return only

    def url(self, path: str = "/assertions/1", **changes: Any) -> str:
        return self.issuer.host(self.issuer.assertion(path, **changes))

    async def add(self, member: MemberActor | None = None, **options: Any) -> Any:
        member = member or self.world.alice
        options.setdefault("email", EMAIL)
        if "image" not in options and "url" not in options:
            options["url"] = self.url()
        return await member.slash(self.world.general, "badge add", **options)


async def showcase_world(world: World, issuer: IssuerWorld, *, channel: bool = True) -> Showcase:
    admins = world.guild.create_role(
        "Admins", permissions=discord.Permissions(manage_guild=True, manage_messages=True)
    )
    admin = world.guild.add_member(world.env.create_user("admin"), roles=[admins])
    showcase = world.guild.create_text_channel("showcase")
    if channel:
        result = await admin.slash(world.general, "setup showcase", channel=showcase)
        assert "Badges will be posted" in result.response.content
    return Showcase(world, issuer, admin, showcase)


def role_ids(world: World, member_id: int) -> list[int]:
    """The member's roles as Discord holds them (the bot has no member cache)."""
    return list(world.env.backend.get_member(world.guild.id, member_id).role_ids)


def field(embed: discord.Embed, name: str) -> str:
    for item in embed.fields:
        if item.name == name:
            return str(item.value)
    raise AssertionError(f"no field {name!r} in {[f.name for f in embed.fields]}")
