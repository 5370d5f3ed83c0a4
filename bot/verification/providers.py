"""Known credential providers: from the page a member pastes to something credcord can verify.

Members rarely paste an Open Badges URL; they paste the page a provider shows people. One table says, per
provider, what such a page is (``action``):

    fetch          a machine-readable credential lives at a URL made from the page's URL (``target``):
                   Credly's Open Badges endpoint, Badgr's assertion JSON. That URL is verified instead.
    unsigned       the provider publishes only unsigned JSON (Accredible, Microsoft Learn). Its details are
                   shown, fetched from ``target`` (or the page itself, asking for JSON), but the verdict is
                   UNVERIFIABLE [not_cryptographically_verifiable], never VALID.
    no_credential  an HTML certificate page with nothing machine-readable behind it (Coursera, edX,
                   LinkedIn Learning …): UNVERIFIABLE [no_machine_readable_credential]; nothing is fetched.

Admins add rules in the config (``[[verification.providers]]``); theirs are tried first, so they can also
override a bundled one. A ``pattern`` matches from the start of the URL, ignoring case; a ``target`` is a URL
template whose ``{placeholders}`` are the pattern's named groups. Values are percent-encoded before they
are put in, so a pasted URL fills in an identifier but never changes the host, path or query a target
names.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Final, Literal, NoReturn, get_args
from urllib.parse import quote

from bot.verification import ob2
from bot.verification.jsonsafe import JsonError, parse_json
from bot.verification.steps import Verification, clip
from bot.verification.verdict import CredentialInfo, IssuerInfo, Status

Action = Literal["fetch", "unsigned", "no_credential"]
ACTIONS: Final[tuple[Action, ...]] = get_args(Action)

UNSIGNED_CHECKS: Final = ("source", "fetch", "details", "proof")
PAGE_CHECKS: Final = ("source", "credential")
MAX_SKILLS: Final = 25
# A provider that keeps details behind a login still has a page to show; a 404 means there is no credential.
_PRIVATE_DETAILS: Final = frozenset({401, 403})


class ProviderRuleError(ValueError):
    """A provider rule is not usable; ``field`` names the part that is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class ProviderRule:
    """What the pages ``pattern`` matches are, and where their credential is (``target``)."""

    name: str  # "Credly", "Badgr", "Accredible", "Coursera", ...
    pattern: re.Pattern[str]
    action: Action
    target: str | None  # for "fetch" (required) and "unsigned" (optional): a URL template

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ProviderRuleError("name", "the name must not be empty")
        if self.action == "fetch" and self.target is None:
            raise ProviderRuleError("target", 'a "fetch" rule needs a target URL template')
        if self.action == "no_credential" and self.target is not None:
            raise ProviderRuleError("target", 'a "no_credential" rule fetches nothing, so it takes no target')
        if self.target is not None:
            _check_template(self.target, self.pattern)

    @classmethod
    def parse(cls, name: str, pattern: str, action: str, target: str | None = None) -> ProviderRule:
        """A rule from text (the config file); raises ``ProviderRuleError``. Patterns ignore case."""
        try:
            compiled = re.compile(pattern, re.IGNORECASE)
        except re.error as error:
            raise ProviderRuleError("pattern", f"not a valid regular expression: {error}") from None
        if action not in ACTIONS:
            raise ProviderRuleError(
                "action", f"the action must be one of {', '.join(ACTIONS)}, not {action!r}"
            )
        return cls(name.strip(), compiled, action, target)

    def machine_url(self, url: str) -> str | None:
        """The target filled in from ``url``; None when the rule has no target or does not match."""
        match = self.pattern.match(url.strip())
        if match is None or self.target is None:
            return None
        values = {key: quote(value or "", safe="") for key, value in match.groupdict().items()}
        return self.target.format_map(values)


class Providers:
    """The provider table: rules tried in order, the first match wins."""

    __slots__ = ("_rules",)

    def __init__(self, rules: Sequence[ProviderRule]) -> None:
        self._rules = tuple(rules)

    @classmethod
    def bundled(cls) -> Providers:
        return cls(BUNDLED)

    @property
    def rules(self) -> tuple[ProviderRule, ...]:
        return self._rules

    def with_rules(self, extra: Sequence[ProviderRule]) -> Providers:
        """This table with ``extra`` rules (an admin's) tried before its own."""
        return Providers((*extra, *self._rules))

    def match(self, url: str) -> ProviderRule | None:
        candidate = url.strip()
        return next((rule for rule in self._rules if rule.pattern.match(candidate)), None)

    def page_patterns(self) -> tuple[re.Pattern[str], ...]:
        """Every rule's pattern: the links the channel watch looks at first."""
        return tuple(rule.pattern for rule in self._rules)


