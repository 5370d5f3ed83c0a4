"""Member profiles: the values and the rules they must satisfy.

Limits keep every field renderable inside Discord's embed limits with room to
spare, and keep a single member from storing unbounded text.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urlsplit

from bot.errors import InvalidInput
from bot.skills import MAX_SKILL_LENGTH, SkillCatalog, SkillMatch

MAX_HEADLINE = 100
MAX_BIO = 1000
MAX_URL = 300
MAX_SKILLS = 50
MAX_LANGUAGES = 10
MAX_LANGUAGE_LENGTH = 30
MAX_EMAILS = 5
MAX_EMAIL_LENGTH = 254
MAX_WEEKLY_HOURS = 100
MAX_RATE = 100_000

_CURRENCY = re.compile(r"^[A-Z]{3}$")
# Deliberately loose: the address only has to be comparable with what issuers bake into badges.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LIST_SPLIT = re.compile(r"[,\n;]")


@dataclass(frozen=True, slots=True)
class Profile:
    guild_id: int
    user_id: int
    headline: str | None
    bio: str | None
    portfolio_url: str | None
    timezone: str | None
    weekly_hours: int | None
    rate_min: int | None
    rate_max: int | None
    rate_currency: str | None
    open_to_work: bool
    directory: bool  # opted into /find and /role show
    skills: tuple[SkillMatch, ...]
    languages: tuple[str, ...]
    emails: tuple[str, ...]
    updated_at: datetime

    def public(self) -> Profile:
        """What other members may see: everything but the private emails."""
        return replace(self, emails=())


@dataclass(frozen=True, slots=True)
class ProfileText:
    """The free-text fields, as typed into the edit form."""

    headline: str = ""
    bio: str = ""
    skills: str = ""
    portfolio_url: str = ""
    languages: str = ""


@dataclass(frozen=True, slots=True)
class ProfileOptions:
    """The structured fields from slash options; None leaves a field unchanged."""

    timezone: str | None = None
    weekly_hours: int | None = None
    rate_min: int | None = None
    rate_max: int | None = None
    rate_currency: str | None = None
    open_to_work: bool | None = None
    directory: bool | None = None
    emails: tuple[str, ...] | None = None


@functools.cache
def timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def split_list(text: str) -> list[str]:
    """Split a comma, semicolon or newline separated list, dropping blanks and repeats."""
    seen: dict[str, str] = {}
    for part in _LIST_SPLIT.split(text):
        item = part.strip()
        if item:
            seen.setdefault(item.casefold(), item)
    return list(seen.values())


def _optional_text(field: str, value: str, limit: int) -> str | None:
    value = value.strip()
    if len(value) > limit:
        raise InvalidInput(field, f"is {len(value)} characters long; the limit is {limit}")
    return value or None


def validate_timezone(name: str) -> str:
    name = name.strip()
    if name not in timezones():
        raise InvalidInput("timezone", f"{name[:60]!r} is not an IANA time zone (for example Europe/Berlin)")
    return name


def validate_portfolio(url: str) -> str | None:
    url = url.strip()
    if not url:
        return None
    if len(url) > MAX_URL:
        raise InvalidInput("portfolio", f"the URL is longer than {MAX_URL} characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError on a malformed port)
    except ValueError:
        raise InvalidInput("portfolio", "is not a valid URL") from None
    if parts.scheme != "https":
        raise InvalidInput("portfolio", "must be an https:// URL")
    if parts.username is not None or parts.password is not None:
        raise InvalidInput("portfolio", "must not contain a user name or password")
    if not parts.hostname or any(ch.isspace() for ch in url):
        raise InvalidInput("portfolio", "is not a valid URL")
    return url


def validate_emails(emails: list[str]) -> tuple[str, ...]:
    if len(emails) > MAX_EMAILS:
        raise InvalidInput("emails", f"at most {MAX_EMAILS} addresses")
    for email in emails:
        if len(email) > MAX_EMAIL_LENGTH or not _EMAIL.match(email):
            raise InvalidInput("emails", f"{email[:60]!r} is not an email address")
    return tuple(emails)


def validate_options(options: ProfileOptions, current: Profile | None) -> ProfileOptions:
    """Check the slash options, merged with the stored profile for the rate range."""
    timezone = validate_timezone(options.timezone) if options.timezone is not None else None
    if options.weekly_hours is not None and not 0 <= options.weekly_hours <= MAX_WEEKLY_HOURS:
        raise InvalidInput("hours", f"must be between 0 and {MAX_WEEKLY_HOURS}")
    for field, value in (("rate_min", options.rate_min), ("rate_max", options.rate_max)):
        if value is not None and not 0 <= value <= MAX_RATE:
            raise InvalidInput(field, f"must be between 0 and {MAX_RATE}")
    currency = options.rate_currency.strip().upper() if options.rate_currency is not None else None
    if currency is not None and not _CURRENCY.match(currency):
        raise InvalidInput("currency", "must be a three-letter ISO 4217 code such as USD or EUR")
    low = options.rate_min if options.rate_min is not None else (current.rate_min if current else None)
    high = options.rate_max if options.rate_max is not None else (current.rate_max if current else None)
    if low is not None and high is not None and low > high:
        raise InvalidInput("rate_min", "must not be above rate_max")
    has_currency = currency or (current.rate_currency if current else None)
    if (low is not None or high is not None) and not has_currency:
        raise InvalidInput("currency", "is needed with an hourly rate (for example USD)")
    emails = validate_emails(list(options.emails)) if options.emails is not None else None
    return replace(options, timezone=timezone, rate_currency=currency, emails=emails)


@dataclass(frozen=True, slots=True)
class CleanText:
    headline: str | None
    bio: str | None
    portfolio_url: str | None
    skills: tuple[SkillMatch, ...]
    languages: tuple[str, ...]


def validate_text(text: ProfileText, catalog: SkillCatalog) -> CleanText:
    headline = _optional_text("headline", text.headline, MAX_HEADLINE)
    bio = _optional_text("bio", text.bio, MAX_BIO)
    portfolio = validate_portfolio(text.portfolio_url)
    written = split_list(text.skills)
    if len(written) > MAX_SKILLS:
        raise InvalidInput("skills", f"{len(written)} skills given; the limit is {MAX_SKILLS}")
    for skill in written:
        if len(skill) > MAX_SKILL_LENGTH:
            raise InvalidInput("skills", f"{skill[:20]!r}… is longer than {MAX_SKILL_LENGTH} characters")
    matches: dict[str, SkillMatch] = {}
    for skill in written:
        match = catalog.normalise(skill)
        matches.setdefault(match.name.casefold(), match)
    languages = split_list(text.languages)
    if len(languages) > MAX_LANGUAGES:
        raise InvalidInput("languages", f"at most {MAX_LANGUAGES} languages")
    for language in languages:
        if len(language) > MAX_LANGUAGE_LENGTH:
            raise InvalidInput(
                "languages", f"{language[:20]!r}… is longer than {MAX_LANGUAGE_LENGTH} characters"
            )
    return CleanText(headline, bio, portfolio, tuple(matches.values()), tuple(languages))
