"""Configuration: a TOML file plus environment overrides, read once at start.

``load_config(path, environ)`` is the seam that ``credcord run``, the tests and the
sandbox all use. Every value is validated here so that a mistake stops start-up
with one line naming the key, instead of failing later inside a command.

The Discord token is only ever read from ``DISCORD_TOKEN``: a token in a config
file ends up in backups and screenshots.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.errors import ConfigError
from bot.mentorship.ranking import MatchWeights
from bot.verification.providers import ProviderRule, ProviderRuleError

TOKEN_ENV = "DISCORD_TOKEN"  # noqa: S105 (the variable name, not a secret)
DEFAULT_CONFIG_PATH = Path("config.toml")

_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


_SECTIONS = frozenset(
    ("discord", "database", "logging", "verification", "showcase", "watch", "mentorship", "discovery")
)


@dataclass(frozen=True, slots=True)
class DiscordConfig:
    token: str | None = field(default=None, repr=False)
    dev_guild_id: int = 0
    api_base: str | None = None
    gateway_url: str | None = None
    guild_ready_timeout: float = 2.0
    message_content_intent: bool = False


@dataclass(frozen=True, slots=True)
class DatabaseConfig:
    path: Path = Path("credcord.db")


@dataclass(frozen=True, slots=True)
class LoggingConfig:
    level: str = "INFO"


@dataclass(frozen=True, slots=True)
class VerificationConfig:
    allow_private_networks: bool = False
    connect_timeout: float = 5.0
    total_timeout: float = 15.0
    max_concurrency: int = 16
    max_per_host: int = 4
    cache_ttl_seconds: float = 300.0
    cooldown_seconds: float = 30.0
    max_in_flight: int = 8
    # An admin's provider rules, tried before the bundled table (bot.verification.providers).
    providers: tuple[ProviderRule, ...] = ()
    # Exact host:port entries the fetcher may reach although they are private (the sandbox's demo
    # issuer). Deliberately not a config-file key: a file is copied between machines and edited by
    # hand, and one stray entry would quietly open an internal service to member-supplied URLs. Only
    # `credcord sandbox` sets it, with dataclasses.replace, for the issuer it started itself.
    allowed_hosts: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ShowcaseConfig:
    reverify_hours: float = 24.0
    grace_days: float = 7.0
    batch_size: int = 100
    recheck_minutes: float = 10.0


@dataclass(frozen=True, slots=True)
class WatchConfig:
    concurrency: int = 4
    queue_size: int = 1000
    member_posts_per_minute: int = 5
    channel_posts_per_minute: int = 60
    dedupe_seconds: float = 60.0


@dataclass(frozen=True, slots=True)
class MentorshipConfig:
    offer_hours: float = 72.0
    check_minutes: float = 10.0
    checkin_days: float = 7.0
    weights: MatchWeights = field(default_factory=MatchWeights)


@dataclass(frozen=True, slots=True)
class DiscoveryConfig:
    # An admin's TOML file adding or overriding roles and credential programs; None: the bundled ones only.
    catalog_file: Path | None = None


@dataclass(frozen=True, slots=True)
class Config:
    discord: DiscordConfig = DiscordConfig()
    database: DatabaseConfig = DatabaseConfig()
    logging: LoggingConfig = LoggingConfig()
    verification: VerificationConfig = VerificationConfig()
    showcase: ShowcaseConfig = ShowcaseConfig()
    watch: WatchConfig = WatchConfig()
    mentorship: MentorshipConfig = MentorshipConfig()
    discovery: DiscoveryConfig = DiscoveryConfig()
    source: Path | None = None


class _Section:
    """Typed access to one TOML table that remembers which keys were read."""

    def __init__(self, name: str, data: Any) -> None:
        if not isinstance(data, dict):
            raise ConfigError(f"[{name}] must be a table")
        self.name = name
        self.data: dict[str, Any] = data
        self.read: set[str] = set()

    def _key(self, key: str) -> str:
        return f"{self.name}.{key}"

    def _get(self, key: str) -> Any:
        self.read.add(key)
        return self.data.get(key)

    def boolean(self, key: str, default: bool) -> bool:
        value = self._get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise ConfigError(f"{self._key(key)} must be true or false, not {value!r}")
        return value

    def integer(self, key: str, default: int, *, low: int, high: int) -> int:
        value = self._get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{self._key(key)} must be a whole number, not {value!r}")
        if not low <= value <= high:
            raise ConfigError(f"{self._key(key)} must be between {low} and {high}, not {value}")
        return value

    def number(self, key: str, default: float, *, low: float, high: float) -> float:
        value = self._get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{self._key(key)} must be a number, not {value!r}")
        if not low <= value <= high:
            raise ConfigError(f"{self._key(key)} must be between {low} and {high}, not {value}")
        return float(value)

    def table(self, key: str) -> _Section:
        """A nested table such as ``[mentorship.weights]``; empty when absent."""
        value = self._get(key)
        return _Section(self._key(key), {} if value is None else value)

    def string(self, key: str, default: str | None) -> str | None:
        value = self._get(key)
        if value is None:
            return default
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{self._key(key)} must be a non-empty string, not {value!r}")
        return value.strip()

    def required_string(self, key: str) -> str:
        value = self.string(key, None)
        if value is None:
            raise ConfigError(f"{self._key(key)} is required")
        return value

    def path(self, key: str) -> Path | None:
        """A file path; an empty string (the example's default) means none."""
        value = self._get(key)
        if value is None or value == "":
            return None
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{self._key(key)} must be a file path, not {value!r}")
        return Path(value.strip())

    def url(self, key: str, *, schemes: tuple[str, ...]) -> str | None:
        value = self.string(key, None)
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in schemes or not parts.netloc:
            raise ConfigError(f"{self._key(key)} must be a {' or '.join(schemes)} URL, not {value!r}")
        return value.rstrip("/")

    def tables(self, key: str) -> list[_Section]:
        """An array of tables (``[[name.key]]``), each as a section named ``name.key[i]``."""
        value = self._get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise ConfigError(f"{self._key(key)} must be an array of tables ([[{self._key(key)}]])")
        return [_Section(f"{self._key(key)}[{index}]", item) for index, item in enumerate(value)]

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self.read)
        if unknown:
            raise ConfigError(f"{self._key(unknown[0])} is not a known setting (see config.example.toml)")


