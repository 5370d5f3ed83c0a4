"""``open_sandbox``: the real bot in a simulated Discord, a seeded community, a demo issuer, a browser view.

Leaving the context stops everything in reverse order: the browser preview, the simulated Discord, the bot
(``bot.close()``: SimCord never closes a bot, a real process would on exit) and the issuer. Everything
listens on 127.0.0.1 only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import simcord

from bot.app import CredcordBot, create_bot
from bot.config import Config
from bot.errors import ConfigError
from bot.sandbox.issuer import ISSUER_NAME, DemoBadge, DemoIssuer
from bot.sandbox.seed import NEWCOMER_EMAIL, Community, SeedContext, create_community, seed
from bot.sandbox.settings import prepare_data, sandbox_config

# How long one action in the browser may keep the bot busy: a /verify of a slow or unreachable issuer
# waits for the fetcher's own timeouts, which must end first.
_SETTLE_SECONDS: Final = 60.0
_AFTER_SEEDING_SECONDS: Final = 1.0


@dataclass(frozen=True, slots=True)
class Sandbox:
    url: str  # the browser preview; the link is a key: whoever has it acts as the newcomer
    badges: tuple[DemoBadge, ...]
    community: Community
    bot: CredcordBot
    env: simcord.Env
    preview: simcord.Preview
    database: Path

    def banner(self) -> str:
        """What to open and what to paste, for the terminal."""
        badges = [
            f"    {b.expected:<8} {b.name}, {b.kind}: {b.how}\n    {'':<8} {b.url}" for b in self.badges
        ]
        return "\n".join(
            [
                "credcord sandbox: the real bot in a simulated Discord, offline. No account needed.",
                "",
                f"  Open {self.url}",
                "  (the link is a key: whoever has it can act as the newcomer)",
                "",
                f"  Demo badges from {ISSUER_NAME}, issued to {NEWCOMER_EMAIL} (saved in your profile):",
                *badges,
                "",
                f"  Data: {self.database} (kept between runs; --reset starts fresh)",
                "  Press Ctrl-C to stop.",
            ]
        )


@asynccontextmanager
async def open_sandbox(
    config: Config, data_dir: Path, *, port: int = 0, reset: bool = False
) -> AsyncIterator[Sandbox]:
    """Start the sandbox on ``data_dir`` with the browser view on ``port`` (0: any free port)."""
    prepare_data(data_dir, reset=reset)
    async with AsyncExitStack() as stack:
        issuer = stack.enter_context(DemoIssuer())
        bot_config = sandbox_config(config, data_dir=data_dir, issuer_host=issuer.allowed_host)
        bot = create_bot(bot_config)
        stack.push_async_callback(bot.close)
        env = simcord.Env(bot, check_errors=False, settle_timeout=_SETTLE_SECONDS)
        community = create_community(env)
        badges = issuer.publish(NEWCOMER_EMAIL, env.now())
        await env.start()
        stack.push_async_callback(env.shutdown)
        stack.enter_context(env.time_context())
        # The simulated Discord is new at every start but the database remembers the last command sync,
        # so the bot would skip it: register the commands as `credcord sync` does.
        await bot.tree.sync()
        await seed(SeedContext(community, bot, issuer, badges))
        # The simulated clock stands still unless moved, so all the seeding happened at one instant; the
        # digest counts what happened before now, and /digest preview would find nothing without this.
        await env.advance_time(_AFTER_SEEDING_SECONDS)
        preview = env.preview(community.general, viewers=[community.newcomer], layout="channel", port=port)
        try:
            await stack.enter_async_context(preview)
        except simcord.SetupError as error:
            raise ConfigError(f"the browser view could not start: {error}") from None
        yield Sandbox(preview.url, badges, community, bot, env, preview, bot_config.database.path)
