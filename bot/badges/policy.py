"""What a guild accepts into its showcase, and how a re-check changes a stored badge.

Admission (``admit``):

    VALID          accepted; with ``require_recipient_match`` only when the badge was matched to one of
                   the member's emails
    UNVERIFIABLE   accepted as *self-reported* only with ``accept_unverifiable`` and only when the
                   provider publishes nothing verifiable (``SELF_REPORTABLE``); refused otherwise
    anything else  refused with the verdict's reason

A re-check (``after_check``) applies ``REVOKED``, ``EXPIRED`` and ``INVALID`` at once. Any other failure
is treated as the issuer being unreachable for now: a verified badge keeps its status until it has
failed continuously for the grace period, then is demoted to ``UNVERIFIABLE``. A later successful check
restores it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.badges.model import BadgeRefused, ShowcaseSettings
from bot.verification.verdict import Status, Verdict

# Verdict reasons meaning the provider publishes no verifiable credential at all, so the member's word
# is the best there is (as opposed to a badge that failed to verify).
SELF_REPORTABLE = frozenset({"not_cryptographically_verifiable", "no_machine_readable_credential"})
FINAL = frozenset({Status.REVOKED, Status.EXPIRED, Status.INVALID})
# Reasons that say the host is down or overloaded rather than anything about the badge.
_HOST_DOWN = frozenset({"timeout", "dns", "connect_error", "http_error", "http_429"})
_SERVER_ERROR = re.compile(r"^http_5\d\d$")


@dataclass(frozen=True, slots=True)
class Admission:
    self_reported: bool


def admit(verdict: Verdict, settings: ShowcaseSettings) -> Admission:
    """Accept ``verdict`` under the guild's policy, or raise ``BadgeRefused`` saying why."""
    if verdict.status is Status.VALID:
        matched = verdict.recipient.matched if verdict.recipient is not None else None
        if settings.require_recipient_match and matched is not True:
            raise BadgeRefused(
                "This badge is genuine, but this server only accepts badges issued to you, and no email "
                "was compared. Save the email your badges are issued to with `/profile edit emails:`, or "
                "pass `email:` to `/badge add`.",
                verdict,
            )
        return Admission(self_reported=False)
    if verdict.status is Status.UNVERIFIABLE and verdict.reason in SELF_REPORTABLE:
        if settings.accept_unverifiable:
            return Admission(self_reported=True)
        raise BadgeRefused(
            f"{verdict.message} This server does not accept self-reported badges.".strip(), verdict
        )
    raise BadgeRefused(_refusal(verdict), verdict)


def _refusal(verdict: Verdict) -> str:
    lead = {
        Status.INVALID: "This badge did not pass verification:",
        Status.REVOKED: "This badge has been revoked:",
        Status.EXPIRED: "This badge has expired:",
        Status.NOT_YET_VALID: "This badge is not valid yet:",
        Status.UNVERIFIABLE: "credcord could not verify this badge:",
        Status.REFUSED: "credcord will not fetch this badge:",
    }[verdict.status]
    return f"{lead} {verdict.message}"


def host_down(verdict: Verdict) -> bool:
    """Whether the verdict failed because the issuer's server could not answer."""
    return verdict.status is Status.UNVERIFIABLE and (
        verdict.reason in _HOST_DOWN or _SERVER_ERROR.match(verdict.reason) is not None
    )


@dataclass(frozen=True, slots=True)
class CheckState:
    """What a re-check needs to know about a stored badge."""

    id: int
    guild_id: int
    user_id: int
    recheck: str | None  # what to verify again; None when nothing can be
    check_host: str | None
    status: Status
    reason: str
    message: str
    self_reported: bool
    expires_at: datetime | None
    first_failed_at: datetime | None


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    """A stored badge's state after a re-check."""

    status: Status
    reason: str
    message: str
    first_failed_at: datetime | None


def after_check(state: CheckState, verdict: Verdict, now: datetime, grace: timedelta) -> CheckOutcome:
    """The badge's state once ``verdict`` (a re-check at ``now``) is taken into account."""
    status, reason, message = state.status, state.reason, state.message
    self_reported, first_failed_at = state.self_reported, state.first_failed_at
    if verdict.status in FINAL:
        return CheckOutcome(verdict.status, verdict.reason, verdict.message, None)
    if verdict.status is Status.VALID:
        # A self-reported badge stays self-reported until its owner adds it again under the policy.
        if self_reported:
            return CheckOutcome(status, reason, message, None)
        return CheckOutcome(Status.VALID, verdict.reason, verdict.message, None)
    if status is not Status.VALID or self_reported:
        return CheckOutcome(status, reason, message, first_failed_at)
    since = first_failed_at or now
    if now - since >= grace:
        days = max(1, (now - since).days)
        return CheckOutcome(
            Status.UNVERIFIABLE,
            verdict.reason,
            f"credcord has not been able to verify this badge for {days} days: {verdict.message}",
            since,
        )
    return CheckOutcome(status, reason, message, since)
