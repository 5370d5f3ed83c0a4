"""The credcord command line: ``credcord`` and ``python -m bot``.

discord is imported only by the subcommands that start the bot, so tools such
as ``credcord verify`` and ``credcord backup`` start fast and work without it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import DEFAULT_CONFIG_PATH, TOKEN_ENV, Config, configure_logging, load_config
from bot.db import Database, backup
from bot.errors import CredcordError
from bot.sandbox.settings import DEFAULT_DATA_DIR
from bot.verification.cli import add_verify_command


def _fail(message: str, code: int = 1) -> int:
    print(f"credcord: {message}", file=sys.stderr)
    return code


def _config(args: argparse.Namespace) -> Config:
    path: Path | None = args.config
    if path is None and DEFAULT_CONFIG_PATH.exists():
        path = DEFAULT_CONFIG_PATH
    return load_config(path, os.environ)


def _config_hint(config: Config) -> str:
    if config.source is not None:
        return f"other settings are read from {config.source.resolve()}"
    target = DEFAULT_CONFIG_PATH.resolve()
    return f"no config file found; copy config.example.toml to {target} to change settings"


async def _migrate(config: Config) -> list[str]:
    database = await Database.open(config.database.path)
    try:
        return [m.name for m in await database.migrate()]
    finally:
        await database.close()


def cmd_migrate(args: argparse.Namespace) -> int:
    config = _config(args)
    applied = asyncio.run(_migrate(config))
    print(f"{config.database.path}: " + (f"applied {', '.join(applied)}" if applied else "up to date"))
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    config = _config(args)
    backup(config.database.path, args.path)
    print(f"backed up {config.database.path} to {args.path}")
    return 0


def _token(config: Config) -> str | None:
    return config.discord.token


async def _run_bot(config: Config, token: str) -> None:
    from bot.app import create_bot

    bot = create_bot(config)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # close() finishes in-flight database work before the connection closes.
        loop.add_signal_handler(sig, lambda: asyncio.ensure_future(bot.close()))
    async with bot:
        await bot.start(token)


async def _sync(config: Config, token: str) -> int:
    from bot.app import create_bot

    bot = create_bot(config)
    async with bot:
        await bot.login(token)  # runs setup_hook: database, extensions, changed-command sync
        synced = await bot.tree.sync()
        await bot.services.state.put(f"commands_hash:{bot.application_id}", bot.command_set_hash())
    print(f"synced {len(synced)} global commands")
    return 0


async def _sandbox(config: Config, data_dir: Path, port: int, reset: bool) -> None:
    from bot.sandbox.world import open_sandbox

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with open_sandbox(config, data_dir, port=port, reset=reset) as sandbox:
        print(sandbox.banner(), flush=True)
        # Runs until Ctrl-C, or until "End preview session" is pressed in the browser.
        waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(sandbox.preview.wait_closed())]
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for wait in waits:
            wait.cancel()
        print("stopping the sandbox", file=sys.stderr, flush=True)


def _login_errors() -> tuple[type[BaseException], ...]:
    import discord

    return (discord.LoginFailure, discord.PrivilegedIntentsRequired)


def cmd_run(args: argparse.Namespace) -> int:
    config = _config(args)
    configure_logging(config.logging)
    asyncio.run(_migrate(config))
    token = _token(config)
    if token is None:
        return _fail(f"no Discord token: set the {TOKEN_ENV} environment variable ({_config_hint(config)})")
    try:
        asyncio.run(_run_bot(config, token))
    except _login_errors() as error:
        return _fail(f"Discord refused to log in ({type(error).__name__}): check {TOKEN_ENV}")
    return 0


def cmd_sandbox(args: argparse.Namespace) -> int:
    config = _config(args)
    configure_logging(config.logging)
    try:
        asyncio.run(_sandbox(config, args.data, args.port, args.reset))
    except ModuleNotFoundError as error:
        if error.name != "simcord":
            raise
        return _fail("the sandbox needs SimCord: run `make sandbox`, or pip install -e '.[sandbox]'")
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    config = _config(args)
    configure_logging(config.logging)
    token = _token(config)
    if token is None:
        return _fail(f"no Discord token: set the {TOKEN_ENV} environment variable ({_config_hint(config)})")
    try:
        return asyncio.run(_sync(config, token))
    except _login_errors() as error:
        return _fail(f"Discord refused to log in ({type(error).__name__}): check {TOKEN_ENV}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="credcord",
        description="credcord: verify micro-credentials, showcase badges and match mentors on Discord.",
    )
    parser.add_argument(
        "--config", type=Path, default=None, help="config file (default: ./config.toml if it exists)"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="apply migrations and start the bot")
    run.add_argument("--config", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    run.set_defaults(handler=cmd_run)

    migrate = commands.add_parser("migrate", help="apply pending database migrations and exit")
    migrate.add_argument("--config", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    migrate.set_defaults(handler=cmd_migrate)

    backup_cmd = commands.add_parser("backup", help="copy the database consistently, even while the bot runs")
    backup_cmd.add_argument("path", type=Path, help="where to write the copy")
    backup_cmd.add_argument("--config", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    backup_cmd.set_defaults(handler=cmd_backup)

    sync = commands.add_parser("sync", help="sync the global slash commands with Discord and exit")
    sync.add_argument("--config", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    sync.set_defaults(handler=cmd_sync)

    sandbox = commands.add_parser(
        "sandbox",
        help="try the real bot offline in a browser: a simulated Discord with a demo badge issuer",
        description="Start the real bot in a simulated Discord server (SimCord) with seeded members and a "
        "local demo badge issuer, and print the address of a browser view to use it as a newcomer. "
        "Everything listens on 127.0.0.1 only. Ctrl-C stops it.",
    )
    sandbox.add_argument(
        "--port", type=int, default=0, help="port of the browser view on 127.0.0.1 (default: any free port)"
    )
    sandbox.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help=f"directory of the sandbox's database, kept between runs (default: {DEFAULT_DATA_DIR})",
    )
    sandbox.add_argument("--reset", action="store_true", help="delete the sandbox's database first")
    sandbox.add_argument("--config", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    sandbox.set_defaults(handler=cmd_sandbox)

    add_verify_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.handler(args)
    except CredcordError as error:
        return _fail(str(error))
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
