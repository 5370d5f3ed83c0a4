"""Verify a badge (Open Badges 2.0, or 3.0 as a Verifiable Credential) and say exactly what was found.

``Verifier.verify`` accepts a URL, a JSON document (mapping, text or bytes), a compact JWS or VC-JWT, or
the bytes of a baked PNG or SVG image, and never raises for anything an issuer serves or a member pastes.

Which pipeline runs: a URL first passes the providers table (a known provider's page maps to its machine
URL, or settles as unverifiable there), then is fetched once; a Verifiable Credential served there (JSON,
or a VC-JWT as text) goes to ``vc.pipeline``, anything else to the hosted Open Badges 2.0 pipeline, which
is handed the same answer. Pasted or baked JSON that is a Verifiable Credential, and a compact JWS whose
payload is one, are verified as credentials; see ``vc.pipeline`` for their checks and reasons. Below, the
Open Badges 2.0 outcomes.

How outcomes map to a status (``reason`` in brackets):

    REFUSED        the fetch policy forbids a URL the badge points at [private_address, bad_port …]
    UNVERIFIABLE   something needed could not be fetched or read [timeout, dns, too_large, http_404,
                   http_500 …]. A 2xx body that is not JSON [not_json] or is malformed JSON
                   [malformed_json, json_too_deep, duplicate_key …] is UNVERIFIABLE too: the issuer did not
                   give us a document to judge, which says nothing about whether the badge is genuine.
                   Open Badges 0.5/1.x documents are not verified [unsupported_version].
    REVOKED        the Assertion answers HTTP 410 [http_410], says ``"revoked": true`` [revoked_flag], or is
                   on the issuer's revocation list [revoked_list]
    INVALID        a document we could read breaks a rule [missing_field, bad_type, bad_date, id_mismatch,
                   out_of_scope, verification_mismatch, recipient_mismatch, signature_invalid,
                   unsupported_algorithm, unknown_key, expires_before_issued …], or the input holds no
                   badge [unrecognized_input, no_badge_data, compressed_chunk, unsafe_xml, too_large …]
    NOT_YET_VALID  ``issuedOn`` is in the future (beyond five minutes of clock skew) [not_yet_valid]
    EXPIRED        ``expires`` has passed [expired]

A pasted or baked JSON Assertion is used only for its ``id``, which is fetched: the hosted values win.
A signed badge's JSON without its JWS cannot be verified [signature_missing]. See ``hosted`` and
``signed`` for each format's trust rules.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NoReturn

from bot.verification import ob2
from bot.verification.baked import BakedError, extract_baked, is_png, looks_like_xml
from bot.verification.fetcher import Fetcher
from bot.verification.hosted import verify_hosted
from bot.verification.jsonsafe import JsonError, parse_json
from bot.verification.jws import looks_like_compact_jws
from bot.verification.providers import Providers, resolve_provider_url
from bot.verification.signed import verify_signed
from bot.verification.steps import Settled, Verification, clip
from bot.verification.vc.credential import looks_like_credential
from bot.verification.vc.jwt import looks_like_vc_jwt
from bot.verification.vc.pipeline import Ob3Options, verify_credential, verify_jwt
from bot.verification.vc.status import StatusChecker
from bot.verification.verdict import Status, Verdict

logger = logging.getLogger(__name__)

MAX_INPUT_BYTES = 5 << 20  # the same cap the fetcher puts on images


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class _Pipelines:
    providers: Providers
    ob3: Ob3Options


_BUNDLED_PROVIDERS = Providers.bundled()


class Verifier:
    """Verifies badges; one instance can serve many concurrent verifications.

    ``providers`` maps provider page URLs to machine-verifiable documents; ``status`` checks Verifiable
    Credential status lists and caches them (None: a new checker for this Verifier).
    """

    def __init__(
        self,
        fetcher: Fetcher,
        *,
        clock: Callable[[], datetime] = _utc_now,
        max_fetches: int = 8,
        providers: Providers = _BUNDLED_PROVIDERS,
        status: StatusChecker | None = None,
    ) -> None:
        self._fetcher = fetcher
        self._clock = clock
        self._max_fetches = max_fetches
        self._pipelines = _Pipelines(providers, Ob3Options(status if status is not None else StatusChecker()))

    async def verify(
        self,
        source: str | bytes | Mapping[str, Any],
        *,
        emails: Sequence[str] = (),
        now: datetime | None = None,
    ) -> Verdict:
        """Verify ``source`` as of ``now`` (default: the clock), binding it to ``emails`` when given."""
        moment = now if now is not None else self._clock()
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        run = Verification(self._fetcher.session(self._max_fetches), tuple(emails), moment)
        try:
            await _verify_source(run, source, self._pipelines)
        except Settled:
            pass
        except Exception:
            # Nothing an issuer serves may crash a verification; a bug here still yields a verdict.
            logger.exception("badge verification failed unexpectedly")
        return run.verdict()


async def _verify_source(
    run: Verification, source: str | bytes | Mapping[str, Any], pipelines: _Pipelines
) -> None:
    if isinstance(source, Mapping):
        await _verify_json(run, source, where="pasted JSON", pipelines=pipelines)
        return
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        if len(data) > MAX_INPUT_BYTES:
            _too_large(run)
        if is_png(data) or looks_like_xml(data):
            await _verify_image(run, data, pipelines)
            return
        try:
            source = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            run.fail("source", Status.INVALID, "unrecognized_input", "This is not a badge, image or URL.")
    if len(source) > MAX_INPUT_BYTES:
        _too_large(run)
    await _verify_text(run, source, where="the input", from_image=False, pipelines=pipelines)


def _too_large(run: Verification) -> NoReturn:
    run.fail("source", Status.INVALID, "too_large", "The input is larger than credcord accepts (5 MiB).")


async def _verify_image(run: Verification, data: bytes, pipelines: _Pipelines) -> None:
    try:
        baked = extract_baked(data)
    except BakedError as error:
        run.fail("source", Status.INVALID, error.reason, str(error))
    where = f"the {baked.container.upper()} {baked.location}"
    await _verify_text(run, baked.content, where=where, from_image=True, pipelines=pipelines)


async def _verify_text(
    run: Verification, value: str, *, where: str, from_image: bool, pipelines: _Pipelines
) -> None:
    """Text that may be a URL, JSON, a JWS or VC-JWT, or (unless it came out of an image) SVG markup."""
    content = value.strip()
    if ob2.is_http_url(content) and not any(character.isspace() for character in content):
        url = await resolve_provider_url(run, content, pipelines.providers)
        await _verify_url(run, url, f"{where} holds the URL {clip(content)}", pipelines)
        return
    if content.startswith("{"):
        try:
            document = parse_json(content)
        except JsonError as error:
            run.fail("source", Status.INVALID, error.reason, f"The JSON in {where} is not valid: {error}.")
        if not isinstance(document, dict):
            run.fail("source", Status.INVALID, "bad_type", f"The JSON in {where} is not an object.")
        await _verify_json(run, document, where=f"JSON in {where}", pipelines=pipelines)
        return
    if looks_like_compact_jws(content):
        if looks_like_vc_jwt(content):
            await verify_jwt(run, content, source_detail=f"{where} holds a VC-JWT", options=pipelines.ob3)
            return
        await verify_signed(run, content, source_detail=f"{where} holds a compact JWS")
        return
    markup = content.encode("utf-8", "surrogatepass")
    if not from_image and looks_like_xml(markup):
        await _verify_image(run, markup, pipelines)
        return
    if from_image:
        run.fail("source", Status.INVALID, "no_badge_data", f"The data in {where} is not a badge.")
    run.fail(
        "source",
        Status.INVALID,
        "unrecognized_input",
        "This is not a badge URL, badge JSON, signed badge (JWS) or baked PNG/SVG image.",
    )


async def _verify_url(run: Verification, url: str, source_detail: str, pipelines: _Pipelines) -> None:
    """What ``url`` serves: a Verifiable Credential (JSON or VC-JWT text), else a hosted OB2 Assertion."""
    result = await run.probe(url)
    if result is not None and 200 <= result.status < 300:
        served = f"{source_detail}, which serves a Verifiable Credential"
        text = result.body.strip()
        if text.startswith(b"{"):
            try:
                document = parse_json(text)
            except JsonError:
                document = None
            if looks_like_credential(document):
                await verify_credential(run, document, source_detail=served, options=pipelines.ob3)
                return
        elif len(text) < 1 << 20 and text.isascii():
            token = text.decode("ascii")
            if looks_like_compact_jws(token) and looks_like_vc_jwt(token):
                await verify_jwt(run, token, source_detail=served, options=pipelines.ob3)
                return
    await verify_hosted(run, url, source_detail=source_detail)


async def _verify_json(
    run: Verification, document: Mapping[str, Any], *, where: str, pipelines: _Pipelines
) -> None:
    """A Verifiable Credential is verified by its proof; a pasted or baked OB2 Assertion only for its id,
    whose hosted copy is verified."""
    if looks_like_credential(document):
        await verify_credential(
            run, document, source_detail=f"{where}: a Verifiable Credential", options=pipelines.ob3
        )
        return
    assertion_id = document.get("id")
    if ob2.is_http_url(assertion_id):
        url = str(assertion_id).strip()
        detail = f"{where}: only its id is trusted, so the Assertion is fetched from {clip(url)}"
        await verify_hosted(run, url, source_detail=detail, copy=document)
        return
    if ob2.verification_type(document) == "signed":
        run.format = "ob2-signed"
        run.fail(
            "source",
            Status.INVALID,
            "signature_missing",
            "This is the JSON of a signed badge without its signature; verify its JWS or baked image.",
        )
    if ob2.is_legacy(document):
        run.unsupported_version("source")
    reason = "missing_field" if assertion_id is None else "bad_type"
    message = f"The {where} has no http(s) id to fetch the hosted Assertion from."
    run.fail("source", Status.INVALID, reason, message)
