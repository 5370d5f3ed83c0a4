"""The composition root: config -> database -> services -> cogs.

This is the only module in ``bot/`` that knows discord exists (besides the
command line that starts it). ``create_bot(config)`` does no I/O; everything
that touches the outside world happens in ``setup_hook`` and is undone in
``close``.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import discord
import discord.gateway
import discord.http
import yarl
from discord import app_commands
from discord.ext import commands

from bot.badges import BadgeService, Reverifier, ShowcaseAdmin
from bot.config import Config, DiscordConfig, VerificationConfig
from bot.db import Database
from bot.discovery import DiscoveryService, load_catalog
from bot.errors import DomainError
from bot.lookups import LookupService
from bot.mentorship.admin import MentorshipAdmin
from bot.mentorship.service import MentorshipService
from bot.profiles import ProfileService
from bot.skills import SkillCatalog
from bot.state import BotState
from bot.verification.fetcher import Fetcher, FetchLimits, FetchPolicy
from bot.verification.providers import Providers
from bot.verification.verifier import Verifier
from bot.watch import WatchLimits, WatchService

log = logging.getLogger(__name__)

EXTENSIONS = (
    "cogs.profiles",
    "cogs.verify",
    "cogs.badges",
    "cogs.showcase_admin",
    "cogs.watch",
    "cogs.mentorship",
    "cogs.discovery",
)

APOLOGY = "Sorry, something went wrong on our side. It has been logged; please try again later."


@dataclass(frozen=True, slots=True)
class Services:
    """Everything the cogs may call; built once per bot start."""

    database: Database
    state: BotState
    skills: SkillCatalog
    profiles: ProfileService
    fetcher: Fetcher
    lookups: LookupService
    badges: BadgeService
    showcase: ShowcaseAdmin
    reverifier: Reverifier
    watch: WatchService
    mentorship: MentorshipService
    mentorship_admin: MentorshipAdmin
    discovery: DiscoveryService

    async def aclose(self) -> None:
        await self.fetcher.aclose()
        try:
            await self.discovery.flush_searches()
        except Exception:
            log.exception("could not save the /find counts kept in memory")
        await self.database.close()


def build_fetcher(config: VerificationConfig) -> Fetcher:
    """The process's one outbound HTTP client, with the SSRF policy from the config."""
    if config.allow_private_networks:
        log.warning(
            "verification.allow_private_networks is ON: members can make the bot fetch from private and "
            "loopback addresses. Use this only for local testing and sandboxes."
        )
    limits = FetchLimits(
        connect_timeout=config.connect_timeout,
        total_timeout=config.total_timeout,
        max_concurrency=config.max_concurrency,
        max_per_host=config.max_per_host,
        cache_ttl=config.cache_ttl_seconds,
    )
    policy = FetchPolicy(
        allow_private_networks=config.allow_private_networks, allowed_hosts=config.allowed_hosts
    )
    return Fetcher(policy=policy, limits=limits)


def apply_endpoint_overrides(config: DiscordConfig) -> None:
    """Point discord.py at a Discord-compatible server instead of discord.com.

    discord.py has no public option for this; it relies on two internals
    (``Route.BASE`` and ``DiscordWebSocket.DEFAULT_GATEWAY``) that a test covers,
    so an upgrade that moves them fails loudly instead of silently talking to
    discord.com.
    """
    if config.api_base is not None:
        discord.http.Route.BASE = config.api_base
    if config.gateway_url is not None:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(config.gateway_url)


async def send_ephemeral(interaction: discord.Interaction[Any], text: str) -> None:
    """Reply privately, whether or not the interaction was already answered."""
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True)
    else:
        await interaction.response.send_message(text, ephemeral=True)


def _describe(interaction: discord.Interaction[Any]) -> str:
    command = interaction.command.qualified_name if interaction.command else None
    custom_id = interaction.data.get("custom_id") if interaction.data else None
    return (
        f"command={command!r} custom_id={custom_id!r} guild={interaction.guild_id} "
        f"channel={interaction.channel_id} user={interaction.user.id}"
    )


async def report_error(interaction: discord.Interaction[Any], error: BaseException) -> None:
    """The one place an error becomes text a member sees.

    Slash commands, buttons and modals all end up here.
    """
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, DomainError):
        text = str(error)
    elif isinstance(error, app_commands.CommandOnCooldown):
        text = f"Slow down a little: try again in {error.retry_after:.0f} s."
    elif isinstance(error, app_commands.NoPrivateMessage):
        text = "This command only works in a server."
    elif isinstance(error, app_commands.MissingPermissions | app_commands.CheckFailure):
        text = "You do not have permission to do that here."
    else:
        log.error("unhandled error (%s)", _describe(interaction), exc_info=error)
        text = APOLOGY
    try:
        await send_ephemeral(interaction, text)
    except discord.HTTPException:
        log.warning("could not deliver an error reply (%s)", _describe(interaction), exc_info=True)


