"""Open Badges 2.0 document rules, free of I/O.

Required properties and datatypes per class follow the OB2 specification and its reference validator:

    Assertion       id, type ∋ Assertion, recipient (IdentityObject), badge, verification, issuedOn
    BadgeClass      id, type ∋ BadgeClass, name, description, image, criteria, issuer
    Profile         id, type ∋ Issuer|Profile, name, url, email (required of an issuer Profile)
    IdentityObject  type, identity, hashed (boolean), salt (optional); a hashed identity is sha256$/md5$ hex

Dates are ISO 8601 date-times and must carry a zone (``Z`` or an offset): a bare date or a local time
cannot be compared with "now" honestly.

Hosted verification scope: an Assertion must live on the same origin as its issuer's Profile ``id``
(origin meaning host and explicit non-default port, as the reference validator compares them), unless the
issuer's ``verification`` object lists ``startsWith`` URL prefixes and/or ``allowedOrigins`` hosts (a
host without a port allows any port on that host).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from bot.verification.recipient import is_identity_hash
from bot.verification.verdict import CredentialInfo, IssuerInfo

_V2_CONTEXT_MARKERS = ("w3id.org/openbadges/v2", "openbadgespec.org/v2")
_HOSTED_TYPES = frozenset({"hosted", "HostedBadge"})
_SIGNED_TYPES = frozenset({"signed", "SignedBadge"})
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}(:?\d{2})?)")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a document breaks the rules; ``reason`` is a verdict reason code."""

    reason: str
    detail: str


# Small readers that never raise, so display values can be taken from broken documents too.


def text(doc: Mapping[str, Any], key: str) -> str | None:
    value = doc.get(key)
    return value if isinstance(value, str) else None


def strings(value: Any) -> list[str]:
    """A property that may hold one string or a list of them, as a list (non-strings dropped)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def objects(value: Any) -> list[Any]:
    """A property that may hold one value or a list of them, as a list."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def has_type(doc: Mapping[str, Any], *names: str) -> bool:
    return any(name in strings(doc.get("type")) for name in names)


def is_http_url(value: Any) -> bool:
    return isinstance(value, str) and authority(value) is not None


def authority(url: str) -> str | None:
    """``host``, or ``host:port`` when the port is explicit and not the default; None unless http(s)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname:
        return None
    if port is None or port == _DEFAULT_PORTS[parts.scheme.lower()]:
        return parts.hostname
    return f"{parts.hostname}:{port}"


def same_url(first: str, second: str) -> bool:
    """URL equality ignoring the case of scheme and host, a default port and an empty path."""
    return _normalized(first) == _normalized(second)


def _normalized(url: str) -> tuple[str, str | None, str, str]:
    parts = urlsplit(url.strip())
    return (parts.scheme.lower(), authority(url), parts.path or "/", parts.query)


def parse_datetime(value: Any) -> datetime:
    """An ISO 8601 date-time with a zone; raises ValueError for anything else."""
    if not isinstance(value, str) or not _DATETIME.fullmatch(value.strip()):
        raise ValueError(f"{value!r} is not an ISO 8601 date-time with a time zone")
    # The pattern demands a zone, so the result is always aware.
    return datetime.fromisoformat(value.strip().replace("z", "Z"))


def is_legacy(doc: Mapping[str, Any]) -> bool:
    """True for Open Badges 0.5/1.0/1.1 documents, which this verifier does not verify."""
    context = doc.get("@context")
    if context is not None:
        entries = strings(context)
        return not any(marker in entry for entry in entries for marker in _V2_CONTEXT_MARKERS)
    return "verify" in doc or ("uid" in doc and "id" not in doc) or isinstance(doc.get("recipient"), str)


def verification_type(doc: Mapping[str, Any]) -> str | None:
    """ "hosted", "signed" or None, from an Assertion's ``verification.type``."""
    verification = doc.get("verification")
    if not isinstance(verification, Mapping):
        return None
    kind = verification.get("type")
    if kind in _HOSTED_TYPES:
        return "hosted"
    if kind in _SIGNED_TYPES:
        return "signed"
    return None


def is_revoked_flag(doc: Mapping[str, Any]) -> bool:
    revoked = doc.get("revoked")
    return revoked is True or (isinstance(revoked, str) and revoked.strip().lower() == "true")


# Class rules. Each returns the problems found, most fundamental first; an empty list means valid.


