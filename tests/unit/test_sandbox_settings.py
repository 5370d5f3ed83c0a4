"""The sandbox's allowance for its demo issuer: set by the sandbox alone, never by a file; one host."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_config
from bot.errors import ConfigError
from bot.sandbox.settings import DATABASE_NAME, prepare_data, sandbox_config

FULL_FILE = """
[discord]
dev_guild_id = 42
api_base = "https://discord.example/api"
[database]
path = "elsewhere.db"
[verification]
allow_private_networks = true
total_timeout = 9.0
cooldown_seconds = 30
"""


@pytest.mark.parametrize(
    "text",
    [
        '[verification]\nallowed_hosts = ["127.0.0.1:5000"]\n',
        '[verification]\nallowed_hosts = "127.0.0.1:5000"\n',
        'allowed_hosts = ["127.0.0.1:5000"]\n',
    ],
)
def test_no_config_file_can_set_allowed_hosts(tmp_path: Path, text: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match="allowed_hosts"):
        load_config(path, {})


def test_load_config_never_produces_allowed_hosts(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(FULL_FILE)
    environ = {"CREDCORD_ALLOWED_HOSTS": "127.0.0.1:5000", "CREDCORD_DB_PATH": str(tmp_path / "x.db")}
    assert load_config(path, environ).verification.allowed_hosts == frozenset()
    assert load_config(None, environ).verification.allowed_hosts == frozenset()


def test_the_sandbox_allows_its_issuer_and_no_other_private_address(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(FULL_FILE)
    config = load_config(path, {"DISCORD_TOKEN": "real-token"})

    sandboxed = sandbox_config(config, data_dir=tmp_path / "data", issuer_host="127.0.0.1:5000")

    assert sandboxed.verification.allowed_hosts == frozenset({"127.0.0.1:5000"})
    assert sandboxed.verification.allow_private_networks is False
    assert sandboxed.verification.cooldown_seconds == 0.0
    assert sandboxed.verification.total_timeout == 9.0  # the rest of the file still applies
    assert sandboxed.database.path == tmp_path / "data" / DATABASE_NAME
    assert sandboxed.discord.token is None
    assert sandboxed.discord.api_base is None
    assert sandboxed.discord.dev_guild_id == 0
    assert sandboxed.discord.message_content_intent  # SimCord grants it: the channel watch can be tried


def test_reset_deletes_the_sandbox_database_and_nothing_else(tmp_path: Path) -> None:
    for name in (DATABASE_NAME, f"{DATABASE_NAME}-wal", f"{DATABASE_NAME}-shm", "notes.txt"):
        (tmp_path / name).write_text("x")

    prepare_data(tmp_path, reset=False)
    assert len(list(tmp_path.iterdir())) == 4

    prepare_data(tmp_path, reset=True)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_the_data_directory_is_created(tmp_path: Path) -> None:
    prepare_data(tmp_path / "a" / "b", reset=True)
    assert (tmp_path / "a" / "b").is_dir()
