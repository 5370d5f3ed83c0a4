"""Fixtures shared by every test folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import Config, load_config
from tests.support.http_server import LocalServer


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "credcord.db"


@pytest.fixture
def config(db_path: Path) -> Config:
    return load_config(None, {"CREDCORD_DB_PATH": str(db_path)})


@pytest.fixture
def server() -> Iterator[LocalServer]:
    """A real HTTP server on 127.0.0.1 that serves what the test routes to it."""
    with LocalServer() as running:
        yield running
