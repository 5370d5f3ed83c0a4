"""Verdicts and a settable clock for showcase tests that need no issuer on the wire."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.verification.verdict import CredentialInfo, IssuerInfo, RecipientInfo, Status, Verdict

ISSUED = datetime(2026, 1, 5, tzinfo=UTC)


class Clock:
    """Aware UTC time that a test moves by setting ``now``."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 22, 12, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def verdict(
    url: str,
    *skills: str,
    status: Status = Status.VALID,
    reason: str = "verified",
    name: str = "Badge",
    expires: datetime | None = None,
    matched: bool | None = None,
) -> Verdict:
    """What verifying the hosted badge at ``url`` found, issued by the Academy on ``ISSUED``."""
    return Verdict(
        status,
        "ob2-hosted",
        reason,
        f"Verifier: {reason}.",
        (),
        CredentialInfo(url, name, None, None, None, ISSUED, expires, skills, ()),
        IssuerInfo("https://academy.example", "Academy", "https://academy.example", None),
        RecipientInfo("email", True, matched),
    )