async def resolve_provider_url(run: Verification, url: str, providers: Providers) -> str:
    """Returns the URL to verify (the mapped machine URL, or url itself when no rule matches).

    For "unsigned" hosts it fetches the JSON through run's session and settles the run as UNVERIFIABLE
    `not_cryptographically_verifiable` showing the details and the issuer's page link (never VALID);
    for "no_credential" hosts it settles UNVERIFIABLE `no_machine_readable_credential` with a hint to ask the
    provider for an Open Badge or Credly link, without fetching.
    """
    rule = providers.match(url)
    if rule is None:
        return url
    if rule.action == "no_credential":
        run.start("web-page", PAGE_CHECKS, f"a {clip(rule.name, 60)} certificate page")
        message = (
            f"{clip(rule.name, 60)} certificate pages are web pages with no machine-readable credential, so "
            "credcord cannot verify them. Ask the provider (or the issuer) for an Open Badge (its link or "
            "badge image) or a Credly link, and verify that instead."
        )
        run.fail("credential", Status.UNVERIFIABLE, "no_machine_readable_credential", message)
    if rule.action == "unsigned":
        await _show_unsigned(run, url.strip(), rule)
    target = rule.machine_url(url)
    assert target is not None  # a "fetch" rule always has a target, and it matched
    run.passed("provider", f"a {clip(rule.name, 60)} page; its credential is verified from {clip(target)}")
    return target


async def _show_unsigned(run: Verification, url: str, rule: ProviderRule) -> NoReturn:
    name = clip(rule.name, 60)
    run.start("unsigned-json", UNSIGNED_CHECKS, f"a {name} credential page {clip(url)}")
    source = rule.machine_url(url) or url
    label = f"{name} credential"
    result = await run.fetch("fetch", source, label, cache=False)
    lead = f"{name} publishes this credential without a cryptographic proof, so credcord cannot verify it"
    if result.status in _PRIVATE_DETAILS:
        run.fail(
            "fetch",
            Status.UNVERIFIABLE,
            "not_cryptographically_verifiable",
            f"{lead}. See it on the provider's page: {clip(url)}",
            f"{name} does not share the details publicly (HTTP {result.status} from {clip(result.url)})",
        )
    run.require_success("fetch", result, label)
    run.passed("fetch", f"HTTP {result.status} from {clip(result.url)}")
    try:
        document: Any = parse_json(result.body)
    except JsonError:
        document = None
    if not isinstance(document, dict):
        run.fail(
            "details",
            Status.UNVERIFIABLE,
            "not_cryptographically_verifiable",
            f"{lead}. See it on the provider's page: {clip(url)}",
            f"{name} did not answer with JSON details",
        )
    # Some providers wrap the credential: {"credential": {...}}.
    envelope = document.get("credential")
    details: dict[str, Any] = envelope if isinstance(envelope, dict) else document
    page = _http(details, "url", "link", "credential_url") or url
    run.credential = _credential_info(details, page)
    run.issuer = _issuer_info(details)
    title = f'"{clip(run.credential.name, 100)}"' if run.credential.name else "the credential"
    run.passed("details", f"{title} as {name} shows it (unsigned)")
    run.fail(
        "proof",
        Status.UNVERIFIABLE,
        "not_cryptographically_verifiable",
        f"{lead}; the details are shown as {name} gives them. See the issuer's page: {clip(page)}",
        f"{name} serves no signature or proof for {title}",
    )


def _check_template(target: str, pattern: re.Pattern[str]) -> None:
    if not target.lower().startswith(("https://", "http://")):
        raise ProviderRuleError("target", "the target must be an http(s) URL template")
    try:
        parts = list(string.Formatter().parse(target))
    except ValueError as error:
        raise ProviderRuleError("target", f"the target is not a valid template: {error}") from None
    for _, field, spec, conversion in parts:
        if field is None:
            continue
        if field not in pattern.groupindex:
            raise ProviderRuleError(
                "target", f"{{{field}}} in the target is not a named group of the pattern"
            )
        if spec or conversion:
            raise ProviderRuleError("target", "placeholders in the target take no format or conversion")


