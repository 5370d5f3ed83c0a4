"""Hosted Open Badges 2.0 verification against a real issuer served from two local origins."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.verification.fetcher import Fetcher
from bot.verification.verdict import Status
from bot.verification.verifier import Verifier
from tests.support.issuer import EMAIL, NOW, REMOVE, IssuerWorld, identity, issuer_world
from tests.support.verdicts import assert_verdict, check


@pytest.fixture
async def world() -> AsyncIterator[IssuerWorld]:
    async with issuer_world() as world:
        yield world


@pytest.mark.parametrize(
    "recipient",
    [
        pytest.param(identity(), id="sha256-salted"),
        pytest.param(identity(salt=None), id="sha256-unsalted"),
        pytest.param(identity(algorithm="md5"), id="md5"),
        pytest.param(identity(hashed=False), id="plaintext"),
        pytest.param(identity(upper=True), id="uppercase-hex"),
        pytest.param(identity(algorithm="md5", upper=True, salt=None), id="md5-uppercase-unsalted"),
    ],
)
async def test_valid_hosted_badge_is_bound_to_its_recipient(
    world: IssuerWorld, recipient: dict[str, Any]
) -> None:
    url = world.host(world.assertion(recipient=recipient))

    verdict = await world.verifier.verify(url, emails=[EMAIL])

    assert_verdict(verdict, Status.VALID, "verified")
    assert verdict.format == "ob2-hosted"
    assert verdict.recipient is not None and verdict.recipient.matched is True
    assert all(c.ok for c in verdict.checks), verdict.checks


async def test_valid_verdict_reports_what_was_verified(world: IssuerWorld) -> None:
    url = world.host(world.assertion(expires="2030-01-01T00:00:00+02:00"))

    verdict = await world.verifier.verify(url, emails=[EMAIL])

    assert_verdict(verdict, Status.VALID, "verified")
    assert verdict.message == '"Python Fundamentals" is a valid badge issued by Example University.'
    credential = verdict.credential
    assert credential is not None
    assert credential.id == url
    assert credential.name == "Python Fundamentals"
    assert credential.criteria == "Pass the final project."
    assert credential.image == world.home.url("/badges/python.png")
    assert credential.issued_on == datetime(2025, 1, 15, 10, tzinfo=UTC)
    assert credential.expires == datetime(2029, 12, 31, 22, tzinfo=UTC)
    assert credential.skills == ("Python", "programming")
    assert credential.evidence == ("https://example.org/evidence/alice",)
    assert verdict.issuer is not None
    assert (verdict.issuer.id, verdict.issuer.name, verdict.issuer.email) == (
        world.issuer_url,
        "Example University",
        "badges@example.org",
    )
    assert [c.name for c in verdict.checks] == [
        "source",
        "fetch",
        "document",
        "not_revoked",
        "assertion",
        "assertion_id",
        "badge_class",
        "issuer",
        "hosted_scope",
        "recipient",
        "dates",
    ]
    assert set(verdict.to_json()) == {
        "status",
        "format",
        "reason",
        "message",
        "checks",
        "credential",
        "issuer",
        "recipient",
    }


@pytest.mark.parametrize("email", ["Alice@Example.ORG", "  alice@example.org\n", "ALICE@EXAMPLE.ORG"])
async def test_email_is_compared_trimmed_and_lower_cased(world: IssuerWorld, email: str) -> None:
    url = world.host(world.assertion())

    verdict = await world.verifier.verify(url, emails=["someone@else.org", email])

    assert_verdict(verdict, Status.VALID, "verified")


async def test_address_hashed_as_given_matches_when_given_the_same_way(world: IssuerWorld) -> None:
    url = world.host(world.assertion(recipient=identity("Alice@Example.org")))

    verdict = await world.verifier.verify(url, emails=["Alice@Example.org"])

    assert_verdict(verdict, Status.VALID, "verified")


async def test_badge_for_another_address_is_a_recipient_mismatch(world: IssuerWorld) -> None:
    url = world.host(world.assertion())

    verdict = await world.verifier.verify(url, emails=["mallory@example.org"])

    assert_verdict(verdict, Status.INVALID, "recipient_mismatch")
    assert verdict.recipient is not None and verdict.recipient.matched is False
    assert check(verdict, "recipient") is False
    assert check(verdict, "dates") is None


async def test_url_recipient_cannot_match_an_email(world: IssuerWorld) -> None:
    url = world.host(
        world.assertion(recipient=identity("https://alice.example.org", hashed=False, kind="url"))
    )

    verdict = await world.verifier.verify(url, emails=[EMAIL])

    assert_verdict(verdict, Status.INVALID, "recipient_mismatch")
    assert "url" in verdict.message
    assert verdict.recipient is not None and verdict.recipient.identity_type == "url"


async def test_without_emails_the_recipient_is_not_compared(world: IssuerWorld) -> None:
    url = world.host(world.assertion())

    verdict = await world.verifier.verify(url)

    assert_verdict(verdict, Status.VALID, "verified")
    assert verdict.recipient is not None
    assert (verdict.recipient.identity_type, verdict.recipient.hashed, verdict.recipient.matched) == (
        "email",
        True,
        None,
    )
    assert check(verdict, "recipient") is None


async def test_expired_badge(world: IssuerWorld) -> None:
    url = world.host(world.assertion(expires="2025-05-01T00:00:00Z"))

    verdict = await world.verifier.verify(url, emails=[EMAIL])

    assert_verdict(verdict, Status.EXPIRED, "expired")


async def test_now_decides_expiry(world: IssuerWorld) -> None:
    url = world.host(world.assertion(expires="2025-05-01T00:00:00Z"))

    verdict = await world.verifier.verify(url, now=datetime(2025, 4, 30, tzinfo=UTC))

    assert_verdict(verdict, Status.VALID, "verified")


async def test_badge_issued_in_the_future_is_not_yet_valid(world: IssuerWorld) -> None:
    url = world.host(world.assertion(issuedOn="2025-07-01T00:00:00Z"))

    verdict = await world.verifier.verify(url, emails=[EMAIL])

    assert_verdict(verdict, Status.NOT_YET_VALID, "not_yet_valid")


async def test_expiry_before_issue_is_invalid(world: IssuerWorld) -> None:
    url = world.host(world.assertion(issuedOn="2025-03-01T00:00:00Z", expires="2025-02-01T00:00:00Z"))

    verdict = await world.verifier.verify(url)

    assert_verdict(verdict, Status.INVALID, "expires_before_issued")


@pytest.mark.parametrize("value", ["2025-01-15", "2025-01-15T10:00:00", "15/01/2025", 1736935200])
async def test_date_without_zone_is_invalid(world: IssuerWorld, value: Any) -> None:
    url = world.host(world.assertion(issuedOn=value))

    verdict = await world.verifier.verify(url)

    assert_verdict(verdict, Status.INVALID, "bad_date")


async def test_gone_with_stripped_body_is_revoked(world: IssuerWorld) -> None:
    world.home.route("/assertions/1", b"", status=410, content_type="")

    verdict = await world.verifier.verify(world.home.url("/assertions/1"))

    assert_verdict(verdict, Status.REVOKED, "http_410")
    assert check(verdict, "not_revoked") is False


async def test_gone_with_full_body_is_revoked_with_its_reason(world: IssuerWorld) -> None:
    body = world.assertion(revoked=True, revocationReason="Awarded in error")
    world.home.route("/assertions/1", body, status=410)

    verdict = await world.verifier.verify(world.home.url("/assertions/1"))

    assert_verdict(verdict, Status.REVOKED, "http_410")
    assert "Awarded in error" in verdict.message


async def test_revoked_flag_on_a_200_is_revoked(world: IssuerWorld) -> None:
    url = world.host(world.assertion(revoked=True, revocationReason="Plagiarism"))

    verdict = await world.verifier.verify(url, emails=[EMAIL])

    assert_verdict(verdict, Status.REVOKED, "revoked_flag")
    assert "Plagiarism" in verdict.message


async def test_server_error_with_a_valid_body_is_unverifiable(world: IssuerWorld) -> None:
    world.home.route("/assertions/1", world.assertion(), status=500)

    verdict = await world.verifier.verify(world.home.url("/assertions/1"))

    assert_verdict(verdict, Status.UNVERIFIABLE, "http_500")


async def test_missing_assertion_is_unverifiable(world: IssuerWorld) -> None:
    verdict = await world.verifier.verify(world.home.url("/assertions/nope"))

    assert_verdict(verdict, Status.UNVERIFIABLE, "http_404")


async def test_missing_badge_class_is_unverifiable(world: IssuerWorld) -> None:
    url = world.host(world.assertion(badge=world.home.url("/badges/gone")))

    verdict = await world.verifier.verify(url)

    assert_verdict(verdict, Status.UNVERIFIABLE, "http_404")
    assert check(verdict, "badge_class") is False


async def test_assertion_on_a_foreign_origin_is_out_of_scope(world: IssuerWorld) -> None:
    url = world.host(world.assertion(server=world.other), server=world.other)

    verdict = await world.verifier.verify(url, emails=[EMAIL])

    assert_verdict(verdict, Status.INVALID, "out_of_scope")
    assert check(verdict, "hosted_scope") is False


@pytest.mark.parametrize("as_list", [False, True])
async def test_starts_with_policy_is_enforced(world: IssuerWorld, as_list: bool) -> None:
    prefix = world.home.url("/assertions/")
    world.publish(profile=world.profile(verification={"startsWith": [prefix] if as_list else prefix}))
    inside = world.host(world.assertion("/assertions/7"))
    outside = world.host(world.assertion("/elsewhere/7"))

    assert_verdict(await world.verifier.verify(inside), Status.VALID, "verified")
    assert_verdict(await world.verifier.verify(outside), Status.INVALID, "out_of_scope")


async def test_starts_with_policy_can_allow_another_origin(world: IssuerWorld) -> None:
    world.publish(profile=world.profile(verification={"startsWith": world.other.url("/badges/")}))
    url = world.host(world.assertion("/badges/9", server=world.other), server=world.other)

    verdict = await world.verifier.verify(url)

    assert_verdict(verdict, Status.VALID, "verified")


async def test_allowed_origins_policy_is_enforced(world: IssuerWorld) -> None:
    other = f"127.0.0.1:{world.other.port}"
    world.publish(profile=world.profile(verification={"allowedOrigins": other}))
    allowed = world.host(world.assertion(server=world.other), server=world.other)
    home = world.host(world.assertion())

    assert_verdict(await world.verifier.verify(allowed), Status.VALID, "verified")
    assert_verdict(await world.verifier.verify(home), Status.INVALID, "out_of_scope")


async def test_allowed_origins_list_violation(world: IssuerWorld) -> None:
    world.publish(profile=world.profile(verification={"allowedOrigins": [f"127.0.0.1:{world.home.port}"]}))
    url = world.host(world.assertion(server=world.other), server=world.other)

    verdict = await world.verifier.verify(url)

    assert_verdict(verdict, Status.INVALID, "out_of_scope")


async def test_pasted_json_is_trusted_only_for_its_id(world: IssuerWorld) -> None:
    hosted = world.assertion()
    world.host(hosted)
    pasted = {**hosted, "recipient": identity("mallory@example.org"), "issuedOn": "2020-01-01T00:00:00Z"}

    for_mallory = await world.verifier.verify(pasted, emails=["mallory@example.org"])
    for_alice = await world.verifier.verify(pasted, emails=[EMAIL])

    assert_verdict(for_mallory, Status.INVALID, "recipient_mismatch")
    assert_verdict(for_alice, Status.VALID, "verified")
    assert for_alice.credential is not None
    assert for_alice.credential.issued_on == datetime(2025, 1, 15, 10, tzinfo=UTC)
    copy_check = next(c for c in for_alice.checks if c.name == "hosted_copy")
    assert "issuedOn" in copy_check.detail and "recipient" in copy_check.detail


async def test_pasted_json_text_is_fetched_from_its_id(world: IssuerWorld) -> None:
    hosted = world.assertion()
    world.host(hosted)
    pasted = json.dumps({"id": hosted["id"], "recipient": "forged"})

    verdict = await world.verifier.verify(pasted, emails=[EMAIL])

    assert_verdict(verdict, Status.VALID, "verified")


async def test_pasted_json_without_an_id_is_invalid(world: IssuerWorld) -> None:
    verdict = await world.verifier.verify(world.assertion(id=REMOVE))

    assert_verdict(verdict, Status.INVALID, "missing_field")


async def test_redirect_to_the_assertion_is_followed(world: IssuerWorld) -> None:
    url = world.host(world.assertion())
    world.other.redirect("/short", url)

    verdict = await world.verifier.verify(world.other.url("/short"), emails=[EMAIL])

    assert_verdict(verdict, Status.VALID, "verified")
    assert world.home.requests[0] == "/assertions/1"


async def test_redirect_loop_is_unverifiable(world: IssuerWorld) -> None:
    world.home.redirect("/a", "/b")
    world.home.redirect("/b", "/a")

    verdict = await world.verifier.verify(world.home.url("/a"))

    assert_verdict(verdict, Status.UNVERIFIABLE, "too_many_redirects")


async def test_id_differing_from_the_url_is_invalid(world: IssuerWorld) -> None:
    world.home.route("/assertions/copy", world.assertion())

    verdict = await world.verifier.verify(world.home.url("/assertions/copy"))

    assert_verdict(verdict, Status.INVALID, "id_mismatch")


async def test_redirect_cannot_lend_an_id_to_another_origin(world: IssuerWorld) -> None:
    # The issuer's origin redirects to a document elsewhere that claims an id on the issuer's origin.
    world.home.redirect("/assertions/1", world.other.url("/forged"))
    world.other.route("/forged", world.assertion())

    verdict = await world.verifier.verify(world.home.url("/assertions/1"))

    assert_verdict(verdict, Status.INVALID, "id_mismatch")


async def test_malformed_json_is_unverifiable(world: IssuerWorld) -> None:
    world.home.route("/assertions/1", b'{"id": "x",')

    verdict = await world.verifier.verify(world.home.url("/assertions/1"))

    assert_verdict(verdict, Status.UNVERIFIABLE, "malformed_json")


async def test_html_instead_of_json_is_unverifiable(world: IssuerWorld) -> None:
    world.home.route(
        "/assertions/1", "<!doctype html><html><body>Badge</body></html>", content_type="text/html"
    )

    verdict = await world.verifier.verify(world.home.url("/assertions/1"))

    assert_verdict(verdict, Status.UNVERIFIABLE, "not_json")


async def test_json_that_is_not_an_object_is_invalid(world: IssuerWorld) -> None:
    world.home.route("/assertions/1", [world.assertion()])

    verdict = await world.verifier.verify(world.home.url("/assertions/1"))

    assert_verdict(verdict, Status.INVALID, "bad_type")


@pytest.mark.parametrize("field", ["type", "recipient", "badge", "verification", "issuedOn"])
async def test_assertion_without_a_required_field_is_invalid(world: IssuerWorld, field: str) -> None:
    url = world.host(world.assertion(**{field: REMOVE}))

    verdict = await world.verifier.verify(url)

    assert_verdict(verdict, Status.INVALID, "missing_field")
    assert field in verdict.message


@pytest.mark.parametrize("field", ["name", "description", "image", "criteria", "issuer"])
async def test_badge_class_without_a_required_field_is_invalid(world: IssuerWorld, field: str) -> None:
    world.publish(badge_class=world.badge_class(**{field: REMOVE}))
    url = world.host(world.assertion())

    verdict = await world.verifier.verify(url)

    assert_verdict(verdict, Status.INVALID, "missing_field")
    assert check(verdict, "badge_class") is False


@pytest.mark.parametrize("field", ["email", "url", "name"])
async def test_issuer_without_a_required_field_is_invalid(world: IssuerWorld, field: str) -> None:
    world.publish(profile=world.profile(**{field: REMOVE}))
    url = world.host(world.assertion())

    verdict = await world.verifier.verify(url)

    assert_verdict(verdict, Status.INVALID, "missing_field")
    assert check(verdict, "issuer") is False
    assert field in verdict.message


@pytest.mark.parametrize(
    ("document", "changes"),
    [
        ("assertion", {"type": "BadgeClass"}),
        ("assertion", {"verification": {"type": "emailed"}}),
        ("assertion", {"recipient": {"type": "email", "hashed": "yes", "identity": EMAIL}}),
        ("assertion", {"recipient": {"type": "email", "hashed": True, "identity": "sha1$abc"}}),
        ("badge_class", {"type": ["Thing"]}),
        ("badge_class", {"name": 42}),
        ("profile", {"type": "Person"}),
        ("profile", {"email": "not an address"}),
    ],
)
async def test_wrong_type_is_invalid(world: IssuerWorld, document: str, changes: dict[str, Any]) -> None:
    if document == "badge_class":
        world.publish(badge_class=world.badge_class(**changes))
    elif document == "profile":
        world.publish(profile=world.profile(**changes))
    url = world.host(world.assertion(**changes) if document == "assertion" else world.assertion())

    verdict = await world.verifier.verify(url)

    assert_verdict(verdict, Status.INVALID, "bad_type")


async def test_hosted_assertion_declaring_signed_verification_is_invalid(world: IssuerWorld) -> None:
    url = world.host(world.assertion(verification={"type": "SignedBadge", "creator": world.key_url}))

    verdict = await world.verifier.verify(url)

    assert_verdict(verdict, Status.INVALID, "verification_mismatch")


async def test_open_badges_1_0_document_is_not_verified(world: IssuerWorld) -> None:
    legacy = {
        "uid": "abc",
        "recipient": {"type": "email", "hashed": False, "identity": EMAIL},
        "badge": world.badge_url,
        "issuedOn": "2015-04-30",
        "verify": {"type": "hosted", "url": world.home.url("/assertions/1")},
    }
    world.home.route("/assertions/1", legacy)

    verdict = await world.verifier.verify(world.home.url("/assertions/1"))

    assert_verdict(verdict, Status.UNVERIFIABLE, "unsupported_version")


async def test_embedded_badge_class_and_issuer_are_used(world: IssuerWorld) -> None:
    embedded = world.badge_class(issuer=world.profile(), **{"@context": REMOVE})
    url = world.host(world.assertion(badge=embedded))
    world.home.route("/issuer", b"", status=500)

    verdict = await world.verifier.verify(url, emails=[EMAIL])

    assert_verdict(verdict, Status.VALID, "verified")
    assert world.home.requests == ["/assertions/1"]


async def test_embedded_issuer_naming_another_origin_is_fetched_from_it(world: IssuerWorld) -> None:
    # An assertion on `other` embeds a Profile that claims the home issuer's id and allows `other`.
    forged = world.profile(name="Forged University", verification={"allowedOrigins": "127.0.0.1"})
    badge = world.badge_class(id=world.other.url("/badge"), issuer=forged)
    url = world.host(world.assertion(server=world.other, badge=badge), server=world.other)

    verdict = await world.verifier.verify(url)

    assert_verdict(verdict, Status.INVALID, "out_of_scope")
    assert verdict.issuer is not None and verdict.issuer.name == "Example University"


async def test_body_over_the_cap_is_too_large(world: IssuerWorld) -> None:
    world.home.route("/assertions/1", b" " * (20 << 20))

    verdict = await world.verifier.verify(world.home.url("/assertions/1"))

    assert_verdict(verdict, Status.UNVERIFIABLE, "too_large")


async def test_chunked_body_over_the_cap_is_too_large(world: IssuerWorld) -> None:
    world.home.route("/assertions/1", b" " * (20 << 20), chunked=True)

    verdict = await world.verifier.verify(world.home.url("/assertions/1"))

    assert_verdict(verdict, Status.UNVERIFIABLE, "too_large")


async def test_slow_server_times_out() -> None:
    async with issuer_world(total_timeout=0.3) as world:
        world.home.route("/assertions/1", world.assertion(), delay=5.0)

        verdict = await world.verifier.verify(world.home.url("/assertions/1"))

    assert_verdict(verdict, Status.UNVERIFIABLE, "timeout")


async def test_slow_drip_body_stops_at_the_deadline() -> None:
    async with issuer_world(total_timeout=0.3) as world:
        world.home.route("/assertions/1", world.assertion(), drip_interval=0.02)

        verdict = await world.verifier.verify(world.home.url("/assertions/1"))

    assert_verdict(verdict, Status.UNVERIFIABLE, "timeout")


async def test_private_address_is_refused_by_default(world: IssuerWorld) -> None:
    url = world.host(world.assertion())
    async with Fetcher() as fetcher:
        verdict = await Verifier(fetcher, clock=lambda: NOW).verify(url)

    assert_verdict(verdict, Status.REFUSED, "private_address")
    assert world.home.requests == []


async def test_refused_badge_class_url_makes_the_verdict_refused(world: IssuerWorld) -> None:
    badge = world.badge_url.replace("http://", "http://user:secret@")
    url = world.host(world.assertion(badge=badge))

    verdict = await world.verifier.verify(url)

    assert_verdict(verdict, Status.REFUSED, "credentials_in_url")
    assert check(verdict, "badge_class") is False
