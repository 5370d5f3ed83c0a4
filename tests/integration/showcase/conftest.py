"""Fixtures for the showcase tests: a local issuer and a guild with the showcase set up."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_asyncio

from bot.config import Config
from tests.integration.conftest import World, config_from
from tests.integration.showcase.world import SHOWCASE_CONFIG, Showcase, showcase_world
from tests.support.issuer import IssuerWorld


@pytest.fixture
def config(db_path: Path, tmp_path: Path) -> Config:
    return config_from(SHOWCASE_CONFIG, db_path, tmp_path)


@pytest_asyncio.fixture
async def showcase(world: World, issuer: IssuerWorld) -> Showcase:
    return await showcase_world(world, issuer)
