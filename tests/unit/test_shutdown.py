"""SIGINT and SIGTERM end `credcord run` through Bot.close(), which closes the database last."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from bot.__main__ import _run_bot
from bot.config import Config


class FakeBot:
    """Stands in for the Discord connection: start() runs until close() is called."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.closed = asyncio.Event()
        self.close_calls = 0

    async def __aenter__(self) -> FakeBot:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self, token: str) -> None:
        self.started.set()
        await self.closed.wait()

    async def close(self) -> None:
        self.close_calls += 1
        self.closed.set()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
async def test_a_stop_signal_closes_the_bot_and_returns(
    signum: signal.Signals, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = FakeBot()
    monkeypatch.setattr("bot.app.create_bot", lambda _config: bot)
    running = asyncio.ensure_future(_run_bot(config, "token"))
    await asyncio.wait_for(bot.started.wait(), timeout=5)  # handlers are installed before start()
    os.kill(os.getpid(), signum)
    await asyncio.wait_for(running, timeout=5)
    assert bot.closed.is_set() and bot.close_calls >= 1
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().remove_signal_handler(sig)