def _text(document: Mapping[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = document.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _http(document: Mapping[str, Any], *keys: str) -> str | None:
    value = _text(document, *keys)
    return value if ob2.is_http_url(value) else None


def _date(document: Mapping[str, Any], *keys: str) -> datetime | None:
    """The first of ``keys`` holding an ISO 8601 date-time, or a plain date (read as midnight UTC)."""
    value = _text(document, *keys)
    if value is None:
        return None
    try:
        return ob2.parse_datetime(value)
    except ValueError:
        pass
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _credential_info(details: Mapping[str, Any], page: str) -> CredentialInfo:
    skills = details.get("skills")
    names = [
        item if isinstance(item, str) else item.get("name") if isinstance(item, Mapping) else None
        for item in (skills if isinstance(skills, list) else [])
    ]
    return CredentialInfo(
        id=page,
        name=_text(details, "name", "title", "course_name", "courseName"),
        description=_text(details, "description"),
        criteria=None,
        image=_http(details, "image", "badge_image", "image_url"),
        issued_on=_date(
            details, "issued_on", "issuedOn", "issueDate", "issued_at", "validFrom", "awardedDate"
        ),
        expires=_date(details, "expired_on", "expires", "expirationDate", "expires_at", "validUntil"),
        skills=tuple(name for name in names if isinstance(name, str) and name.strip())[:MAX_SKILLS],
        evidence=(),
    )


def _issuer_info(details: Mapping[str, Any]) -> IssuerInfo | None:
    issuer = details.get("issuer")
    if isinstance(issuer, Mapping):
        return IssuerInfo(
            id=_text(issuer, "id"), name=_text(issuer, "name"), url=_http(issuer, "url"), email=None
        )
    name = issuer.strip() if isinstance(issuer, str) and issuer.strip() else None
    name = name or _text(details, "issuer_name", "issuerName", "organization")
    return IssuerInfo(id=None, name=name, url=None, email=None) if name else None


def _rule(name: str, pattern: str, action: Action, target: str | None = None) -> ProviderRule:
    return ProviderRule(name, re.compile(pattern, re.IGNORECASE), action, target)


_ID = r"(?P<id>[A-Za-z0-9_-]+)"

# The providers members paste most. Machine URLs are each provider's public, unauthenticated endpoint.
BUNDLED: Final = (
    # Credly (formerly Acclaim): every badge page has an Open Badges 2.0 assertion; its id is that URL.
    _rule(
        "Credly",
        rf"^https?://(www\.)?(credly|youracclaim)\.com/(badges|earner/earned/badge)/{_ID}(?=[/?#]|$)",
        "fetch",
        "https://api.credly.com/v1/obi/v2/badge_assertions/{id}",
    ),
    # Badgr / Canvas Credentials: the API host of the page's region. Badgr serves Open Badges 2.0 to JSON
    # clients by default, and its assertion ids carry no ?v=2_0, so neither does the URL fetched (the
    # hosted check requires the id to be the URL served).
    _rule(
        "Badgr",
        rf"^https?://(www\.)?(?P<region>(eu|ca|au)\.)?badgr\.(com|io)/public/assertions/{_ID}(?=[/?#]|$)",
        "fetch",
        "https://api.{region}badgr.io/public/assertions/{id}",
    ),
    _rule(
        "Accredible",
        rf"^https?://(www\.)?credential\.net/{_ID}(?=[/?#]|$)",
        "unsigned",
        "https://api.accredible.com/v1/credentials/{id}",
    ),
    _rule(
        "Accredible",
        rf"^https?://(?!api\.)([a-z0-9-]+\.)*accredible\.com/{_ID}(?=[/?#]|$)",
        "unsigned",
        "https://api.accredible.com/v1/credentials/{id}",
    ),
    # Microsoft Learn: the page (or its share link) is asked for JSON; what it answers is shown, unsigned.
    _rule(
        "Microsoft Learn",
        r"^https?://learn\.microsoft\.com/([a-z-]+/)?users/[^/?#]+/credentials/",
        "unsigned",
    ),
    _rule("Microsoft Learn", r"^https?://learn\.microsoft\.com/api/credentials/share/", "unsigned"),
    _rule(
        "Open Badge Passport", r"^https?://(www\.)?openbadgepassport\.com/app/badge/info/", "no_credential"
    ),
    _rule("Coursera", r"^https?://(www\.)?coursera\.org/(verify|account/accomplishments)/", "no_credential"),
    _rule("edX", r"^https?://(courses|credentials)\.edx\.org/(certificates|credentials)/", "no_credential"),
    _rule("LinkedIn Learning", r"^https?://(www\.)?linkedin\.com/learning/certificates/", "no_credential"),
    _rule("Udemy", r"^https?://(www\.)?udemy\.com/certificate/", "no_credential"),
)