def assertion_problems(doc: Mapping[str, Any]) -> list[Problem]:
    problems = list(
        _required(doc, "Assertion", ("id", "type", "recipient", "badge", "verification", "issuedOn"))
    )
    if problems:
        return problems
    problems += _type_problems(doc, "Assertion", ("Assertion",))
    if not isinstance(doc["id"], str):
        problems.append(Problem("bad_type", "the Assertion's id is not a string"))
    if not isinstance(doc["badge"], str | Mapping):
        problems.append(Problem("bad_type", "the Assertion's badge is neither a URL nor a BadgeClass"))
    if not isinstance(doc["recipient"], Mapping):
        problems.append(Problem("bad_type", "the Assertion's recipient is not an IdentityObject"))
    else:
        problems += identity_problems(doc["recipient"])
    if verification_type(doc) is None:
        problems.append(Problem("bad_type", "the Assertion's verification type is not hosted or signed"))
    for key in ("issuedOn", "expires"):
        if key in doc:
            try:
                parse_datetime(doc[key])
            except ValueError:
                problems.append(Problem("bad_date", f"the Assertion's {key} is not a date-time with a zone"))
    if not all(isinstance(item, str | Mapping) for item in objects(doc.get("evidence"))):
        problems.append(Problem("bad_type", "the Assertion's evidence is not a URL or Evidence object"))
    return problems


def identity_problems(identity: Mapping[str, Any]) -> list[Problem]:
    problems = list(_required(identity, "IdentityObject", ("type", "identity", "hashed")))
    if problems:
        return problems
    if not isinstance(identity["type"], str):
        problems.append(Problem("bad_type", "the recipient's type is not a string"))
    if not isinstance(identity["hashed"], bool):
        problems.append(Problem("bad_type", "the recipient's hashed flag is not true or false"))
    if not isinstance(identity["identity"], str):
        problems.append(Problem("bad_type", "the recipient's identity is not a string"))
    elif identity["hashed"] is True and not is_identity_hash(identity["identity"].strip()):
        problems.append(Problem("bad_type", "the recipient's identity is not a sha256$ or md5$ hash"))
    if identity.get("salt") is not None and not isinstance(identity["salt"], str):
        problems.append(Problem("bad_type", "the recipient's salt is not a string"))
    return problems


def badge_class_problems(doc: Mapping[str, Any]) -> list[Problem]:
    problems = list(
        _required(doc, "BadgeClass", ("id", "type", "name", "description", "image", "criteria", "issuer"))
    )
    if problems:
        return problems
    problems += _type_problems(doc, "BadgeClass", ("BadgeClass",))
    problems += _string_problems(doc, "BadgeClass", ("id", "name", "description"))
    if _link(doc["image"]) is None:
        problems.append(Problem("bad_type", "the BadgeClass's image is not a URL or Image object"))
    if _criteria_text(doc["criteria"]) is None:
        problems.append(Problem("bad_type", "the BadgeClass's criteria is not a URL or Criteria object"))
    if not isinstance(doc["issuer"], str | Mapping):
        problems.append(Problem("bad_type", "the BadgeClass's issuer is neither a URL nor a Profile"))
    if not all(isinstance(item, Mapping) for item in objects(doc.get("alignment"))):
        problems.append(Problem("bad_type", "the BadgeClass's alignment is not a list of AlignmentObjects"))
    return problems


def profile_problems(doc: Mapping[str, Any]) -> list[Problem]:
    problems = list(_required(doc, "issuer Profile", ("id", "type", "name", "url", "email")))
    if problems:
        return problems
    problems += _type_problems(doc, "issuer Profile", ("Issuer", "Profile"))
    problems += _string_problems(doc, "issuer Profile", ("id", "name", "url", "email"))
    if isinstance(doc["email"], str) and not _EMAIL.fullmatch(doc["email"].strip()):
        problems.append(Problem("bad_type", "the issuer Profile's email is not an email address"))
    if "verification" in doc and not isinstance(doc["verification"], Mapping):
        problems.append(Problem("bad_type", "the issuer Profile's verification is not an object"))
    return problems


def _required(doc: Mapping[str, Any], label: str, keys: tuple[str, ...]) -> Iterator[Problem]:
    for key in keys:
        if doc.get(key) is None:
            yield Problem("missing_field", f"the {label} has no {key}")


def _type_problems(doc: Mapping[str, Any], label: str, accepted: tuple[str, ...]) -> list[Problem]:
    if has_type(doc, *accepted):
        return []
    return [Problem("bad_type", f"the {label}'s type {doc.get('type')!r} is not {' or '.join(accepted)}")]


def _string_problems(doc: Mapping[str, Any], label: str, keys: tuple[str, ...]) -> list[Problem]:
    return [
        Problem("bad_type", f"the {label}'s {key} is not text")
        for key in keys
        if not isinstance(doc[key], str)
    ]


