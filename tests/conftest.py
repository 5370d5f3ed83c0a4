"""Fixtures shared by every test folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Config, load_config


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "credcord.db"


@pytest.fixture
def config(db_path: Path) -> Config:
    return load_config(None, {"CREDCORD_DB_PATH": str(db_path)})
