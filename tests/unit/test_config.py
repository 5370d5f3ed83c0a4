"""Configuration: defaults, validation with one clear line, environment overrides."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import MentorshipConfig, ShowcaseConfig, WatchConfig, load_config
from bot.errors import ConfigError
from bot.mentorship.ranking import MatchWeights

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_config_loads_and_documents_every_key() -> None:
    config = load_config(EXAMPLE, {})
    assert config.discord.dev_guild_id == 0
    assert config.database.path == Path("credcord.db")
    assert config.verification.allow_private_networks is False
    assert config.showcase == ShowcaseConfig()
    assert config.watch == WatchConfig()


def test_defaults_without_a_file() -> None:
    config = load_config(None, {})
    assert config.discord.token is None
    assert config.discord.message_content_intent is False
    assert config.logging.level == "INFO"


def test_environment_overrides(tmp_path: Path) -> None:
    path = _write(tmp_path, '[database]\npath = "from-file.db"\n[discord]\ndev_guild_id = 5\n')
    config = load_config(
        path,
        {
            "DISCORD_TOKEN": " secret ",
            "CREDCORD_DB_PATH": "/data/env.db",
            "CREDCORD_LOG_LEVEL": "debug",
            "CREDCORD_DEV_GUILD_ID": "42",
        },
    )
    assert config.discord.token == "secret"
    assert config.database.path == Path("/data/env.db")
    assert config.logging.level == "DEBUG"
    assert config.discord.dev_guild_id == 42


def test_the_message_content_intent_is_opt_in(tmp_path: Path) -> None:
    path = _write(tmp_path, "[discord]\nmessage_content_intent = true\n")
    assert load_config(path, {}).discord.message_content_intent is True


def test_showcase_settings_are_read(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "[showcase]\nreverify_hours = 6\ngrace_days = 2.5\nbatch_size = 50\nrecheck_minutes = 1\n"
    )
    assert load_config(path, {}).showcase == ShowcaseConfig(
        reverify_hours=6.0, grace_days=2.5, batch_size=50, recheck_minutes=1.0
    )


def test_showcase_defaults() -> None:
    showcase = load_config(None, {}).showcase
    assert (showcase.reverify_hours, showcase.grace_days, showcase.batch_size, showcase.recheck_minutes) == (
        24.0,
        7.0,
        100,
        10.0,
    )


def test_the_token_never_appears_in_the_repr() -> None:
    config = load_config(None, {"DISCORD_TOKEN": "MTIz.very-secret"})
    assert "very-secret" not in repr(config)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[discord]\ntoken = "abc"\n', "discord.token must not be in the config file"),
        ("[discord]\ndev_guild_id = -1\n", "discord.dev_guild_id must be between 0"),
        ('[discord]\ndev_guild_id = "12"\n', "discord.dev_guild_id must be a whole number"),
        ('[discord]\napi_base = "ftp://x"\n', "discord.api_base must be a http or https URL"),
        ('[discord]\ngateway_url = "https://x"\n', "discord.gateway_url must be a ws or wss URL"),
        ("[discord]\nguild_ready_timeout = 600\n", "discord.guild_ready_timeout must be between"),
        ('[logging]\nlevel = "LOUD"\n', "logging.level must be one of"),
        ("[database]\npaht = 'x.db'\n", "database.paht is not a known setting"),
        ("[nonsense]\nx = 1\n", "[nonsense] is not a known section"),
        (
            "[verification]\nallow_private_networks = 'yes'\n",
            "verification.allow_private_networks must be true",
        ),
        ("not toml at all [", "is not valid TOML"),
        ("[showcase]\nbatch_size = 0\n", "showcase.batch_size must be between 1"),
        ("[showcase]\nreverify_hours = 'daily'\n", "showcase.reverify_hours must be a number"),
        ("[showcase]\nrecheck_minutes = 0\n", "showcase.recheck_minutes must be between"),
        ("[showcase]\ngrace_day = 3\n", "showcase.grace_day is not a known setting"),
    ],
)
def test_a_bad_value_stops_with_one_line_naming_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(_write(tmp_path, text), {})
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_missing_config_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.toml", {})


def test_a_bad_environment_value_is_named() -> None:
    with pytest.raises(ConfigError, match="CREDCORD_DEV_GUILD_ID must be a whole number"):
        load_config(None, {"CREDCORD_DEV_GUILD_ID": "abc"})


def test_watch_limits_come_from_the_watch_section(tmp_path: Path) -> None:
    path = _write(tmp_path, "[watch]\nmember_posts_per_minute = 2\ndedupe_seconds = 5\n")
    config = load_config(path, {})
    assert config.watch == WatchConfig(member_posts_per_minute=2, dedupe_seconds=5.0)
    with pytest.raises(ConfigError, match=r"watch\.concurrency"):
        load_config(_write(tmp_path, "[watch]\nconcurrency = 0\n"), {})


def test_provider_rules_are_read_in_order(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "[[verification.providers]]\n"
        'name = "Example Academy"\n'
        "pattern = 'https://academy\\.example/badges/(?P<id>[0-9a-f-]+)'\n"
        'action = "fetch"\n'
        'target = "https://api.academy.example/assertions/{id}"\n'
        "[[verification.providers]]\n"
        'name = "Example Courses"\n'
        "pattern = 'https://courses\\.example/certificates/'\n"
        'action = "no_credential"\n',
    )

    rules = load_config(path, {}).verification.providers

    assert [(rule.name, rule.action, rule.target) for rule in rules] == [
        ("Example Academy", "fetch", "https://api.academy.example/assertions/{id}"),
        ("Example Courses", "no_credential", None),
    ]
    assert (
        rules[0].machine_url("https://academy.example/badges/0a-1")
        == "https://api.academy.example/assertions/0a-1"
    )


def test_no_provider_rules_by_default() -> None:
    assert load_config(EXAMPLE, {}).verification.providers == ()


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('name = "A"\naction = "no_credential"\n', "verification.providers[0].pattern is required"),
        ('name = "A"\npattern = \'(x\'\naction = "no_credential"\n', "verification.providers[0].pattern:"),
        ('name = "A"\npattern = \'x\'\naction = "crawl"\n', "verification.providers[0].action: the action"),
        ('name = "A"\npattern = \'x\'\naction = "fetch"\n', "verification.providers[0].target:"),
        (
            "name = \"A\"\npattern = 'x/(?P<id>.+)'\naction = \"fetch\"\ntarget = 'https://a.example/{key}'\n",
            "{key} in the target is not a named group",
        ),
        ('name = "A"\npattern = \'x\'\naction = "no_credential"\ncolour = 1\n', "providers[0].colour is not"),
    ],
)
def test_a_bad_provider_rule_names_its_key(tmp_path: Path, entry: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(_write(tmp_path, "[[verification.providers]]\n" + entry), {})
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_providers_must_be_an_array_of_tables(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"verification\.providers must be an array of tables"):
        load_config(_write(tmp_path, '[verification]\nproviders = "credly"\n'), {})


def test_the_example_provider_rule_is_valid_once_uncommented(tmp_path: Path) -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    start = lines.index("# [[verification.providers]]")
    block = "\n".join(line.removeprefix("# ") for line in lines[start : start + 5]) + "\n"

    (rule,) = load_config(_write(tmp_path, block), {}).verification.providers

    assert rule.machine_url("https://academy.example/badges/0f-1") is not None


def test_mentorship_settings_and_weights_are_read(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "[mentorship]\noffer_hours = 48\ncheckin_days = 3\n[mentorship.weights]\nverified_skill = 12\n",
    )
    mentorship = load_config(path, {}).mentorship
    assert (mentorship.offer_hours, mentorship.checkin_days, mentorship.check_minutes) == (48.0, 3.0, 10.0)
    assert mentorship.weights == MatchWeights(verified_skill=12.0)


def test_the_example_documents_the_mentorship_defaults() -> None:
    assert load_config(EXAMPLE, {}).mentorship == MentorshipConfig()


def test_the_discovery_catalog_file_is_optional(tmp_path: Path) -> None:
    assert load_config(None, {}).discovery.catalog_file is None
    assert load_config(EXAMPLE, {}).discovery.catalog_file is None
    path = _write(tmp_path, '[discovery]\ncatalog_file = "roles.toml"\n')
    assert load_config(path, {}).discovery.catalog_file == Path("roles.toml")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[mentorship]\noffer_hours = 0\n", "mentorship.offer_hours must be between 1.0 and 720.0, not 0"),
        ("[mentorship.weights]\noverlap = 1\n", "mentorship.weights.overlap is not a known setting"),
        (
            "[mentorship.weights]\nshared_language = -1\n",
            "mentorship.weights.shared_language must be between",
        ),
        ("[mentorship]\nweights = 3\n", "[mentorship.weights] must be a table"),
    ],
)
def test_bad_mentorship_settings_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(_write(tmp_path, text), {})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[discovery]\ncatalog_file = 3\n", "discovery.catalog_file must be a file path"),
        ("[discovery]\ncatalog = 'x.toml'\n", "discovery.catalog is not a known setting"),
    ],
)
def test_a_bad_discovery_setting_is_named(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(_write(tmp_path, text), {})
