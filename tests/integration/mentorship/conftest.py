"""Fixtures for the mentorship tests: a guild with a mentorship channel, an admin and three members."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_asyncio

from bot.config import Config
from tests.integration.conftest import World
from tests.integration.mentorship.world import Mentoring, mentoring_world, mentorship_config


@pytest.fixture
def config(db_path: Path, tmp_path: Path) -> Config:
    return mentorship_config(db_path, tmp_path)


@pytest_asyncio.fixture
async def mentoring(world: World) -> Mentoring:
    return await mentoring_world(world)
