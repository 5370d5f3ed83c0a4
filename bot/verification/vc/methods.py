"""Verification methods: which public key a proof names, and whether its controller lets it sign.

A method id is dereferenced by its scheme:

    did:key:z6Mk…#z6Mk…     derived offline (Ed25519 multikey); its controller is the DID itself
    did:web:host[%3Aport][:path]#frag   the DID document at https://host[:port]/path/did.json, or
                            /.well-known/did.json without a path, through the fetcher
    https://…#frag          the controller document at the URL without the fragment (an issuer Profile
                            may be its own controller document, publishing Multikey or JsonWebKey entries)
    https://… (no fragment) a key document naming its ``controller``, whose document is then fetched

The method must be listed (by id or embedded) in its controller document's ``assertionMethod``, the
controller document's ``id`` must be where it came from (or the DID), the method's ``controller`` must be
that document, and the controller must be the credential's issuer: a key of someone else signs nothing here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NoReturn
from urllib.parse import unquote

from bot.verification import ob2
from bot.verification.steps import Verification, clip, id_matches
from bot.verification.vc.keys import KeyFormatError, PublicKey, jwk_public_key, multikey_ed25519
from bot.verification.verdict import Status

_MULTIBASE_TYPES = frozenset({"Multikey", "Ed25519VerificationKey2020"})
_JWK_TYPES = frozenset({"JsonWebKey", "JsonWebKey2020"})
_DID_WEB_HOST = re.compile(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?")


@dataclass(frozen=True, slots=True)
class Method:
    id: str
    controller: str
    key: PublicKey


async def resolve_method(run: Verification, check: str, method_id: str, *, issuer: str) -> Method:
    """The key behind ``method_id``, authorised for assertionMethod by ``issuer``; settles ``run`` if not."""
    if method_id.startswith("did:key:"):
        method = _did_key(run, check, method_id)
    else:
        document, document_id = await _controller_document(run, check, method_id)
        entry = _find(document, method_id, document_id)
        if entry is None and "#" not in method_id and text_id(document) is not None:
            # The URL named the key document itself; its controller document authorises it.
            key_document, controller = document, ob2.text(document, "controller") or ""
            if not same_id(document_id, method_id):
                _fail(run, check, "unknown_key", "The signing key's document is not the key it names.")
            document, document_id = await _controller_document(run, check, controller)
            entry = key_document
        if entry is None:
            _fail(run, check, "unknown_key", "The signing key is not published in its controller's document.")
        if not same_id(ob2.text(entry, "controller") or "", document_id):
            _fail(run, check, "unknown_key", "The signing key does not name its controller document.")
        if not _authorised(document, method_id, document_id):
            message = (
                "The signing key is not authorised by its controller to sign credentials (assertionMethod)."
            )
            _fail(run, check, "key_not_authorized", message)
        method = Method(method_id, document_id, _key_of(run, check, entry))
    if not same_id(method.controller, issuer):
        _fail(
            run,
            check,
            "issuer_key_mismatch",
            "The signing key does not belong to the credential's issuer.",
            f"the key's controller is {clip(method.controller)}; the issuer is {clip(issuer)}",
        )
    return method


async def issuer_keys(run: Verification, check: str, issuer: str) -> list[Method]:
    """Every key ``issuer`` authorises for assertionMethod (for a JWT that carries its key as ``jwk``)."""
    if issuer.startswith("did:key:"):
        return [_did_key(run, check, f"{issuer}#{issuer.removeprefix('did:key:')}")]
    document, document_id = await _controller_document(run, check, issuer)
    if not same_id(document_id, issuer):
        _fail(run, check, "unknown_key", "The issuer's document is not the issuer's.")
    keys: list[Method] = []
    for reference in ob2.objects(document.get("assertionMethod"))[:8]:
        method_id = _absolute(reference if isinstance(reference, str) else text_id(reference), document_id)
        entry = _find(document, method_id, document_id) if method_id else None
        if entry is not None and same_id(ob2.text(entry, "controller") or "", document_id):
            try:
                keys.append(Method(method_id or "", document_id, _public_key(entry)))
            except KeyFormatError:
                continue
    return keys


def did_web_url(did: str) -> str | None:
    """The https URL of a did:web DID document, or None when the DID is malformed."""
    parts = did.removeprefix("did:web:").split(":")
    host = unquote(parts[0])
    if not _DID_WEB_HOST.fullmatch(host) or any(not part or "/" in part for part in parts[1:]):
        return None
    path = "/".join(unquote(part) for part in parts[1:])
    return f"https://{host}/{path}/did.json" if path else f"https://{host}/.well-known/did.json"


def text_id(value: Any) -> str | None:
    return ob2.text(value, "id") if isinstance(value, Mapping) else None


def same_id(first: str, second: str) -> bool:
    if first == second:
        return True
    return ob2.is_http_url(first) and ob2.is_http_url(second) and id_matches(first, second)


def _did_key(run: Verification, check: str, method_id: str) -> Method:
    did, _, fragment = method_id.partition("#")
    encoded = did.removeprefix("did:key:")
    if fragment and fragment != encoded:
        _fail(run, check, "unknown_key", "The did:key method's fragment is not its key.")
    try:
        key = multikey_ed25519(encoded)
    except (KeyFormatError, ValueError) as error:
        reason = error.reason if isinstance(error, KeyFormatError) else "bad_key"
        _fail(run, check, reason, "The did:key is not an Ed25519 key credcord can read.")
    return Method(method_id, did, key)


async def _controller_document(run: Verification, check: str, reference: str) -> tuple[dict[str, Any], str]:
    base = reference.partition("#")[0]
    if base.startswith("did:web:"):
        url = did_web_url(base)
        if url is None:
            _fail(run, check, "bad_did", f"The DID {clip(base)} is not a valid did:web.")
        document, _ = await run.fetch_json(check, url, "DID document")
        if ob2.text(document, "id") != base:
            _fail(run, check, "id_mismatch", "The DID document's id is not the DID it was fetched for.")
        return document, base
    if base.startswith("did:"):
        method = clip(":".join(base.split(":")[:2]), 40)
        run.fail(
            check,
            Status.UNVERIFIABLE,
            "unsupported_did_method",
            f"The signing key is a {method} DID, which credcord cannot resolve (did:key and did:web only).",
        )
    if not ob2.is_http_url(base):
        _fail(run, check, "unknown_key", "The signing key's id is neither a DID nor an http(s) URL.")
    document, served_from = await run.fetch_json(check, base, "key controller document")
    declared = ob2.text(document, "id")
    if declared is None or not id_matches(declared, served_from):
        _fail(
            run, check, "id_mismatch", "The key controller document's id is not the URL it was served from."
        )
    return document, declared


def _absolute(method_id: str | None, document_id: str) -> str | None:
    if method_id is None:
        return None
    return document_id + method_id if method_id.startswith("#") else method_id


def _find(document: Mapping[str, Any], method_id: str, document_id: str) -> Mapping[str, Any] | None:
    for key in ("verificationMethod", "assertionMethod"):
        for entry in ob2.objects(document.get(key)):
            if isinstance(entry, Mapping) and _absolute(text_id(entry), document_id) == method_id:
                return entry
    return None


def _authorised(document: Mapping[str, Any], method_id: str, document_id: str) -> bool:
    for reference in ob2.objects(document.get("assertionMethod")):
        listed = reference if isinstance(reference, str) else text_id(reference)
        if _absolute(listed, document_id) == method_id:
            return True
    return False


def _key_of(run: Verification, check: str, entry: Mapping[str, Any]) -> PublicKey:
    try:
        return _public_key(entry)
    except KeyFormatError as error:
        _fail(run, check, error.reason, f"The signing key cannot be used: {error}.")


def _public_key(entry: Mapping[str, Any]) -> PublicKey:
    kinds = set(ob2.strings(entry.get("type")))
    if kinds & _MULTIBASE_TYPES and "publicKeyMultibase" in entry:
        return multikey_ed25519(entry["publicKeyMultibase"])
    if (kinds & _JWK_TYPES or "publicKeyJwk" in entry) and "publicKeyJwk" in entry:
        return jwk_public_key(entry["publicKeyJwk"])
    raise KeyFormatError("unsupported_key", "the key is not a Multikey or JsonWebKey")


def _fail(run: Verification, check: str, reason: str, message: str, detail: str | None = None) -> NoReturn:
    run.fail(check, Status.INVALID, reason, message, detail)
