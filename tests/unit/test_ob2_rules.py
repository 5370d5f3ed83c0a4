"""Open Badges 2.0 document rules that need no network: dates, origins, scope, versions, revocation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from bot.verification import ob2

ISSUER = {"id": "https://badges.example.org/issuer"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-01-15T10:00:00Z", datetime(2025, 1, 15, 10, tzinfo=UTC)),
        ("2025-01-15t10:00:00z", datetime(2025, 1, 15, 10, tzinfo=UTC)),
        ("2025-01-15T10:00Z", datetime(2025, 1, 15, 10, tzinfo=UTC)),
        ("2025-01-15T10:00:00.123456789+02:00", datetime(2025, 1, 15, 8, 0, 0, 123456, tzinfo=UTC)),
        ("2025-01-15T10:00:00-0530", datetime(2025, 1, 15, 15, 30, tzinfo=UTC)),
        ("2025-01-15 10:00:00+01", datetime(2025, 1, 15, 9, tzinfo=UTC)),
    ],
)
def test_date_times_with_a_zone_parse(value: str, expected: datetime) -> None:
    parsed = ob2.parse_datetime(value)
    assert parsed == expected
    assert parsed.tzinfo is not None


@pytest.mark.parametrize(
    "value",
    ["2025-01-15", "2025-01-15T10:00:00", "2025-13-01T00:00:00Z", "yesterday", "", 1736935200, None, ["x"]],
)
def test_dates_without_a_zone_or_garbage_are_refused(value: Any) -> None:
    with pytest.raises(ValueError):
        ob2.parse_datetime(value)


def test_parsed_offsets_are_kept() -> None:
    assert ob2.parse_datetime("2025-01-15T10:00:00+02:00").utcoffset() == timedelta(hours=2)
    assert ob2.parse_datetime("2025-01-15T10:00:00+02:00").tzinfo == timezone(timedelta(hours=2))


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://Badges.Example.org/a", "badges.example.org"),
        ("https://badges.example.org:443/a", "badges.example.org"),
        ("http://badges.example.org:80/a", "badges.example.org"),
        ("https://badges.example.org:8443/a", "badges.example.org:8443"),
        ("http://badges.example.org:443/a", "badges.example.org:443"),
        ("ftp://badges.example.org/a", None),
        ("urn:uuid:1234", None),
        ("https://host:99999/", None),
        ("not a url", None),
    ],
)
def test_authority(url: str, expected: str | None) -> None:
    assert ob2.authority(url) == expected


def test_same_url_ignores_case_of_host_default_port_and_empty_path() -> None:
    assert ob2.same_url("HTTPS://Example.org", "https://example.org:443/")
    assert not ob2.same_url("https://example.org/a", "https://example.org/a?x=1")
    assert not ob2.same_url("https://example.org/a", "http://example.org/a")


@pytest.mark.parametrize(
    ("assertion_id", "policy", "allowed"),
    [
        ("https://badges.example.org/a/1", None, True),
        ("http://badges.example.org/a/1", None, True),
        ("https://evil.example.net/a/1", None, False),
        ("https://badges.example.org:8443/a/1", None, False),
        ("urn:uuid:1", None, False),
        ("https://cdn.example.net/b/1", {"startsWith": "https://cdn.example.net/b/"}, True),
        ("https://cdn.example.net/c/1", {"startsWith": ["https://x/", "https://cdn.example.net/b/"]}, False),
        ("https://cdn.example.net/b/1", {"allowedOrigins": "cdn.example.net"}, True),
        ("https://cdn.example.net:8443/b/1", {"allowedOrigins": ["cdn.example.net"]}, True),
        ("https://cdn.example.net:8443/b/1", {"allowedOrigins": ["cdn.example.net:8080"]}, False),
        ("https://cdn.example.net/b/1", {"allowedOrigins": ["https://CDN.example.net/"]}, True),
        ("https://badges.example.org/a/1", {"allowedOrigins": ["cdn.example.net"]}, False),
        (
            "https://cdn.example.net/b/1",
            {"allowedOrigins": "cdn.example.net", "startsWith": "https://x/"},
            False,
        ),
    ],
)
def test_hosted_scope(assertion_id: str, policy: dict[str, Any] | None, allowed: bool) -> None:
    profile = {**ISSUER, "verification": policy} if policy else ISSUER
    problem = ob2.scope_problem(assertion_id, profile)
    assert (problem is None) is allowed
    if problem is not None:
        assert problem.reason == "out_of_scope"


@pytest.mark.parametrize(
    ("document", "legacy"),
    [
        ({"@context": "https://w3id.org/openbadges/v2", "uid": "1"}, False),
        ({"@context": ["https://w3id.org/openbadges/v2", {"x": "y"}]}, False),
        ({"@context": "https://openbadgespec.org/v2/context.json"}, False),
        ({"@context": "https://w3id.org/openbadges/v1"}, True),
        ({"uid": "1", "verify": {"type": "hosted"}}, True),
        ({"recipient": "alice@example.org", "badge": {}}, True),
        ({"id": "https://x/1", "type": "Assertion"}, False),
    ],
)
def test_legacy_documents_are_recognised(document: dict[str, Any], legacy: bool) -> None:
    assert ob2.is_legacy(document) is legacy


@pytest.mark.parametrize(
    ("entries", "revoked"),
    [
        (["urn:a"], True),
        ("urn:a", True),
        ([{"id": "urn:z"}, {"id": "urn:a", "revocationReason": "why"}], True),
        ([{"uid": "u-1"}], True),
        (["u-1"], True),
        (["urn:z", {"id": "urn:y"}, 7, None], False),
        (None, False),
    ],
)
def test_revocation_entries(entries: Any, revoked: bool) -> None:
    assertion = {"id": "urn:a", "uid": "u-1"}
    entry = ob2.revocation_entry({"type": "RevocationList", "revokedAssertions": entries}, assertion)
    assert (entry is not None) is revoked


def test_revocation_reason_is_reported() -> None:
    entry = ob2.revocation_entry(
        {"revokedAssertions": [{"id": "urn:a", "revocationReason": "why"}]}, {"id": "urn:a"}
    )
    assert entry == ob2.RevocationEntry("why")


def test_credential_info_tolerates_broken_documents() -> None:
    info = ob2.credential_info({"issuedOn": 5, "evidence": [{"narrative": "did it"}, 3]}, {"alignment": "x"})
    assert info.issued_on is None
    assert info.evidence == ("did it",)
    assert info.skills == ()


def test_image_data_uri_is_not_reported_as_an_image_url() -> None:
    info = ob2.credential_info({}, {"image": "data:image/png;base64,AAAA"})
    assert info.image is None
