"""The admin's catalog file: its roles and programs are used, and a broken one stops start-up."""

from __future__ import annotations

from pathlib import Path

import pytest
import simcord

from bot.app import create_bot
from bot.errors import ConfigError
from tests.integration.discovery.conftest import discovery_config


async def test_a_broken_catalog_file_stops_start_up_with_one_line(tmp_path: Path, db_path: Path) -> None:
    config = discovery_config(db_path, tmp_path, catalog='[[roles]]\nkey = "bad-role"\nname = "Bad"\n')
    bot = create_bot(config)
    try:
        with pytest.raises(ConfigError) as stopped:
            async with simcord.run(bot):
                pass
    finally:
        await bot.close()
    message = str(stopped.value)
    assert message == f"{tmp_path / 'catalog.toml'}: roles[0] (bad-role): summary: is missing"
