"""The shape ARCHITECTURE.md promises: only the composition root and the CLI import discord (or SimCord)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = {
    ROOT / "bot" / "app.py",
    ROOT / "bot" / "__main__.py",
    # The sandbox is wiring too: it runs the bot inside SimCord, a simulated Discord built on discord.py.
    ROOT / "bot" / "sandbox" / "seed.py",
    ROOT / "bot" / "sandbox" / "world.py",
}
DISCORD = {"discord", "simcord"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_only_the_composition_root_cli_and_sandbox_import_discord() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "bot").rglob("*.py"))
        if path not in ALLOWED and DISCORD & _imports(path)
    ]
    assert offenders == []


def test_the_cli_module_does_not_import_discord_until_the_bot_starts() -> None:
    code = "import sys, bot.__main__; print('discord' in sys.modules, 'simcord' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False False"


def test_cogs_hold_no_sql() -> None:
    for path in sorted((ROOT / "cogs").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert "aiosqlite" not in text and "SELECT " not in text and "INSERT " not in text, path
