"""Signed Open Badges 2.0 verification: a compact JWS checked against the issuer's published key.

The issuer Profile is always fetched from its ``id``, never taken from the token, so a token cannot bring
its own key. The signing key must be one of the Profile's ``publicKey`` entries (the one named by
``verification.creator``, or each published key when none is named); a key fetched as its own document
must name the issuer as its ``owner``, while a key embedded in the fetched Profile is the issuer's by
placement. After the signature holds, the issuer's ``revocationList`` (when published) is consulted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from bot.verification import ob2
from bot.verification.jsonsafe import JsonError, parse_json
from bot.verification.jws import JwsError, load_rsa_public_key, parse_compact_jws, signature_is_valid
from bot.verification.steps import Verification, clip, id_matches, revoked_message
from bot.verification.verdict import Status

CHECKS = (
    "source",
    "jws",
    "document",
    "assertion",
    "badge_class",
    "issuer",
    "signing_key",
    "signature",
    "revocation_list",
    "recipient",
    "dates",
)
_MAX_UNNAMED_KEYS = 3  # keys tried when the Assertion does not name the one that signed it


async def verify_signed(run: Verification, token: str, *, source_detail: str) -> None:
    """Verify the compact JWS ``token``."""
    run.start("ob2-signed", CHECKS, source_detail)
    try:
        jws = parse_compact_jws(token)
    except JwsError as error:
        run.fail("jws", Status.INVALID, error.reason, str(error))
    run.passed("jws", f"a compact JWS signed with {jws.algorithm}")
    try:
        assertion = parse_json(jws.payload)
    except JsonError as error:
        message = f"The signed badge's payload is not valid JSON: {error}."
        run.fail("document", Status.INVALID, error.reason, message)
    if not isinstance(assertion, dict):
        run.fail("document", Status.INVALID, "bad_type", "The signed badge's payload is not a JSON object.")
    if ob2.is_legacy(assertion):
        run.unsupported_version("document")
    run.passed("document", "an Open Badges 2.0 JSON payload")
    run.credential = ob2.credential_info(assertion, None)
    run.check_assertion(assertion, expected="signed")
    # The payload is signed, so an embedded BadgeClass speaks for the issuer once the signature holds.
    badge_class, _ = await run.linked(
        assertion["badge"],
        check="badge_class",
        label="BadgeClass",
        validate=ob2.badge_class_problems,
        parent_url=None,
    )
    run.credential = ob2.credential_info(assertion, badge_class)
    profile, _ = await run.linked(
        badge_class["issuer"],
        check="issuer",
        label="issuer profile",
        validate=ob2.profile_problems,
        parent_url=None,
        always_fetch=True,
    )
    run.issuer = ob2.issuer_info(profile)
    keys = await _signing_keys(run, assertion, profile)
    if not any(signature_is_valid(jws, key) for key in keys):
        run.fail(
            "signature",
            Status.INVALID,
            "signature_invalid",
            "The badge's signature does not match its content: it was altered or signed by another key.",
        )
    run.passed("signature", "the RS256 signature matches the issuer's key")
    await _check_revocation_list(run, assertion, profile)
    run.check_recipient(assertion)
    run.check_dates(assertion)
    run.succeed()


async def _signing_keys(
    run: Verification, assertion: Mapping[str, Any], profile: Mapping[str, Any]
) -> list[rsa.RSAPublicKey]:
    creator = ob2.text(assertion["verification"], "creator")
    published: list[tuple[str, Mapping[str, Any] | None]] = []
    for entry in ob2.objects(profile.get("publicKey")):
        if isinstance(entry, str):
            published.append((entry, None))
        elif isinstance(entry, Mapping) and isinstance(entry.get("id"), str):
            published.append((entry["id"], entry))
    if creator is not None:
        chosen = [(key_id, embedded) for key_id, embedded in published if ob2.same_url(key_id, creator)]
        if not chosen:
            run.fail(
                "signing_key",
                Status.INVALID,
                "unknown_key",
                "The key that signed this badge is not one of the issuer's published keys.",
                f"creator {clip(creator)} is not in the issuer profile's publicKey",
            )
    else:
        chosen = published[:_MAX_UNNAMED_KEYS]
        if not chosen:
            run.fail("signing_key", Status.INVALID, "unknown_key", "The issuer publishes no public key.")
    keys = [await _load_key(run, key_id, embedded, profile) for key_id, embedded in chosen]
    run.passed("signing_key", f"{len(keys)} key(s) published by the issuer and owned by it")
    return keys


async def _load_key(
    run: Verification, key_id: str, embedded: Mapping[str, Any] | None, profile: Mapping[str, Any]
) -> rsa.RSAPublicKey:
    key_document: Mapping[str, Any]
    if embedded is None:
        if not ob2.is_http_url(key_id):
            run.fail(
                "signing_key", Status.INVALID, "unknown_key", "The issuer's key id is not an http(s) URL."
            )
        key_document, served_from = await run.fetch_document("signing_key", key_id, "signing key")
        declared = ob2.text(key_document, "id")
        if declared is not None and not id_matches(declared, served_from):
            run.fail("signing_key", Status.INVALID, "id_mismatch", "The signing key's id is not its URL.")
    else:
        key_document = embedded
    owner = ob2.text(key_document, "owner")
    owned = owner is not None and ob2.same_url(owner, profile["id"])
    if not owned and (embedded is None or owner is not None):
        message = "The signing key does not name this badge's issuer as its owner."
        run.fail("signing_key", Status.INVALID, "unknown_key", message)
    pem = ob2.text(key_document, "publicKeyPem")
    if pem is None:
        run.fail("signing_key", Status.INVALID, "missing_field", "The issuer's key has no publicKeyPem.")
    try:
        return load_rsa_public_key(pem)
    except JwsError as error:
        run.fail("signing_key", Status.INVALID, error.reason, str(error))


async def _check_revocation_list(
    run: Verification, assertion: Mapping[str, Any], profile: Mapping[str, Any]
) -> None:
    reference = profile.get("revocationList")
    if reference is None:
        run.passed("revocation_list", "the issuer publishes no revocation list")
        return
    if isinstance(reference, Mapping):
        revocations: Mapping[str, Any] = reference
    elif ob2.is_http_url(reference):
        revocations, _ = await run.fetch_document("revocation_list", reference, "revocation list")
    else:
        message = "The issuer's revocationList is not an http(s) URL."
        run.fail("revocation_list", Status.INVALID, "bad_type", message)
    if not (ob2.has_type(revocations, "RevocationList") or "revokedAssertions" in revocations):
        run.fail(
            "revocation_list",
            Status.UNVERIFIABLE,
            "bad_revocation_list",
            "The issuer's revocation list is not a RevocationList, so revocation cannot be checked.",
        )
    entry = ob2.revocation_entry(revocations, assertion)
    if entry is not None:
        run.fail("revocation_list", Status.REVOKED, "revoked_list", revoked_message(entry.reason, None))
    run.passed("revocation_list", "the badge is not on the issuer's revocation list")
