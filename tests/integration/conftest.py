"""SimCord fixtures: the real bot, built by ``create_bot`` exactly as ``credcord run`` builds it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import discord
import pytest
import pytest_asyncio
import simcord
from simcord.actors import MemberActor
from simcord.builders import ChannelHandle, GuildHandle

from bot.app import CredcordBot, create_bot
from bot.config import Config, load_config
from bot.errors import DomainError
from tests.support.discord_schema import assert_bodies_valid
from tests.support.issuer import IssuerWorld, issuer_world

BotFactory = Callable[..., CredcordBot]


def config_from(toml: str, db_path: Path, folder: Path, *, name: str = "config.toml") -> Config:
    """The config ``credcord run`` loads from ``toml`` (written to ``folder``), on the test's database."""
    path = folder / name
    path.write_text(toml, encoding="utf-8")
    return load_config(path, {"CREDCORD_DB_PATH": str(db_path)})


@pytest_asyncio.fixture
async def bots(config: Config) -> AsyncIterator[BotFactory]:
    """Makes bots on the test's config; closes every one of them at the end.

    SimCord never closes a bot (a real process would on exit), so this does.
    """
    made: list[CredcordBot] = []

    def make(override: Config | None = None) -> CredcordBot:
        bot = create_bot(override or config)
        made.append(bot)
        return bot

    yield make
    for bot in made:
        await bot.close()


@pytest.fixture
def simcord_bot(bots: BotFactory) -> CredcordBot:
    return bots()


@pytest_asyncio.fixture
async def issuer() -> AsyncIterator[IssuerWorld]:
    """An Open Badges issuer on two real origins on 127.0.0.1."""
    async with issuer_world() as world:
        yield world


@dataclass
class World:
    env: simcord.Env
    guild: GuildHandle
    general: ChannelHandle
    alice: MemberActor
    bob: MemberActor


@pytest.fixture
def world(simcord_env: simcord.Env) -> Iterator[World]:
    """A guild with #general and two members.

    On the way out it checks that every JSON body the bot sent to Discord in the
    test matches Discord's official OpenAPI schema.
    """
    guild = simcord_env.create_guild(name="Freelance Guild")
    general = guild.create_text_channel("general")
    alice = guild.add_member(simcord_env.create_user("alice"))
    bob = guild.add_member(simcord_env.create_user("bob"))
    yield World(simcord_env, guild, general, alice, bob)
    assert_bodies_valid(simcord_env.http_requests)


async def restart(env: simcord.Env, bots: BotFactory, config: Config | None = None) -> None:
    """Stop the bot as a process exit would, and start a fresh one on the same database."""
    old = env.bot
    await env.restart_bot(bots(config))
    assert isinstance(old, CredcordBot)
    await old.close()


def refusals(env: simcord.Env) -> list[DomainError]:
    """The domain errors the bot turned into replies, acknowledged so teardown accepts them.

    SimCord records every error that reaches the tree's error handler; a refusal
    is deliberate, anything else is a bug and fails here.
    """
    found: list[DomainError] = []
    for error in env.errors:
        original = getattr(error, "original", error)
        assert isinstance(original, DomainError), f"unexpected error: {error!r}"
        found.append(original)
    return found


def button_labels(message: discord.Message) -> list[str]:
    """The labels of the message's buttons, row by row."""
    return [
        str(child.label)
        for row in message.components
        if isinstance(row, discord.ActionRow)
        for child in row.children
        if isinstance(child, discord.Button)
    ]
