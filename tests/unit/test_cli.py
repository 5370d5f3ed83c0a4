"""The command line as a newcomer meets it: `credcord run` without a token, migrate, backup."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def credcord(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "CREDCORD_"))}
    base["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**base, **(env or {})},
        timeout=60,
    )


def test_run_without_a_token_says_how_to_provide_one_and_migrates(tmp_path: Path) -> None:
    out = credcord("run", cwd=tmp_path)
    assert out.returncode != 0
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "DISCORD_TOKEN" in lines[0] and str(tmp_path / "config.toml") in lines[0]
    db = sqlite3.connect(tmp_path / "credcord.db")
    assert db.execute("PRAGMA user_version").fetchone()[0] >= 1
    db.close()


def test_run_with_a_config_file_names_it(tmp_path: Path) -> None:
    config = tmp_path / "mine.toml"
    config.write_text('[database]\npath = "x.db"\n')
    out = credcord("run", "--config", str(config), cwd=tmp_path)
    assert out.returncode != 0
    assert str(config) in out.stderr and "DISCORD_TOKEN" in out.stderr


def test_a_bad_config_value_stops_start_up_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("[logging]\nlevel = 'LOUD'\n")
    out = credcord("run", cwd=tmp_path, env={"DISCORD_TOKEN": "not-printed-anywhere"})
    assert out.returncode != 0
    assert out.stderr.strip().splitlines() == [
        "credcord: logging.level must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, not 'LOUD'"
    ]
    assert "not-printed-anywhere" not in out.stdout + out.stderr


def test_migrate_then_backup(tmp_path: Path) -> None:
    assert "applied 0001_profiles.sql" in credcord("migrate", cwd=tmp_path).stdout
    assert "up to date" in credcord("migrate", cwd=tmp_path).stdout
    out = credcord("backup", str(tmp_path / "copy.db"), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    copy = sqlite3.connect(tmp_path / "copy.db")
    assert copy.execute("SELECT count(*) FROM sqlite_master WHERE name = 'profiles'").fetchone() == (1,)
    copy.close()


def test_backup_of_a_missing_database_fails_clearly(tmp_path: Path) -> None:
    out = credcord("backup", "copy.db", cwd=tmp_path)
    assert out.returncode == 1
    assert "does not exist" in out.stderr


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"], ["sync", "--help"]])
def test_help_is_available(tmp_path: Path, args: list[str]) -> None:
    out = credcord(*args, cwd=tmp_path)
    assert out.returncode == 0 and "usage: credcord" in out.stdout
