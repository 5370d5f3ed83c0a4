"""Recipient binding: plaintext and hashed identities against the member's email addresses."""

from __future__ import annotations

import pytest

from bot.verification.recipient import email_candidates, identity_matches, is_identity_hash
from tests.support.issuer import identity


def matches(recipient: dict[str, object], *emails: str) -> bool:
    return identity_matches(
        str(recipient["identity"]),
        hashed=bool(recipient["hashed"]),
        salt=recipient.get("salt"),  # type: ignore[arg-type]
        emails=emails,
    )


@pytest.mark.parametrize("algorithm", ["sha256", "md5"])
@pytest.mark.parametrize("salt", ["pepper", None])
@pytest.mark.parametrize("upper", [False, True])
def test_hashed_identity_matches_its_address(algorithm: str, salt: str | None, upper: bool) -> None:
    recipient = identity("alice@example.org", algorithm=algorithm, salt=salt, upper=upper)

    assert matches(recipient, "Alice@Example.org ")
    assert not matches(recipient, "bob@example.org")


def test_algorithm_label_is_case_insensitive() -> None:
    recipient = identity("alice@example.org")
    recipient["identity"] = "SHA256" + str(recipient["identity"])[6:]

    assert matches(recipient, "alice@example.org")


def test_address_hashed_with_capitals_matches_as_given() -> None:
    recipient = identity("Alice@Example.org")

    assert matches(recipient, "Alice@Example.org")
    assert not matches(recipient, "alice@example.org")


def test_plaintext_identity_compares_case_insensitively() -> None:
    assert matches(identity("Alice@Example.org", hashed=False), "alice@example.ORG")
    assert not matches(identity("alice@example.org", hashed=False), "alice@example.org.evil")


def test_wrong_salt_does_not_match() -> None:
    recipient = identity("alice@example.org", salt="one")
    recipient["salt"] = "two"

    assert not matches(recipient, "alice@example.org")


def test_no_addresses_never_match() -> None:
    assert not matches(identity("alice@example.org"))
    assert not matches(identity("", hashed=False), "", "   ")


def test_candidates_are_given_and_normalised_forms_without_duplicates() -> None:
    assert email_candidates([" Alice@X.org", "alice@x.org"]) == (" Alice@X.org", "alice@x.org")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("sha256$" + "a" * 64, True),
        ("MD5$" + "F" * 32, True),
        ("sha256$" + "a" * 63, False),
        ("md5$" + "a" * 64, False),
        ("sha1$" + "a" * 40, False),
        ("sha256$" + "g" * 64, False),
        ("alice@example.org", False),
    ],
)
def test_identity_hash_shape(value: str, expected: bool) -> None:
    assert is_identity_hash(value) is expected