def _link(value: Any) -> str | None:
    """A string, or the ``id`` of an object (Image, Criteria, Evidence…)."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and isinstance(value.get("id"), str):
        return str(value["id"])
    return None


def _criteria_text(value: Any) -> str | None:
    """A Criteria URL, or its narrative when it has no URL."""
    if isinstance(value, Mapping) and _link(value) is None:
        return text(value, "narrative")
    return _link(value)


def date_problem(assertion: Mapping[str, Any]) -> Problem | None:
    """``expires`` before ``issuedOn`` makes an Assertion invalid, whatever the time now."""
    issued_on = parse_datetime(assertion["issuedOn"])
    if "expires" in assertion and parse_datetime(assertion["expires"]) < issued_on:
        return Problem("expires_before_issued", "the Assertion expires before it was issued")
    return None


def scope_problem(assertion_id: str, profile: Mapping[str, Any]) -> Problem | None:
    """Whether the issuer's hosted verification policy covers ``assertion_id`` (see module docstring)."""
    policy = profile.get("verification")
    policy = policy if isinstance(policy, Mapping) else {}
    assertion_authority = authority(assertion_id)
    if assertion_authority is None:
        return Problem("out_of_scope", "the Assertion id is not an http(s) URL")
    starts_with = strings(policy.get("startsWith"))
    if starts_with and not any(assertion_id.startswith(prefix) for prefix in starts_with):
        return Problem("out_of_scope", "the Assertion id does not start with a prefix the issuer allows")
    allowed_origins = strings(policy.get("allowedOrigins"))
    if allowed_origins:
        if not any(_origin_allows(origin, assertion_authority) for origin in allowed_origins):
            return Problem("out_of_scope", "the Assertion is not hosted on an origin the issuer allows")
    elif not starts_with and authority(str(profile["id"])) != assertion_authority:
        return Problem("out_of_scope", "the Assertion is not hosted on the issuer's origin")
    return None


def _origin_allows(origin: str, assertion_authority: str) -> bool:
    allowed = authority(origin) if "://" in origin else origin.strip().lower().rstrip("/")
    if not allowed:
        return False
    if ":" in allowed:
        return allowed == assertion_authority
    return allowed == assertion_authority.split(":", 1)[0]


@dataclass(frozen=True, slots=True)
class RevocationEntry:
    reason: str | None  # the issuer's revocationReason, when given


def revocation_entry(
    revocation_list: Mapping[str, Any], assertion: Mapping[str, Any]
) -> RevocationEntry | None:
    """The entry of ``revocation_list`` that revokes ``assertion`` (by id or legacy uid), if any."""
    own = {value for value in (text(assertion, "id"), text(assertion, "uid")) if value}
    for entry in objects(revocation_list.get("revokedAssertions")):
        if isinstance(entry, str) and entry in own:
            return RevocationEntry(None)
        if isinstance(entry, Mapping) and own & {text(entry, "id"), text(entry, "uid")}:
            return RevocationEntry(text(entry, "revocationReason"))
    return None


# Display values for the verdict, tolerant of broken documents.


def credential_info(assertion: Mapping[str, Any], badge_class: Mapping[str, Any] | None) -> CredentialInfo:
    badge = badge_class or {}
    skills: dict[str, None] = {}
    for alignment in objects(badge.get("alignment")):
        if isinstance(alignment, Mapping) and isinstance(alignment.get("targetName"), str):
            skills.setdefault(alignment["targetName"], None)
    for tag in strings(badge.get("tags")):
        skills.setdefault(tag, None)
    evidence = [
        item if isinstance(item, str) else _link(item) or text(item, "narrative")
        for item in objects(assertion.get("evidence"))
        if isinstance(item, str | Mapping)
    ]
    image = _link(badge.get("image")) or _link(assertion.get("image"))
    return CredentialInfo(
        id=text(assertion, "id"),
        name=text(badge, "name"),
        description=text(badge, "description"),
        criteria=_criteria_text(badge.get("criteria")),
        image=image if is_http_url(image) else None,
        issued_on=_date_or_none(assertion.get("issuedOn")),
        expires=_date_or_none(assertion.get("expires")),
        skills=tuple(skills),
        evidence=tuple(item for item in evidence if item),
    )


def issuer_info(profile: Mapping[str, Any]) -> IssuerInfo:
    return IssuerInfo(
        id=text(profile, "id"),
        name=text(profile, "name"),
        url=text(profile, "url"),
        email=text(profile, "email"),
    )


def _date_or_none(value: Any) -> datetime | None:
    try:
        return parse_datetime(value)
    except ValueError:
        return None
