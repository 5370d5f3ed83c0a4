"""Profile validation rules, without a database or Discord."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.errors import InvalidInput
from bot.profiles import Profile, ProfileOptions, ProfileText
from bot.profiles.model import split_list, validate_options, validate_portfolio, validate_text
from bot.skills import SkillCatalog


@pytest.fixture(scope="module")
def catalog() -> SkillCatalog:
    return SkillCatalog.bundled()


def test_skills_are_normalised_case_insensitively_and_deduplicated(catalog: SkillCatalog) -> None:
    clean = validate_text(ProfileText(skills="JS, javascript, POSTGRES,  gcp , My Own Thing"), catalog)
    assert [(s.name, s.known) for s in clean.skills] == [
        ("JavaScript", True),
        ("PostgreSQL", True),
        ("Google Cloud", True),
        ("My Own Thing", False),
    ]


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://x.example", "must be an https:// URL"),
        ("javascript:alert(1)", "must be an https:// URL"),
        ("https://user:pw@x.example", "must not contain a user name or password"),
        ("https://user@x.example", "must not contain a user name or password"),
        ("https://", "is not a valid URL"),
        ("https://x.example:99999", "is not a valid URL"),
        ("https://x.example/" + "a" * 400, "longer than 300"),
    ],
)
def test_portfolio_urls(url: str, problem: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_portfolio(url)
    assert problem in str(caught.value)


def test_a_plain_https_portfolio_is_kept() -> None:
    assert validate_portfolio(" https://me.example/work ") == "https://me.example/work"
    assert validate_portfolio("") is None


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (ProfileText(headline="x" * 101), "headline"),
        (ProfileText(bio="x" * 1001), "bio"),
        (ProfileText(skills=",".join(f"s{i}" for i in range(51))), "skills"),
        (ProfileText(skills="x" * 51), "skills"),
        (ProfileText(languages=",".join(f"l{i}" for i in range(11))), "languages"),
    ],
)
def test_over_long_text_is_refused_with_the_field_named(
    catalog: SkillCatalog, text: ProfileText, field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_text(text, catalog)
    assert caught.value.field == field


def _profile(**changes: object) -> Profile:
    base = dict(
        guild_id=1,
        user_id=2,
        headline=None,
        bio=None,
        portfolio_url=None,
        timezone=None,
        weekly_hours=None,
        rate_min=None,
        rate_max=None,
        rate_currency=None,
        open_to_work=False,
        directory=False,
        skills=(),
        languages=(),
        emails=("a@example.com",),
        updated_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    base.update(changes)
    return Profile(**base)  # type: ignore[arg-type]


def test_rate_range_is_checked_against_the_stored_profile() -> None:
    stored = _profile(rate_min=50, rate_max=80, rate_currency="USD")
    with pytest.raises(InvalidInput, match="must not be above rate_max"):
        validate_options(ProfileOptions(rate_min=90), stored)
    assert validate_options(ProfileOptions(rate_max=100), stored).rate_max == 100


def test_currency_is_upper_cased_and_timezones_must_exist() -> None:
    assert validate_options(ProfileOptions(rate_min=1, rate_currency="eur"), None).rate_currency == "EUR"
    with pytest.raises(InvalidInput, match="not an IANA time zone"):
        validate_options(ProfileOptions(timezone="../../etc/passwd"), None)


def test_emails_are_limited_and_checked() -> None:
    with pytest.raises(InvalidInput, match="at most 5"):
        validate_options(ProfileOptions(emails=tuple(f"a{i}@x.example" for i in range(6))), None)
    with pytest.raises(InvalidInput, match="is not an email address"):
        validate_options(ProfileOptions(emails=("nope",)), None)


def test_public_view_hides_emails() -> None:
    assert _profile().public().emails == ()


def test_split_list_drops_blanks_and_repeats() -> None:
    assert split_list("a, b;\nA ,, c") == ["a", "b", "c"]
