"""Fixtures for the mentorship tests: a guild with a mentorship channel, an admin and three members."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_asyncio

from bot.config import Config
from tests.integration.conftest import World, config_from
from tests.integration.mentorship.world import MENTORSHIP_CONFIG, Mentoring, mentoring_world


@pytest.fixture
def config(db_path: Path, tmp_path: Path) -> Config:
    return config_from(MENTORSHIP_CONFIG, db_path, tmp_path)


@pytest_asyncio.fixture
async def mentoring(world: World) -> Mentoring:
    return await mentoring_world(world)
