"""Fixtures for the discovery tests: a showcase-ready guild, a local issuer and a small catalog file."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_asyncio

from bot.config import Config
from tests.integration.conftest import World, config_from
from tests.integration.showcase.world import Showcase, showcase_world
from tests.support.discovery import CATALOG
from tests.support.issuer import IssuerWorld

# As the showcase tests', with re-verification rounds and mentorship checks rare enough not to crowd weeks
# of virtual time.
SETTINGS = """
[verification]
allow_private_networks = true
total_timeout = 3.0
cooldown_seconds = 0

[showcase]
recheck_minutes = 1440

[mentorship]
check_minutes = 1440
"""


def discovery_config(db_path: Path, tmp_path: Path, catalog: str = CATALOG) -> Config:
    catalog_path = tmp_path / "catalog.toml"
    catalog_path.write_text(catalog)
    return config_from(f'{SETTINGS}\n[discovery]\ncatalog_file = "{catalog_path}"\n', db_path, tmp_path)


@pytest.fixture
def config(db_path: Path, tmp_path: Path) -> Config:
    return discovery_config(db_path, tmp_path)


@pytest_asyncio.fixture
async def showcase(world: World, issuer: IssuerWorld) -> Showcase:
    return await showcase_world(world, issuer)
