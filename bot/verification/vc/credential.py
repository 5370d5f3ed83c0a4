"""Verifiable Credential documents (VC Data Model 1.1 and 2.0) and the Open Badges 3.0 types, free of I/O.

    shape      the first ``@context`` entry: ``https://www.w3.org/2018/credentials/v1`` (1.1, dates
               ``issuanceDate``/``expirationDate``) or ``https://www.w3.org/ns/credentials/v2`` (2.0, dates
               ``validFrom``/``validUntil``)
    required   ``type`` ∋ VerifiableCredential, ``issuer`` (an id, or an object with one),
               ``credentialSubject`` (an object or a list of them); 1.1 also ``issuanceDate``
    display    taken only from the credential itself (what its proof covers), never from fetched profiles

Open Badges 3.0 credentials carry ``OpenBadgeCredential`` (alias ``AchievementCredential``),
``EndorsementCredential`` or ``ClrCredential``, whose ``credentialSubject.verifiableCredential`` holds the
member credentials.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from bot.verification.ob2 import Problem, has_type, objects, parse_datetime, strings, text
from bot.verification.verdict import CredentialInfo, IssuerInfo

VC_V1 = "https://www.w3.org/2018/credentials/v1"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
BADGE_TYPES = ("OpenBadgeCredential", "AchievementCredential")
KNOWN_TYPES = (*BADGE_TYPES, "EndorsementCredential", "ClrCredential")
MAX_CLR_MEMBERS = 20


def context_urls(document: Mapping[str, Any]) -> list[str]:
    return strings(document.get("@context"))


def looks_like_credential(document: Any) -> bool:
    """Whether a JSON object presents itself as a Verifiable Credential (rather than an OB2 Assertion)."""
    if not isinstance(document, Mapping):
        return False
    urls = context_urls(document)
    return bool(urls and urls[0] in (VC_V1, VC_V2)) or has_type(document, "VerifiableCredential")


def version(document: Mapping[str, Any]) -> Literal["1.1", "2.0"]:
    urls = context_urls(document)
    return "1.1" if urls and urls[0] == VC_V1 else "2.0"


def is_clr(document: Mapping[str, Any]) -> bool:
    return has_type(document, "ClrCredential")


def kind_label(document: Mapping[str, Any]) -> str:
    if is_clr(document):
        return "Comprehensive Learner Record"
    if has_type(document, "EndorsementCredential"):
        return "endorsement"
    if has_type(document, *BADGE_TYPES):
        return "Open Badges 3.0 credential"
    return "Verifiable Credential"


def issuer_id(document: Mapping[str, Any]) -> str | None:
    issuer = document.get("issuer")
    if isinstance(issuer, str):
        return issuer
    return text(issuer, "id") if isinstance(issuer, Mapping) else None


def subjects(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [item for item in objects(document.get("credentialSubject")) if isinstance(item, Mapping)]


def clr_members(document: Mapping[str, Any]) -> list[Any]:
    members: list[Any] = []
    for subject in subjects(document):
        members += objects(subject.get("verifiableCredential"))
    return members


def date_keys(document: Mapping[str, Any]) -> tuple[str, str]:
    return ("issuanceDate", "expirationDate") if version(document) == "1.1" else ("validFrom", "validUntil")


@dataclass(frozen=True, slots=True)
class Validity:
    valid_from: datetime | None
    valid_until: datetime | None


def credential_problems(document: Mapping[str, Any]) -> list[Problem]:
    """What makes ``document`` not a well-formed Verifiable Credential, most fundamental first."""
    urls = context_urls(document)
    if not urls or urls[0] not in (VC_V1, VC_V2):
        return [Problem("bad_context", "its first @context is not the W3C credentials context")]
    problems: list[Problem] = []
    if not has_type(document, "VerifiableCredential"):
        problems.append(Problem("bad_type", "its type does not include VerifiableCredential"))
    if issuer_id(document) is None:
        problems.append(Problem("missing_field", "it names no issuer id"))
    if not subjects(document) or len(subjects(document)) != len(objects(document.get("credentialSubject"))):
        problems.append(Problem("missing_field", "it has no credentialSubject object"))
    if "id" in document and not isinstance(document["id"], str):
        problems.append(Problem("bad_type", "its id is not text"))
    start, end = date_keys(document)
    if start == "issuanceDate" and "issuanceDate" not in document:
        problems.append(Problem("missing_field", "it has no issuanceDate"))
    for key in (start, end):
        if key in document:
            try:
                parse_datetime(document[key])
            except ValueError:
                problems.append(Problem("bad_date", f"its {key} is not a date-time with a time zone"))
    if not problems:
        validity = validity_of(document)
        if validity.valid_from and validity.valid_until and validity.valid_until < validity.valid_from:
            problems.append(Problem("expires_before_issued", "it expires before it becomes valid"))
    return problems


def validity_of(document: Mapping[str, Any]) -> Validity:
    """The validity period; call after ``credential_problems`` found none."""
    start, end = date_keys(document)
    return Validity(_date(document.get(start)), _date(document.get(end)))


def _date(value: Any) -> datetime | None:
    try:
        return parse_datetime(value)
    except ValueError:
        return None


# Display values, from the credential only.


def credential_info(document: Mapping[str, Any]) -> CredentialInfo:
    subject = next(iter(subjects(document)), {})
    achievement = subject.get("achievement")
    achievement = achievement if isinstance(achievement, Mapping) else {}
    skills: dict[str, None] = {}
    for alignment in objects(achievement.get("alignment")):
        if isinstance(alignment, Mapping) and isinstance(alignment.get("targetName"), str):
            skills.setdefault(alignment["targetName"], None)
    for tag in strings(achievement.get("tag")):
        skills.setdefault(tag, None)
    evidence = [
        item if isinstance(item, str) else text(item, "id") or text(item, "narrative") or text(item, "name")
        for item in objects(document.get("evidence"))
        if isinstance(item, str | Mapping)
    ]
    image = _link(achievement.get("image")) or _link(document.get("image"))
    validity = Validity(
        _date(document.get(date_keys(document)[0])), _date(document.get(date_keys(document)[1]))
    )
    return CredentialInfo(
        id=text(document, "id"),
        name=text(achievement, "name") or text(document, "name"),
        description=text(achievement, "description") or text(document, "description"),
        criteria=_criteria(achievement.get("criteria")),
        image=image if image and image.startswith(("https://", "http://")) else None,
        issued_on=validity.valid_from,
        expires=validity.valid_until,
        skills=tuple(skills),
        evidence=tuple(item for item in evidence if item),
    )


def issuer_info(document: Mapping[str, Any]) -> IssuerInfo:
    issuer = document.get("issuer")
    profile: Mapping[str, Any] = issuer if isinstance(issuer, Mapping) else {}
    return IssuerInfo(
        id=issuer_id(document),
        name=text(profile, "name"),
        url=text(profile, "url"),
        email=text(profile, "email"),
    )


def _link(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    return text(value, "id") if isinstance(value, Mapping) else None


def _criteria(value: Any) -> str | None:
    if not isinstance(value, Mapping):
        return None
    return text(value, "narrative") or text(value, "id")


# Recipients: IdentityObjects in credentialSubject.identifier


@dataclass(frozen=True, slots=True)
class Identity:
    identity_type: str
    value: str  # identityHash: a sha256$/md5$ hash when hashed, else the plain identity
    hashed: bool
    salt: str | None


def identities(document: Mapping[str, Any]) -> list[Identity]:
    found: list[Identity] = []
    for subject in subjects(document):
        for entry in objects(subject.get("identifier")):
            if not isinstance(entry, Mapping):
                continue
            kind, value, hashed = entry.get("identityType"), entry.get("identityHash"), entry.get("hashed")
            if isinstance(kind, str) and isinstance(value, str) and isinstance(hashed, bool):
                salt = entry.get("salt")
                found.append(Identity(kind, value, hashed, salt if isinstance(salt, str) else None))
    return found


def subject_id(document: Mapping[str, Any]) -> str | None:
    return next((text(subject, "id") for subject in subjects(document) if text(subject, "id")), None)
