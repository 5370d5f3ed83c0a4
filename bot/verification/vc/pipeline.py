"""Verify an Open Badges 3.0 / Verifiable Credential, as JSON with a Data Integrity proof or as a VC-JWT.

Checks, in order (a CLR also verifies each member credential after its own dates):

    source → credential → proof → canonical → signing_key → signature → dates [→ members] → status → recipient
    source → jwt → credential → claims → signing_key → signature → dates [→ members] → status → recipient

How outcomes map (``reason`` in brackets):

    INVALID        the document is not a credential [bad_context, bad_type, missing_field, bad_date …], a
                   term no context defines [undefined_term], a proof for another purpose
                   [wrong_proof_purpose], a key that is not the issuer's or not authorised
                   [issuer_key_mismatch, key_not_authorized, unknown_key], a signature that does not hold
                   [signature_invalid], JWT claims that disagree [claim_mismatch, missing_claim], a refused
                   JOSE algorithm [unsupported_algorithm], a member of a CLR that fails [its own reason]
    UNVERIFIABLE   a context that is not vendored [unknown_context], a proof suite we do not verify
                   [unsupported_proof], no proof at all [not_cryptographically_verifiable], a DID method we
                   cannot resolve [unsupported_did_method], a graph too costly to canonicalize
                   [too_complex], a status list that cannot be fetched or verified [status_unknown], a
                   credential type that is not a badge [unsupported_credential]
    NOT_YET_VALID  ``validFrom``/``issuanceDate`` or the JWT's ``nbf`` is in the future [not_yet_valid]
    EXPIRED        ``validUntil``/``expirationDate`` or the JWT's ``exp`` has passed [expired]
    REVOKED        the issuer's status list says revoked [revoked_status] or suspended [suspended_status]:
                   a suspended credential must not count as valid while suspended, and REVOKED is the
                   status that says the issuer withdrew it; the reason tells the two apart.

Only what the proof covers is shown: the credential's name, achievement and issuer come from the signed
document, never from profiles fetched beside it, and nothing is shown before the signature holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

from bot.verification.fetcher import FetchSession
from bot.verification.jws import JwsError
from bot.verification.ob2 import has_type
from bot.verification.recipient import identity_matches
from bot.verification.steps import CLOCK_SKEW, Settled, Verification, clip
from bot.verification.vc import credential as vc
from bot.verification.vc.canonical import CanonicalError
from bot.verification.vc.jwt import VcJwt, claim_problems, expiry, looks_like_vc_jwt, parse_vc_jwt
from bot.verification.vc.keys import KeyFormatError, PublicKey, jwk_public_key, same_key, signature_holds
from bot.verification.vc.methods import Method, issuer_keys, resolve_method
from bot.verification.vc.proofs import ProofError, read_proof, signed_bytes
from bot.verification.vc.status import StatusChecker, StatusResult
from bot.verification.verdict import RecipientInfo, Status

DATA_INTEGRITY_CHECKS = (
    "source",
    "credential",
    "proof",
    "canonical",
    "signing_key",
    "signature",
    "dates",
    "status",
    "recipient",
)
JWT_CHECKS = (
    "source",
    "jwt",
    "credential",
    "claims",
    "signing_key",
    "signature",
    "dates",
    "status",
    "recipient",
)
_UNJUDGED = frozenset({"unknown_context", "too_complex", "unsupported_proof"})


@dataclass(frozen=True, slots=True)
class Ob3Options:
    """What a credential pipeline needs beyond the run: the status checker (None: a status list itself is
    being verified, whose own status is not followed) and whether the credential must be a badge type."""

    status: StatusChecker | None
    badge_types_only: bool = True


async def verify_credential(
    run: Verification, document: Mapping[str, Any], *, source_detail: str, options: Ob3Options
) -> dict[str, Any]:
    """Verify a credential with a Data Integrity proof; returns it once VALID (else ``run`` is settled)."""
    credential = dict(document)
    run.start("clr" if vc.is_clr(credential) else "ob3-data-integrity", DATA_INTEGRITY_CHECKS, source_detail)
    issuer = _check_credential(run, credential, options)
    try:
        proof = read_proof(credential)
    except ProofError as error:
        if error.reason == "no_proof":
            _unsigned(run, credential)
        status = Status.UNVERIFIABLE if error.reason in _UNJUDGED else Status.INVALID
        run.fail("proof", status, error.reason, f"This credential cannot be verified: {error}.")
    run.passed("proof", f"a {proof.suite} proof for assertionMethod")
    try:
        signed = signed_bytes(credential, proof)
    except CanonicalError as error:
        status = Status.UNVERIFIABLE if error.reason in _UNJUDGED else Status.INVALID
        run.fail("canonical", status, error.reason, f"This credential cannot be verified: {error}.")
    run.passed("canonical", f"every term is defined by a known context ({proof.canonicalization})")
    method = await resolve_method(run, "signing_key", proof.method, issuer=issuer)
    run.passed("signing_key", f"{clip(method.id)} is authorised by the issuer for assertionMethod")
    if not signature_holds(method.key, "EdDSA", proof.signature, signed):
        _bad_signature(run)
    run.passed("signature", f"the {proof.suite} signature matches the issuer's key")
    await _after_signature(run, credential, options)
    return credential


async def verify_jwt(
    run: Verification, token: str, *, source_detail: str, options: Ob3Options
) -> dict[str, Any]:
    """Verify a VC-JWT; returns the restored credential once VALID (else ``run`` is settled)."""
    run.start("ob3-jwt", JWT_CHECKS, source_detail)
    try:
        parsed = parse_vc_jwt(token)
    except JwsError as error:
        run.fail("jwt", Status.INVALID, error.reason, f"This signed credential cannot be used: {error}")
    run.passed("jwt", f"a compact JWS signed with {parsed.jws.algorithm}")
    credential = parsed.credential
    issuer = _check_credential(run, credential, options)
    problems = claim_problems(parsed)
    if problems:
        first = problems[0]
        message = f"The token's claims contradict the credential: {first.detail}."
        run.fail("claims", Status.INVALID, first.reason, message, "; ".join(p.detail for p in problems[:5]))
    run.passed("claims", "the registered claims agree with the credential")
    keys = await _jwt_keys(run, parsed, issuer)
    if not any(
        signature_holds(key, parsed.jws.algorithm, parsed.jws.signature, parsed.jws.signing_input)
        for key in keys
    ):
        _bad_signature(run)
    run.passed("signature", f"the {parsed.jws.algorithm} signature matches the issuer's key")
    await _after_signature(run, credential, options, jwt=parsed)
    return credential


def _check_credential(run: Verification, credential: Mapping[str, Any], options: Ob3Options) -> str:
    problems = vc.credential_problems(credential)
    if problems:
        first = problems[0]
        message = f"This is not a valid Verifiable Credential: {first.detail}."
        run.fail(
            "credential", Status.INVALID, first.reason, message, "; ".join(p.detail for p in problems[:5])
        )
    if options.badge_types_only and not any(has_type(credential, kind) for kind in vc.KNOWN_TYPES):
        message = "This Verifiable Credential is not an Open Badge, endorsement or learner record."
        run.fail("credential", Status.UNVERIFIABLE, "unsupported_credential", message)
    issuer = vc.issuer_id(credential) or ""
    run.passed("credential", f"a VC {vc.version(credential)} {vc.kind_label(credential)} from {clip(issuer)}")
    return issuer


def _unsigned(run: Verification, credential: Mapping[str, Any]) -> NoReturn:
    run.credential = vc.credential_info(credential)
    run.issuer = vc.issuer_info(credential)
    run.fail(
        "proof",
        Status.UNVERIFIABLE,
        "not_cryptographically_verifiable",
        "This credential carries no proof, so nobody can confirm its issuer issued it; the details shown are "
        "unconfirmed.",
    )


def _bad_signature(run: Verification) -> NoReturn:
    run.fail(
        "signature",
        Status.INVALID,
        "signature_invalid",
        "The credential's signature does not match its content: it was altered or signed by another key.",
    )


async def _jwt_keys(run: Verification, token: VcJwt, issuer: str) -> list[PublicKey]:
    kid, jwk = token.jws.header.get("kid"), token.jws.header.get("jwk")
    if isinstance(kid, str) and kid:
        method_id = issuer + kid if kid.startswith("#") else kid
        method = await resolve_method(run, "signing_key", method_id, issuer=issuer)
        run.passed("signing_key", f"{clip(method.id)} is authorised by the issuer for assertionMethod")
        return [method.key]
    if jwk is None:
        run.fail(
            "signing_key",
            Status.INVALID,
            "unknown_key",
            "The token names no key (kid) and carries none (jwk).",
        )
    try:
        carried = jwk_public_key(jwk)
    except KeyFormatError as error:
        run.fail("signing_key", Status.INVALID, error.reason, f"The token's jwk cannot be used: {error}.")
    # A key that travels with the token proves nothing by itself: the issuer must publish it too.
    published: list[Method] = await issuer_keys(run, "signing_key", issuer)
    if not any(same_key(carried, method.key) for method in published):
        message = "The key carried in the token is not one the issuer publishes for signing credentials."
        run.fail("signing_key", Status.INVALID, "unknown_key", message)
    run.passed("signing_key", "the token's jwk is a key the issuer publishes for assertionMethod")
    return [carried]


async def _after_signature(
    run: Verification, credential: Mapping[str, Any], options: Ob3Options, *, jwt: VcJwt | None = None
) -> None:
    run.credential = vc.credential_info(credential)
    run.issuer = vc.issuer_info(credential)
    _check_dates(run, credential, jwt)
    if vc.is_clr(credential):
        await _check_members(run, credential, options)
    await _check_status(run, credential, options)
    _check_recipient(run, credential)
    run.succeed()


def _check_dates(run: Verification, credential: Mapping[str, Any], jwt: VcJwt | None) -> None:
    validity = vc.validity_of(credential)
    starts, ends = validity.valid_from, validity.valid_until
    if jwt is not None:
        not_before, expires = expiry(jwt)
        starts = max(filter(None, (starts, not_before)), default=None)
        ends = min(filter(None, (ends, expires)), default=None)
    if starts is not None and starts > run.now + CLOCK_SKEW:
        message = f"This credential is valid from {starts.isoformat()}, which is still in the future."
        run.fail("dates", Status.NOT_YET_VALID, "not_yet_valid", message)
    if ends is not None and ends <= run.now:
        run.fail("dates", Status.EXPIRED, "expired", f"This credential expired on {ends.isoformat()}.")
    since = f"valid from {starts.isoformat()}" if starts else "no start date"
    until = f"until {ends.isoformat()}" if ends else "does not expire"
    run.passed("dates", f"{since}; {until}")


async def _check_members(run: Verification, credential: Mapping[str, Any], options: Ob3Options) -> None:
    members = vc.clr_members(credential)
    if len(members) > vc.MAX_CLR_MEMBERS:
        message = f"This learner record holds more than the {vc.MAX_CLR_MEMBERS} credentials credcord checks."
        run.fail("members", Status.UNVERIFIABLE, "too_many_members", message)
    for position, member in enumerate(members, start=1):
        child = Verification(run.session, (), run.now)
        detail = f"credential {position} of the learner record"
        try:
            if isinstance(member, str) and looks_like_vc_jwt(member.strip()):
                await verify_jwt(child, member.strip(), source_detail=detail, options=options)
            elif isinstance(member, Mapping):
                await verify_credential(child, member, source_detail=detail, options=options)
            else:
                child.fail("source", Status.INVALID, "bad_type", "It is neither a credential nor a VC-JWT.")
        except Settled:
            pass
        verdict = child.verdict()
        if verdict.status is not Status.VALID:
            message = (
                f"Credential {position} in this learner record is {verdict.status.value}: {verdict.message}"
            )
            run.fail("members", verdict.status, verdict.reason, message)
    run.passed("members", f"all {len(members)} credentials in the learner record are valid")


async def _check_status(run: Verification, credential: Mapping[str, Any], options: Ob3Options) -> None:
    if options.status is None:
        run.passed("status", "a status list's own status is not followed")
        return
    list_options = Ob3Options(status=None, badge_types_only=False)

    async def verify_list(listed: Mapping[str, Any] | str, session: FetchSession) -> Mapping[str, Any] | None:
        child = Verification(session, (), run.now)
        try:
            if isinstance(listed, str):
                return await verify_jwt(
                    child, listed.strip(), source_detail="status list", options=list_options
                )
            return await verify_credential(child, listed, source_detail="status list", options=list_options)
        except Settled:
            return None

    result: StatusResult = await options.status.check(
        credential, issuer_id=vc.issuer_id(credential) or "", session=run.session, verify_list=verify_list
    )
    detail = clip(result.detail, 300)
    if result.state == "ok":
        run.passed("status", detail or "not revoked")
    elif result.state in ("revoked", "suspended"):
        run.fail("status", Status.REVOKED, result.reason, detail or "The issuer has revoked this credential.")
    else:
        message = f"Whether the issuer revoked this credential cannot be checked: {detail}"
        run.fail("status", Status.UNVERIFIABLE, "status_unknown", message)


def _check_recipient(run: Verification, credential: Mapping[str, Any]) -> None:
    identities = vc.identities(credential)
    emails = [identity for identity in identities if identity.identity_type == "emailAddress"]
    subject = vc.subject_id(credential)
    first = emails[0] if emails else (identities[0] if identities else None)
    kind = first.identity_type if first else ("id" if subject else None)
    hashed = first.hashed if first else (False if subject else None)
    if not run.emails:
        run.recipient = RecipientInfo(kind, hashed, None)
        named = f"; the subject is {clip(subject)}" if subject else ""
        run.skipped("recipient", f"no email address was given to compare{named}")
        return
    if not emails:
        run.recipient = RecipientInfo(kind, hashed, False)
        how = f"by {clip(kind, 40)}" if kind else "by no identifier"
        message = (
            f"This credential names its recipient {how}, not by email address, so it cannot be matched to "
            "the email given."
        )
        run.fail("recipient", Status.INVALID, "recipient_mismatch", message)
    for identity in emails:
        if identity_matches(identity.value, hashed=identity.hashed, salt=identity.salt, emails=run.emails):
            run.recipient = RecipientInfo("emailAddress", identity.hashed, True)
            run.passed(
                "recipient",
                f"issued to the email address given ({'hashed' if identity.hashed else 'plaintext'})",
            )
            return
    run.recipient = RecipientInfo("emailAddress", emails[0].hashed, False)
    run.fail(
        "recipient",
        Status.INVALID,
        "recipient_mismatch",
        "This credential was not issued to the email address given.",
    )
