"""Start-up: endpoint overrides reach discord.py's internals, commands sync only when changed."""

from __future__ import annotations

from pathlib import Path

import discord
import discord.gateway
import discord.http
import pytest
import simcord

from bot.app import create_bot
from bot.config import load_config
from tests.integration.conftest import BotFactory, World, restart
from tests.support.http_server import LocalServer


async def test_api_base_and_gateway_url_point_discord_py_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Save the real values so this test cannot leak its overrides into others.
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    )
    with LocalServer() as server:
        server.route("/api/v10/users/@me", {"message": "401: Unauthorized", "code": 0}, status=401)
        path = tmp_path / "config.toml"
        path.write_text(
            f'[discord]\napi_base = "{server.base_url}/api/v10"\ngateway_url = "ws://127.0.0.1:1/gw"\n'
        )
        bot = create_bot(load_config(path, {"CREDCORD_DB_PATH": str(tmp_path / "x.db")}))
        try:
            with pytest.raises(discord.LoginFailure):
                await bot.login("test-token")
        finally:
            await bot.close()
        assert server.requests == ["/api/v10/users/@me"]
        assert f"{server.base_url}/api/v10" == discord.http.Route.BASE
    assert str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY) == "ws://127.0.0.1:1/gw"


def _command_syncs(env: simcord.Env) -> int:
    return sum(
        1
        for r in env.http_requests
        if r.method == "PUT" and r.path.endswith("/commands") and "/guilds/" not in r.path
    )


async def test_global_commands_sync_on_first_start_and_not_again_when_unchanged(
    world: World, bots: BotFactory
) -> None:
    assert _command_syncs(world.env) == 1
    await restart(world.env, bots)
    assert _command_syncs(world.env) == 1
    result = await world.alice.slash(world.general, "profile show")
    assert result.ephemeral


async def test_dev_guild_gets_a_copy_of_the_commands(tmp_path: Path) -> None:
    env_guild = 0
    config = load_config(None, {"CREDCORD_DB_PATH": str(tmp_path / "x.db")})
    bot = create_bot(config)
    async with simcord.run(bot) as env:
        guild = env.create_guild(name="dev")
        env_guild = guild.id
    await bot.close()

    dev = load_config(
        None, {"CREDCORD_DB_PATH": str(tmp_path / "y.db"), "CREDCORD_DEV_GUILD_ID": str(env_guild)}
    )
    bot = create_bot(dev)
    try:
        async with simcord.run(bot) as env:
            synced = [r.path for r in env.http_requests if r.method == "PUT" and "/guilds/" in r.path]
            assert synced and synced[0].endswith(f"/guilds/{env_guild}/commands")
    finally:
        await bot.close()
