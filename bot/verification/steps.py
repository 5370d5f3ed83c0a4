"""One verification in progress: the checks run so far, what was learnt, and the steps both formats share.

A step that settles the verdict calls ``Verification.fail``, which records the failed check and raises
``Settled``; ``Verification.verdict`` then lists the planned checks that never ran as ``ok=None``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, NoReturn

from bot.verification import ob2
from bot.verification.baked import looks_like_xml
from bot.verification.fetcher import FetchError, FetchFailed, FetchRefused, FetchResult, FetchSession
from bot.verification.jsonsafe import JsonError, parse_json
from bot.verification.recipient import identity_matches
from bot.verification.verdict import Check, CredentialInfo, IssuerInfo, RecipientInfo, Status, Verdict

CLOCK_SKEW = timedelta(minutes=5)  # an issuer's clock a little ahead must not make a new badge "future"

Validator = Callable[[Mapping[str, Any]], list[ob2.Problem]]

_FETCH_PHRASES = {
    "timeout": "did not answer in time",
    "dns": "has a host name that does not resolve",
    "connect_error": "could not be reached",
    "too_large": "is larger than credcord accepts",
    "too_many_redirects": "redirects too many times",
    "fetch_budget": "would take more fetches than one verification may make",
    "http_error": "answered with a broken HTTP response",
    "private_address": "is on a private or local network",
    "bad_scheme": "does not use http or https",
    "bad_port": "uses a port credcord does not fetch from",
    "credentials_in_url": "has credentials in the URL",
    "https_downgrade": "redirects from https to plain http",
    "invalid_url": "is not a valid URL",
}


class Settled(Exception):
    """Raised by ``Verification.fail``: the verdict is decided and later checks do not run."""


def clip(value: str, limit: int = 160) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


class Verification:
    """Accumulates one verification's checks and findings; its fetches share one budget (``session``)."""

    def __init__(self, session: FetchSession, emails: tuple[str, ...], now: datetime) -> None:
        self._session = session
        self._emails = emails
        self._now = now
        self._planned: tuple[str, ...] = ()
        self._checks: list[Check] = []
        self.format: str | None = None
        self.credential: CredentialInfo | None = None
        self.issuer: IssuerInfo | None = None
        self.recipient: RecipientInfo | None = None
        self._status = Status.UNVERIFIABLE
        self._reason = "internal_error"
        self._message = "credcord could not finish verifying this badge because of an internal error."
        self._fetched: dict[str, FetchResult | FetchError] = {}

    @property
    def session(self) -> FetchSession:
        return self._session

    @property
    def now(self) -> datetime:
        return self._now

    @property
    def emails(self) -> tuple[str, ...]:
        return self._emails

    def verdict(self) -> Verdict:
        done = {check.name for check in self._checks}
        not_run = tuple(Check(name, None, "not run") for name in self._planned if name not in done)
        return Verdict(
            status=self._status,
            format=self.format,
            reason=self._reason,
            message=self._message,
            checks=(*self._checks, *not_run),
            credential=self.credential,
            issuer=self.issuer,
            recipient=self.recipient,
        )

    # Recording

    def start(self, format_: str, planned: tuple[str, ...], source_detail: str) -> None:
        """Enter a format's pipeline: ``planned`` names its checks in order, starting with ``source``."""
        self.format = format_
        self._planned = planned
        self.passed("source", source_detail)

    def passed(self, name: str, detail: str) -> None:
        self._checks.append(Check(name, True, detail))

    def skipped(self, name: str, detail: str) -> None:
        """A check that had nothing to compare (``ok=None``) and does not decide the verdict."""
        self._checks.append(Check(name, None, detail))

    def fail(
        self, name: str, status: Status, reason: str, message: str, detail: str | None = None
    ) -> NoReturn:
        self._checks.append(Check(name, False, detail or message))
        self._status, self._reason, self._message = status, reason, message
        raise Settled

    def succeed(self) -> None:
        name = self.credential.name if self.credential and self.credential.name else "this badge"
        issuer = self.issuer.name if self.issuer and self.issuer.name else "its issuer"
        self._status, self._reason = Status.VALID, "verified"
        self._message = f'"{clip(name, 100)}" is a valid badge issued by {clip(issuer, 100)}.'

    def broken(self, check: str, label: str, problems: list[ob2.Problem]) -> NoReturn:
        first = problems[0]
        self.fail(
            check,
            Status.INVALID,
            first.reason,
            f"The {label} is not a valid Open Badges 2.0 document: {first.detail}.",
            "; ".join(problem.detail for problem in problems[:5]),
        )

    def unsupported_version(self, check: str) -> NoReturn:
        self.fail(
            check,
            Status.UNVERIFIABLE,
            "unsupported_version",
            "This is an Open Badges 0.5/1.x document; credcord verifies Open Badges 2.0 only.",
        )

    # Fetching

    async def probe(self, url: str) -> FetchResult | None:
        """GET ``url`` fresh to learn what it serves; the format's pipeline then gets this answer (or the
        error) from ``fetch`` instead of asking the issuer twice. None when the fetch did not succeed."""
        try:
            result = await self._session.fetch(url, cache=False)
        except FetchError as error:
            self._fetched[url] = error
            return None
        self._fetched[url] = result
        return result

    async def fetch(self, check: str, url: str, label: str, *, cache: bool) -> FetchResult:
        """GET ``url``; a refusal or failure settles the verdict (REFUSED / UNVERIFIABLE)."""
        try:
            probed = self._fetched.pop(url, None)
            if isinstance(probed, FetchError):
                raise probed
            return probed or await self._session.fetch(url, cache=cache)
        except FetchRefused as error:
            self.fail(check, Status.REFUSED, error.reason, _fetch_message(label, url, error), str(error))
        except FetchFailed as error:
            self.fail(check, Status.UNVERIFIABLE, error.reason, _fetch_message(label, url, error), str(error))

    def require_success(self, check: str, result: FetchResult, label: str) -> None:
        if not 200 <= result.status < 300:
            self.fail(
                check,
                Status.UNVERIFIABLE,
                f"http_{result.status}",
                f"The {label} at {clip(result.url)} answered HTTP {result.status}.",
            )

    def document(self, check: str, result: FetchResult, label: str) -> dict[str, Any]:
        """The fetched body as an Open Badges 2.0 JSON object."""
        document = self.json_object(check, result, label)
        if ob2.is_legacy(document):
            self.unsupported_version(check)
        return document

    def json_object(self, check: str, result: FetchResult, label: str) -> dict[str, Any]:
        """The fetched body as a JSON object, whatever vocabulary it uses."""
        try:
            document = parse_json(result.body)
        except JsonError as error:
            if result.content_type.startswith("image/"):
                message = (
                    f"The {label} at {clip(result.url)} is an image; give the image itself to verify it."
                )
                self.fail(check, Status.UNVERIFIABLE, "not_json", message)
            if result.content_type in {"text/html", "application/xhtml+xml"} or looks_like_xml(
                result.body[:1024]
            ):
                message = f"The {label} at {clip(result.url)} is a web page, not a JSON badge document."
                self.fail(check, Status.UNVERIFIABLE, "not_json", message)
            message = f"The {label} at {clip(result.url)} is not valid JSON."
            self.fail(check, Status.UNVERIFIABLE, error.reason, message, str(error))
        if not isinstance(document, dict):
            self.fail(
                check, Status.INVALID, "bad_type", f"The {label} at {clip(result.url)} is not a JSON object."
            )
        return document

    async def fetch_document(self, check: str, url: str, label: str) -> tuple[dict[str, Any], str]:
        """A supporting OB2 document (BadgeClass, Profile, key, revocation list; cached) and its URL."""
        result = await self.fetch(check, url, label, cache=True)
        self.require_success(check, result, label)
        return self.document(check, result, label), result.url

    async def fetch_json(self, check: str, url: str, label: str) -> tuple[dict[str, Any], str]:
        """A supporting JSON object of any vocabulary (DID or controller document; cached) and its URL."""
        result = await self.fetch(check, url, label, cache=True)
        self.require_success(check, result, label)
        return self.json_object(check, result, label), result.url

    async def linked(
        self,
        reference: Any,
        *,
        check: str,
        label: str,
        validate: Validator,
        parent_url: str | None,
        always_fetch: bool = False,
    ) -> tuple[dict[str, Any], str | None]:
        """A BadgeClass or Profile, embedded or linked, validated; and the URL it came from.

        An embedded object is used as given when its id is not an http(s) URL on another origin than
        ``parent_url`` (the document embedding it; None when that document is signed); otherwise, or with
        ``always_fetch``, it is fetched from its id and the hosted copy wins.
        """
        url: Any = reference
        if isinstance(reference, Mapping):
            url = reference.get("id")
            foreign = (
                parent_url is not None
                and ob2.is_http_url(url)
                and ob2.authority(url) != ob2.authority(parent_url)
            )
            if not foreign and not always_fetch:
                document = dict(reference)
                problems = validate(document)
                if problems:
                    self.broken(check, label, problems)
                self.passed(check, f"{label} {clip(str(document['id']))} (embedded)")
                return document, parent_url
        if not ob2.is_http_url(url):
            self.fail(check, Status.INVALID, "bad_type", f"The {label}'s id is not an http(s) URL.")
        document, served_from = await self.fetch_document(check, url, label)
        problems = validate(document)
        if problems:
            self.broken(check, label, problems)
        if not id_matches(document["id"], served_from):
            self.fail(
                check,
                Status.INVALID,
                "id_mismatch",
                f"The {label}'s id is not the URL it was served from.",
                f"declared id {clip(str(document['id']))}; served from {clip(served_from)}",
            )
        self.passed(check, f"{label} {clip(str(document['id']))}")
        return document, served_from

    # Checks both formats run

    def check_assertion(self, assertion: Mapping[str, Any], *, expected: str) -> None:
        """Required Assertion properties and datatypes, and the verification type (``expected``)."""
        problems = ob2.assertion_problems(assertion)
        if problems:
            self.broken("assertion", "badge assertion", problems)
        declared = ob2.verification_type(assertion)
        if declared != expected:
            self.fail(
                "assertion",
                Status.INVALID,
                "verification_mismatch",
                f"The Assertion declares {declared} verification but was given as a {expected} badge.",
            )
        recipient = assertion["recipient"]
        self.recipient = RecipientInfo(recipient["type"], recipient["hashed"], None)
        self.passed("assertion", "all required Assertion properties are present and well-formed")

    def check_recipient(self, assertion: Mapping[str, Any]) -> None:
        recipient = assertion["recipient"]
        identity_type: str = recipient["type"]
        hashed: bool = recipient["hashed"]
        if not self._emails:
            self.skipped("recipient", "no email address was given to compare")
            return
        if identity_type != "email":
            self.recipient = RecipientInfo(identity_type, hashed, False)
            self.fail(
                "recipient",
                Status.INVALID,
                "recipient_mismatch",
                f"This badge names its recipient by {clip(identity_type, 40)}, not by email address, so it "
                "cannot be matched to the email given.",
            )
        salt = recipient.get("salt")
        matched = identity_matches(recipient["identity"], hashed=hashed, salt=salt, emails=self._emails)
        self.recipient = RecipientInfo(identity_type, hashed, matched)
        if not matched:
            message = "This badge was not issued to the email address given."
            self.fail("recipient", Status.INVALID, "recipient_mismatch", message)
        self.passed("recipient", f"issued to the email address given ({'hashed' if hashed else 'plaintext'})")

    def check_dates(self, assertion: Mapping[str, Any]) -> None:
        problem = ob2.date_problem(assertion)
        if problem is not None:
            self.fail("dates", Status.INVALID, problem.reason, "The badge expires before it was issued.")
        issued_on = ob2.parse_datetime(assertion["issuedOn"])
        expires = ob2.parse_datetime(assertion["expires"]) if "expires" in assertion else None
        if issued_on > self._now + CLOCK_SKEW:
            message = f"This badge is dated {issued_on.isoformat()}, which is still in the future."
            self.fail("dates", Status.NOT_YET_VALID, "not_yet_valid", message)
        if expires is not None and expires <= self._now:
            self.fail("dates", Status.EXPIRED, "expired", f"This badge expired on {expires.isoformat()}.")
        until = f"valid until {expires.isoformat()}" if expires else "does not expire"
        self.passed("dates", f"issued {issued_on.isoformat()}; {until}")


def id_matches(declared: str, served_from: str) -> bool:
    """Whether a fetched document's declared id is the URL it was served from."""
    if ob2.same_url(declared, served_from):
        return True
    # An http id served over https (after an upgrade redirect) names the same document on the same host.
    scheme, _, rest = declared.strip().partition("://")
    return (
        scheme.lower() == "http"
        and served_from.lower().startswith("https://")
        and ob2.same_url(f"https://{rest}", served_from)
    )


def revoked_message(reason: str | None, evidence: str | None) -> str:
    how = f" ({evidence})" if evidence else ""
    if reason:
        return f"The issuer has revoked this badge{how}: {clip(reason, 300)}."
    return f"The issuer has revoked this badge{how}."


def _fetch_message(label: str, url: str, error: FetchError) -> str:
    phrase = _FETCH_PHRASES.get(error.reason)
    if phrase is None:
        return f"The {label} at {clip(url)} could not be fetched ({clip(str(error), 200)})."
    return f"The {label} at {clip(url)} {phrase}."
