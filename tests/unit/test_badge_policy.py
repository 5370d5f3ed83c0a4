"""What a guild accepts into its showcase, and how a re-check changes a stored badge."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.badges.model import BadgeRefused, ShowcaseSettings
from bot.badges.policy import CheckState, admit, after_check, host_down
from bot.errors import DomainError
from bot.verification.verdict import CredentialInfo, IssuerInfo, RecipientInfo, Status, Verdict

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)
GRACE = timedelta(days=7)
STRICT = ShowcaseSettings(1)  # the defaults: recipient must match, no self-reported badges
LENIENT = ShowcaseSettings(1, require_recipient_match=False, accept_unverifiable=True)


def verdict(
    status: Status = Status.VALID, reason: str = "verified", *, matched: bool | None = True
) -> Verdict:
    return Verdict(
        status,
        "ob2-hosted",
        reason,
        f"The verifier says {reason}.",
        (),
        CredentialInfo("https://issuer.example/a/1", "Data Analyst", None, None, None, NOW, None, (), ()),
        IssuerInfo("https://issuer.example", "Example Academy", "https://issuer.example", None),
        RecipientInfo("email", True, matched),
    )


def stored(status: Status = Status.VALID, **changes: object) -> CheckState:
    state = CheckState(
        id=1,
        guild_id=1,
        user_id=2,
        recheck="https://issuer.example/a/1",
        check_host="issuer.example",
        status=status,
        reason="verified",
        message="It was fine.",
        self_reported=False,
        expires_at=None,
        first_failed_at=None,
    )
    return replace(state, **changes)  # type: ignore[arg-type]


def test_a_valid_badge_issued_to_the_member_is_accepted() -> None:
    assert admit(verdict(), STRICT).self_reported is False


def test_a_valid_badge_with_no_email_compared_is_refused_with_how_to_fix_it() -> None:
    with pytest.raises(BadgeRefused) as caught:
        admit(verdict(matched=None), STRICT)
    assert "/profile edit emails:" in str(caught.value) and "email:" in str(caught.value)
    assert isinstance(caught.value, DomainError) and caught.value.verdict.status is Status.VALID


def test_without_the_recipient_rule_an_unmatched_valid_badge_is_accepted() -> None:
    assert admit(verdict(matched=None), LENIENT).self_reported is False
    assert admit(replace(verdict(), recipient=None), LENIENT).self_reported is False


@pytest.mark.parametrize("reason", ["not_cryptographically_verifiable", "no_machine_readable_credential"])
def test_a_provider_with_nothing_verifiable_is_accepted_as_self_reported_when_allowed(reason: str) -> None:
    assert admit(verdict(Status.UNVERIFIABLE, reason, matched=None), LENIENT).self_reported is True
    with pytest.raises(BadgeRefused, match="does not accept self-reported badges"):
        admit(verdict(Status.UNVERIFIABLE, reason, matched=None), STRICT)


def test_an_issuer_that_is_down_is_not_a_self_reported_badge() -> None:
    with pytest.raises(BadgeRefused, match="could not verify this badge: The verifier says http_500"):
        admit(verdict(Status.UNVERIFIABLE, "http_500"), LENIENT)


@pytest.mark.parametrize(
    ("status", "lead"),
    [
        (Status.INVALID, "did not pass verification"),
        (Status.REVOKED, "has been revoked"),
        (Status.EXPIRED, "has expired"),
        (Status.NOT_YET_VALID, "is not valid yet"),
        (Status.REFUSED, "will not fetch"),
    ],
)
def test_failed_verdicts_are_refused_with_their_reason(status: Status, lead: str) -> None:
    failed = verdict(status, "some_reason")
    with pytest.raises(BadgeRefused) as caught:
        admit(failed, LENIENT)
    assert lead in str(caught.value) and failed.message in str(caught.value)
    assert caught.value.verdict is failed


@pytest.mark.parametrize("status", [Status.REVOKED, Status.EXPIRED, Status.INVALID])
def test_revoked_expired_and_invalid_apply_at_once(status: Status) -> None:
    outcome = after_check(stored(first_failed_at=NOW - timedelta(days=1)), verdict(status, "x"), NOW, GRACE)
    assert outcome.status is status and outcome.reason == "x" and outcome.first_failed_at is None


def test_a_transient_failure_within_grace_keeps_the_badge_and_remembers_when_it_began() -> None:
    first = after_check(stored(), verdict(Status.UNVERIFIABLE, "timeout"), NOW, GRACE)
    assert first.status is Status.VALID and first.first_failed_at == NOW and first.message == "It was fine."
    later = NOW + timedelta(days=6)
    again = after_check(stored(first_failed_at=NOW), verdict(Status.UNVERIFIABLE, "dns"), later, GRACE)
    assert again.status is Status.VALID and again.first_failed_at == NOW


def test_failing_for_the_whole_grace_period_demotes_the_badge() -> None:
    outcome = after_check(
        stored(first_failed_at=NOW), verdict(Status.UNVERIFIABLE, "http_503"), NOW + GRACE, GRACE
    )
    assert outcome.status is Status.UNVERIFIABLE and outcome.reason == "http_503"
    assert "for 7 days" in outcome.message


def test_a_successful_check_restores_and_clears_the_failure() -> None:
    demoted = stored(Status.UNVERIFIABLE, first_failed_at=NOW - GRACE)
    assert after_check(demoted, verdict(), NOW, GRACE) == after_check(stored(), verdict(), NOW, GRACE)
    outcome = after_check(stored(first_failed_at=NOW), verdict(), NOW, GRACE)
    assert outcome.status is Status.VALID and outcome.first_failed_at is None


def test_a_self_reported_badge_only_changes_on_a_final_verdict() -> None:
    state = stored(Status.UNVERIFIABLE, self_reported=True)
    assert after_check(state, verdict(), NOW, GRACE).status is Status.UNVERIFIABLE
    assert (
        after_check(state, verdict(Status.UNVERIFIABLE, "timeout"), NOW, GRACE).status is Status.UNVERIFIABLE
    )
    assert after_check(state, verdict(Status.REVOKED, "http_410"), NOW, GRACE).status is Status.REVOKED


@pytest.mark.parametrize(
    ("status", "reason", "down"),
    [
        (Status.UNVERIFIABLE, "timeout", True),
        (Status.UNVERIFIABLE, "connect_error", True),
        (Status.UNVERIFIABLE, "http_503", True),
        (Status.UNVERIFIABLE, "http_429", True),
        (Status.UNVERIFIABLE, "http_404", False),
        (Status.UNVERIFIABLE, "not_json", False),
        (Status.INVALID, "timeout", False),
    ],
)
def test_host_down_means_the_server_could_not_answer(status: Status, reason: str, down: bool) -> None:
    assert host_down(verdict(status, reason)) is down
