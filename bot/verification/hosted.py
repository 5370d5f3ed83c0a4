"""Hosted Open Badges 2.0 verification: the issuer's server is the source of truth.

The Assertion is fetched fresh from its URL: HTTP 410 or ``"revoked": true`` means REVOKED, any other
non-2xx UNVERIFIABLE. Its declared ``id`` must be the final URL it was served from after redirects (an
``http`` id served over ``https`` counts as equal), so a redirect can never lend one origin's id to another
origin's document. Then its BadgeClass and issuer Profile (embedded or linked), the issuer's hosted
verification scope, the recipient and the dates.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

from bot.verification import ob2
from bot.verification.fetcher import FetchResult
from bot.verification.jsonsafe import JsonError, parse_json
from bot.verification.steps import Verification, clip, id_matches, revoked_message
from bot.verification.verdict import Status

CHECKS = (
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
)


async def verify_hosted(
    run: Verification, url: str, *, source_detail: str, copy: Mapping[str, Any] | None = None
) -> None:
    """Verify the Assertion at ``url``; ``copy`` is a pasted or baked copy, reported but never trusted."""
    run.start("ob2-hosted", CHECKS, source_detail)
    result = await run.fetch("fetch", url, "badge assertion", cache=False)
    if result.status == 410:
        run.passed("fetch", f"HTTP 410 from {clip(result.url)}")
        _gone(run, result)
    run.require_success("fetch", result, "badge assertion")
    run.passed("fetch", f"HTTP {result.status} from {clip(result.url)}")
    assertion = run.document("document", result, "badge assertion")
    run.passed("document", "an Open Badges 2.0 JSON document")
    run.credential = ob2.credential_info(assertion, None)
    if copy is not None:
        _compare_copy(run, copy, assertion)
    if ob2.is_revoked_flag(assertion):
        message = revoked_message(ob2.text(assertion, "revocationReason"), None)
        run.fail("not_revoked", Status.REVOKED, "revoked_flag", message)
    run.passed("not_revoked", "the issuer serves the Assertion and does not mark it revoked")
    run.check_assertion(assertion, expected="hosted")
    if not ob2.is_http_url(assertion["id"]) or not id_matches(assertion["id"], result.url):
        run.fail(
            "assertion_id",
            Status.INVALID,
            "id_mismatch",
            "The Assertion's id is not the URL it was served from.",
            f"declared id {clip(str(assertion['id']))}; served from {clip(result.url)}",
        )
    run.passed("assertion_id", "the Assertion's id is the URL it was served from")
    badge_class, badge_url = await run.linked(
        assertion["badge"],
        check="badge_class",
        label="BadgeClass",
        validate=ob2.badge_class_problems,
        parent_url=result.url,
    )
    run.credential = ob2.credential_info(assertion, badge_class)
    profile, _ = await run.linked(
        badge_class["issuer"],
        check="issuer",
        label="issuer profile",
        validate=ob2.profile_problems,
        parent_url=badge_url,
    )
    run.issuer = ob2.issuer_info(profile)
    problem = ob2.scope_problem(assertion["id"], profile)
    if problem is not None:
        message = f"The issuer does not vouch for this badge's address: {problem.detail}."
        run.fail("hosted_scope", Status.INVALID, problem.reason, message)
    run.passed("hosted_scope", "the Assertion is hosted where its issuer's verification policy allows")
    run.check_recipient(assertion)
    run.check_dates(assertion)
    run.succeed()


def _gone(run: Verification, result: FetchResult) -> NoReturn:
    # A 410 body may be stripped, or may be the Assertion itself with the issuer's revocationReason.
    try:
        body = parse_json(result.body)
    except JsonError:
        body = None
    reason = ob2.text(body, "revocationReason") if isinstance(body, dict) else None
    run.fail("not_revoked", Status.REVOKED, "http_410", revoked_message(reason, "HTTP 410 Gone"))


def _compare_copy(run: Verification, copy: Mapping[str, Any], hosted: Mapping[str, Any]) -> None:
    differing = sorted(key for key in {*copy, *hosted} if copy.get(key) != hosted.get(key))
    if differing:
        detail = f"the hosted values are used; the given copy differs in {', '.join(differing[:10])}"
    else:
        detail = "the given copy matches the hosted Assertion"
    run.passed("hosted_copy", detail)
