"""How the sandbox configures the real bot: its own database, no real Discord, one allowed demo issuer."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Final

from bot.config import Config, DatabaseConfig, DiscordConfig

DEFAULT_DATA_DIR: Final = Path("sandbox-data")
DATABASE_NAME: Final = "sandbox.db"


def sandbox_config(config: Config, *, data_dir: Path, issuer_host: str) -> Config:
    """``config`` as the sandbox runs it.

    Everything that points at a real server is dropped (token, endpoints, development guild) and the database
    lives under ``data_dir``. The Message Content intent is on, so the channel watch reads what members
    post (SimCord grants privileged intents to the bots it runs). The fetcher may reach ``issuer_host`` and
    no other private address, whatever the file said about private networks. There is no lookup cooldown:
    the simulated clock only moves when the sandbox moves it, so a cooldown would never end.
    """
    return replace(
        config,
        discord=DiscordConfig(message_content_intent=True),
        database=DatabaseConfig(path=data_dir / DATABASE_NAME),
        verification=replace(
            config.verification,
            allow_private_networks=False,
            allowed_hosts=frozenset({issuer_host}),
            cooldown_seconds=0.0,
        ),
    )


def prepare_data(data_dir: Path, *, reset: bool) -> None:
    """Create ``data_dir``; with ``reset``, delete the sandbox's database in it (nothing else)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    if reset:
        for suffix in ("", "-wal", "-shm"):
            (data_dir / f"{DATABASE_NAME}{suffix}").unlink(missing_ok=True)
