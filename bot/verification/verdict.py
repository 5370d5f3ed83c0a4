"""What a verification found, as plain values any caller (cog, CLI, service) can render or store.

``Verdict.status`` is the one word that matters; ``reason`` is a short stable machine code a caller may
branch on (``verified``, ``http_410``, ``recipient_mismatch`` …); ``message`` is one sentence for people;
``checks`` lists every check in the order it ran, ``ok=None`` marking the ones that never ran because an
earlier check settled the verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    VALID = "VALID"
    INVALID = "INVALID"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"
    NOT_YET_VALID = "NOT_YET_VALID"
    UNVERIFIABLE = "UNVERIFIABLE"  # something needed could not be fetched or resolved
    REFUSED = "REFUSED"  # the fetch policy forbids an address or URL the badge points at


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool | None  # None: not run
    detail: str


@dataclass(frozen=True, slots=True)
class CredentialInfo:
    id: str | None
    name: str | None
    description: str | None
    criteria: str | None
    image: str | None
    issued_on: datetime | None
    expires: datetime | None
    skills: tuple[str, ...]
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class IssuerInfo:
    id: str | None
    name: str | None
    url: str | None
    email: str | None


@dataclass(frozen=True, slots=True)
class RecipientInfo:
    identity_type: str | None
    hashed: bool | None
    matched: bool | None  # None: no identity of the member was given to compare


@dataclass(frozen=True, slots=True)
class Verdict:
    status: Status
    format: str | None  # "ob2-hosted", "ob2-signed"; None when the input was not recognised
    reason: str
    message: str
    checks: tuple[Check, ...]
    credential: CredentialInfo | None
    issuer: IssuerInfo | None
    recipient: RecipientInfo | None

    def to_json(self) -> dict[str, Any]:
        """The verdict as JSON-ready values (dates as ISO 8601 strings)."""
        credential = None
        if self.credential is not None:
            c = self.credential
            credential = {
                "id": c.id,
                "name": c.name,
                "description": c.description,
                "criteria": c.criteria,
                "image": c.image,
                "issued_on": _iso(c.issued_on),
                "expires": _iso(c.expires),
                "skills": list(c.skills),
                "evidence": list(c.evidence),
            }
        issuer = None
        if self.issuer is not None:
            i = self.issuer
            issuer = {"id": i.id, "name": i.name, "url": i.url, "email": i.email}
        recipient = None
        if self.recipient is not None:
            r = self.recipient
            recipient = {"identity_type": r.identity_type, "hashed": r.hashed, "matched": r.matched}
        return {
            "status": self.status.value,
            "format": self.format,
            "reason": self.reason,
            "message": self.message,
            "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in self.checks],
            "credential": credential,
            "issuer": issuer,
            "recipient": recipient,
        }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()