class CredcordTree(app_commands.CommandTree["CredcordBot"]):
    async def on_error(
        self, interaction: discord.Interaction[CredcordBot], error: app_commands.AppCommandError
    ) -> None:
        await report_error(interaction, error)


class CredcordBot(commands.Bot):
    """credcord's Bot. Build it with ``create_bot``."""

    tree: CredcordTree

    def __init__(self, config: Config, *, clock: Callable[[], datetime]) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        # Message events (not privileged) feed the channel watch; their text needs the privileged
        # Message Content intent, which only an admin's opt-in requests.
        intents.guild_messages = True
        intents.message_content = config.discord.message_content_intent
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=CredcordTree,
            guild_ready_timeout=config.discord.guild_ready_timeout,
        )
        self.config = config
        self.clock = clock
        self._services: Services | None = None

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("services are built in setup_hook; the bot has not started")
        return self._services

    async def login(self, token: str) -> None:
        apply_endpoint_overrides(self.config.discord)
        await super().login(token)

    async def setup_hook(self) -> None:
        skills = SkillCatalog.bundled()
        # Before the database opens: a broken catalog file stops start-up with nothing to undo.
        catalog = load_catalog(skills, self.config.discovery.catalog_file)
        database = await Database.open(self.config.database.path)
        try:
            applied = await database.migrate()
        except BaseException:
            await database.close()
            raise
        if applied:
            log.info("applied migrations: %s", ", ".join(m.name for m in applied))
        skills = SkillCatalog.bundled()
        mentoring = self.config.mentorship
        mentorship = MentorshipService(
            database,
            skills,
            clock=self.clock,
            weights=mentoring.weights,
            offer_hours=mentoring.offer_hours,
            checkin_days=mentoring.checkin_days,
        )
        profiles = ProfileService(database, skills, self.clock, member_data={"mentorship": mentorship.export})
        fetcher = build_fetcher(self.config.verification)
        providers = Providers.bundled().with_rules(self.config.verification.providers)
        verifier = Verifier(fetcher, clock=self.clock, providers=providers)
        lookups = LookupService(
            verifier,
            profiles,
            cooldown=timedelta(seconds=self.config.verification.cooldown_seconds),
            max_in_flight=self.config.verification.max_in_flight,
            clock=self.clock,
        )
        showcase = self.config.showcase
        showcase_admin = ShowcaseAdmin(database, skills, clock=self.clock)
        self._services = Services(
            database=database,
            state=BotState(database),
            skills=skills,
            profiles=profiles,
            fetcher=fetcher,
            lookups=lookups,
            badges=BadgeService(database, lookups, skills, clock=self.clock, grace_days=showcase.grace_days),
            showcase=showcase_admin,
            # The Reverifier's own concurrency defaults stay below the fetcher's limits, leaving room
            # for members' lookups while a round runs.
            reverifier=Reverifier(
                database,
                verifier,
                skills,
                clock=self.clock,
                reverify_hours=showcase.reverify_hours,
                grace_days=showcase.grace_days,
                batch_size=showcase.batch_size,
            ),
            watch=WatchService(
                database,
                lookups,
                showcase_admin,
                clock=self.clock,
                limits=WatchLimits.of(self.config.watch),
                pages=providers.page_patterns(),
            ),
            mentorship=mentorship,
            discovery=DiscoveryService(database, skills, catalog, mentorship, clock=self.clock),
            mentorship_admin=MentorshipAdmin(database, mentorship.matcher, clock=self.clock),
        )
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        await self.sync_commands_if_changed()
        if self.config.discord.dev_guild_id:
            guild = discord.Object(self.config.discord.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)

    def command_set_hash(self) -> str:
        payload = sorted(
            (command.to_dict(self.tree) for command in self.tree.get_commands()),
            key=lambda c: (c.get("type", 1), c["name"]),
        )
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()

    async def sync_commands_if_changed(self) -> None:
        """Sync global commands when they differ from the last sync.

        Syncing on every start would hit Discord's rate limit on restarts; never
        syncing would leave members with stale commands after an upgrade.
        """
        key = f"commands_hash:{self.application_id}"
        digest = self.command_set_hash()
        if await self.services.state.get(key) == digest:
            return
        await self.tree.sync()
        await self.services.state.put(key, digest)
        log.info("synced %d global commands", len(self.tree.get_commands()))

    async def close(self) -> None:
        await super().close()
        services, self._services = self._services, None
        if services is not None:
            await services.aclose()


def create_bot(config: Config, *, clock: Callable[[], datetime] | None = None) -> CredcordBot:
    """Build the bot exactly as ``credcord run`` does; no I/O happens here."""
    return CredcordBot(config, clock=clock or discord.utils.utcnow)