def _env_int(environ: Mapping[str, str], name: str) -> int | None:
    raw = environ.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None


def _provider_rule(section: _Section) -> ProviderRule:
    name = section.required_string("name")
    pattern = section.required_string("pattern")
    action = section.required_string("action")
    target = section.string("target", None)
    section.finish()
    try:
        return ProviderRule.parse(name, pattern, action, target)
    except ProviderRuleError as error:
        raise ConfigError(f"{section.name}.{error.field}: {error}") from None


def load_config(path: Path | str | None, environ: Mapping[str, str]) -> Config:
    """Read ``path`` (None: built-in defaults) and apply environment overrides.

    Environment: ``DISCORD_TOKEN`` (the only source of the token),
    ``CREDCORD_DB_PATH``, ``CREDCORD_LOG_LEVEL``, ``CREDCORD_DEV_GUILD_ID``.
    Raises ``ConfigError`` with a one-line message naming the offending key.
    """
    raw: dict[str, Any] = {}
    source: Path | None = None
    if path is not None:
        source = Path(path)
        try:
            with source.open("rb") as handle:
                raw = tomllib.load(handle)
        except FileNotFoundError:
            raise ConfigError(f"config file {source} not found (copy config.example.toml to start)") from None
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{source} is not valid TOML: {error}") from None

    unknown_tables = sorted(set(raw) - _SECTIONS)
    if unknown_tables:
        raise ConfigError(f"[{unknown_tables[0]}] is not a known section (see config.example.toml)")

    discord_section = _Section("discord", raw.get("discord", {}))
    if "token" in discord_section.data:
        raise ConfigError(
            f"discord.token must not be in the config file: set the {TOKEN_ENV} environment variable"
        )
    dev_guild_id = discord_section.integer("dev_guild_id", 0, low=0, high=2**63 - 1)
    env_guild = _env_int(environ, "CREDCORD_DEV_GUILD_ID")
    discord_config = DiscordConfig(
        token=(environ.get(TOKEN_ENV) or "").strip() or None,
        dev_guild_id=env_guild if env_guild is not None else dev_guild_id,
        api_base=discord_section.url("api_base", schemes=("http", "https")),
        gateway_url=discord_section.url("gateway_url", schemes=("ws", "wss")),
        guild_ready_timeout=discord_section.number("guild_ready_timeout", 2.0, low=0.0, high=60.0),
        message_content_intent=discord_section.boolean("message_content_intent", False),
    )
    discord_section.finish()

    database_section = _Section("database", raw.get("database", {}))
    file_db_path = database_section.string("path", "credcord.db")
    db_path = environ.get("CREDCORD_DB_PATH") or file_db_path
    database_section.finish()
    assert db_path is not None

    logging_section = _Section("logging", raw.get("logging", {}))
    file_level = logging_section.string("level", "INFO")
    level = (environ.get("CREDCORD_LOG_LEVEL") or file_level or "INFO").upper()
    logging_section.finish()
    if level not in _LOG_LEVELS:
        raise ConfigError(f"logging.level must be one of {', '.join(_LOG_LEVELS)}, not {level!r}")

    verification = _Section("verification", raw.get("verification", {}))
    verification_config = VerificationConfig(
        allow_private_networks=verification.boolean("allow_private_networks", False),
        connect_timeout=verification.number("connect_timeout", 5.0, low=0.1, high=60.0),
        total_timeout=verification.number("total_timeout", 15.0, low=0.1, high=120.0),
        max_concurrency=verification.integer("max_concurrency", 16, low=1, high=256),
        max_per_host=verification.integer("max_per_host", 4, low=1, high=64),
        cache_ttl_seconds=verification.number("cache_ttl_seconds", 300.0, low=0.0, high=86400.0),
        cooldown_seconds=verification.number("cooldown_seconds", 30.0, low=0.0, high=3600.0),
        max_in_flight=verification.integer("max_in_flight", 8, low=1, high=256),
        providers=tuple(_provider_rule(entry) for entry in verification.tables("providers")),
    )
    verification.finish()

    showcase = _Section("showcase", raw.get("showcase", {}))
    showcase_config = ShowcaseConfig(
        reverify_hours=showcase.number("reverify_hours", 24.0, low=0.1, high=24.0 * 365),
        grace_days=showcase.number("grace_days", 7.0, low=0.0, high=365.0),
        batch_size=showcase.integer("batch_size", 100, low=1, high=10_000),
        recheck_minutes=showcase.number("recheck_minutes", 10.0, low=0.1, high=24.0 * 60),
    )
    showcase.finish()

    watch = _Section("watch", raw.get("watch", {}))
    watch_config = WatchConfig(
        concurrency=watch.integer("concurrency", 4, low=1, high=64),
        queue_size=watch.integer("queue_size", 1000, low=1, high=100_000),
        member_posts_per_minute=watch.integer("member_posts_per_minute", 5, low=1, high=1000),
        channel_posts_per_minute=watch.integer("channel_posts_per_minute", 60, low=1, high=10_000),
        dedupe_seconds=watch.number("dedupe_seconds", 60.0, low=0.0, high=3600.0),
    )
    watch.finish()

    discovery = _Section("discovery", raw.get("discovery", {}))
    discovery_config = DiscoveryConfig(catalog_file=discovery.path("catalog_file"))
    discovery.finish()

    return Config(
        discord=discord_config,
        database=DatabaseConfig(path=Path(db_path)),
        logging=LoggingConfig(level=level),
        verification=verification_config,
        showcase=showcase_config,
        watch=watch_config,
        mentorship=_mentorship(_Section("mentorship", raw.get("mentorship", {}))),
        discovery=discovery_config,
        source=source,
    )


def _mentorship(section: _Section) -> MentorshipConfig:
    weights = section.table("weights")
    defaults = MatchWeights()
    config = MentorshipConfig(
        offer_hours=section.number("offer_hours", 72.0, low=1.0, high=24.0 * 30),
        check_minutes=section.number("check_minutes", 10.0, low=0.1, high=24.0 * 60),
        checkin_days=section.number("checkin_days", 7.0, low=0.5, high=90.0),
        weights=MatchWeights(
            **{
                name: weights.number(name, getattr(defaults, name), low=0.0, high=1000.0)
                for name in (item.name for item in fields(MatchWeights))
            }
        ),
    )
    weights.finish()
    section.finish()
    return config


def configure_logging(config: LoggingConfig) -> None:
    logging.basicConfig(
        level=getattr(logging, config.level),
        format="%(asctime)s %(levelname)-8s %(name)s: %(message)s",
    )
