"""Canonical forms a Data Integrity proof signs: RDF Dataset Canonicalization (``rdfc``) and JCS.

pyld has no safe mode: a property that no context defines is silently dropped from the RDF, so a field
added after signing would still verify and then be shown to members as if the issuer had said it. Here
expansion reports every dropped property, and every IRI that only exists through a catch-all vocabulary
(``undefined-term#``, ``issuer-dependent#``) or is left relative (an undefined type, a relative id, which
RDF would drop too), as ``undefined_term``.

Canonicalization is bounded: a document with too many JSON values, a dataset with too many quads, or a
blank-node graph that needs more than a small amount of N-degree hashing (crafted graphs make URDNA2015
factorial) stops with ``too_complex`` instead of stalling the bot.

Context processing is remembered: pyld caches a processed context under the identity of the context it
was applied to, but every type-scoped context (``OpenBadgeCredential``, ``Achievement``, ``Profile`` …)
is applied to a fresh copy of its parent and so was processed again for every credential, which was most
of the cost of verifying one. Here the result of applying a vendored context to an already processed
(immutable) context is kept, so a warm verification only expands and canonicalizes.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import rfc8785
from pyld.canon import URDNA2015  # type: ignore[import-untyped]
from pyld.jsonld import JsonLdError, JsonLdProcessor  # type: ignore[import-untyped]

from bot.verification.vc.contexts import UnknownContext, known_urls, load_document, unknown_context

MAX_JSON_VALUES = 5000  # a rich credential has a few hundred
MAX_QUADS = 2000
MAX_NDEGREE_HASHES = 200  # N-degree hash calls one canonicalization may make
MAX_EQUIVALENT_NODES = 5  # blank nodes that hash alike around one node: 5! permutations at most
MAX_PROCESSED_CONTEXTS = 256  # a few dozen (context, scoped context) pairs occur in practice

# (processed context's _uuid, id of a vendored scoped context, flags) -> (that scoped context, result)
_processed: dict[tuple[Any, ...], tuple[Any, Any]] = {}
_PLAIN_FLAGS = frozenset({"propagate", "override_protected"})

_CATCH_ALL_VOCABULARIES = (
    "https://www.w3.org/ns/credentials/undefined-term#",
    "https://www.w3.org/ns/credentials/issuer-dependent#",
)


class CanonicalError(ValueError):
    """A document that cannot be canonicalized honestly; ``reason`` is a verdict reason code.

    ``unknown_context`` and ``too_complex`` leave the credential unjudged; ``undefined_term`` and
    ``bad_jsonld`` mean the document itself is broken.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class _Dropped(Exception):
    def __init__(self, term: str | None) -> None:
        super().__init__(term)
        self.term = term


def _refuse_dropped(term: str | None) -> None:
    raise _Dropped(term)


def rdfc(document: Mapping[str, Any]) -> str:
    """The canonical N-Quads (RDFC-1.0 / URDNA2015) of a JSON-LD document, strictly interpreted."""
    _check_size(document)
    unknown = unknown_context(document)
    if unknown is not None:
        raise CanonicalError("unknown_context", f"it uses the JSON-LD context {unknown[:160]}, unknown here")
    # No base IRI: pyld would otherwise resolve relative IRIs (an undefined type, a relative id) against
    # http://example.org/base/ and they would look defined.
    options = {"documentLoader": load_document, "base": None}
    try:
        dataset = _StrictProcessor().to_rdf(dict(document), options)
    except _Dropped as dropped:
        raise CanonicalError(
            "undefined_term", f"the property {str(dropped.term)[:120]!r} is defined by no context"
        ) from None
    except JsonLdError as error:
        if _caused_by_unknown_context(error):
            raise CanonicalError("unknown_context", "it uses a JSON-LD context unknown here") from None
        raise CanonicalError("bad_jsonld", f"it is not valid JSON-LD ({str(error)[:160]})") from None
    if sum(len(triples) for triples in dataset.values()) > MAX_QUADS:
        raise CanonicalError("too_complex", f"it holds more than {MAX_QUADS} statements")
    result: str = _BoundedCanonicalizer().main(dataset, {"format": "application/n-quads"})
    return result


class _StrictProcessor(JsonLdProcessor):  # type: ignore[misc]
    """Refuses undefined terms during the one expansion ``to_rdf`` makes (expanding twice costs a third)."""

    def __init__(self) -> None:
        super().__init__(on_property_dropped=_refuse_dropped)

    def expand(self, input_: Any, options: Any) -> Any:
        expanded = super().expand(input_, options)
        term = _undefined_term(expanded)
        if term is not None:
            raise CanonicalError("undefined_term", f"the term {term[:120]!r} is defined by no context")
        return expanded

    def _process_context(
        self, active_ctx: Any, local_ctx: Any, options: Any, *args: Any, **flags: Any
    ) -> Any:
        # Keyed as pyld keys its own cache (the active context's _uuid) plus the identity of a vendored
        # context, alive and unchanged for the life of the process, so a remembered result cannot differ
        # from a fresh one. Not kept: a member's embedded context, and the calls pyld makes on a context
        # whose terms are still being defined (they pass cycles; pyld renames that context when done).
        name = active_ctx.get("_uuid")
        if name is None or args or flags.keys() - _PLAIN_FLAGS or id(local_ctx) not in _vendored():
            return super()._process_context(active_ctx, local_ctx, options, *args, **flags)
        key = (name, id(local_ctx), tuple(sorted(flags.items())), options.get("base"))
        remembered = _processed.get(key)
        if remembered is not None and remembered[0] is local_ctx:
            return remembered[1]
        result = super()._process_context(active_ctx, local_ctx, options, **flags)
        if len(_processed) >= MAX_PROCESSED_CONTEXTS:
            _processed.clear()  # only members' own contexts churn it; the vendored pairs come back warm
        _processed[key] = (local_ctx, result)
        return result


@functools.cache
def _vendored() -> frozenset[int]:
    """The ids of every JSON object and array inside the vendored contexts (kept by contexts.py for good)."""
    ids: set[int] = set()
    stack: list[Any] = [load_document(url)["document"] for url in known_urls()]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            ids.add(id(value))
            stack.extend(value.values())
        elif isinstance(value, list):
            ids.add(id(value))
            stack.extend(value)
    return frozenset(ids)


def jcs(document: Mapping[str, Any]) -> bytes:
    """The RFC 8785 canonical JSON of ``document``."""
    _check_size(document)
    try:
        return rfc8785.dumps(document)
    except rfc8785.CanonicalizationError as error:
        raise CanonicalError("bad_json", f"it cannot be canonicalized ({str(error)[:160]})") from None


def _check_size(document: Any) -> None:
    count, stack = 0, [document]
    while stack:
        value = stack.pop()
        count += 1
        if count > MAX_JSON_VALUES:
            raise CanonicalError("too_complex", f"it holds more than {MAX_JSON_VALUES} JSON values")
        if isinstance(value, Mapping):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


def _undefined_term(expanded: Any) -> str | None:
    """A property or type IRI in expanded JSON-LD that no context defined."""
    stack = [expanded]
    while stack:
        value = stack.pop()
        if isinstance(value, list):
            stack.extend(value)
            continue
        if not isinstance(value, dict):
            continue
        key: str
        for key, item in value.items():
            if key == "@type":
                types = item if isinstance(item, list) else [item]
                for kind in types:
                    if isinstance(kind, str) and kind != "@json" and not _defined_iri(kind):
                        return str(kind)
            elif key == "@id" and isinstance(item, str) and ":" not in item:
                return item  # a relative IRI, which RDF drops
            elif not key.startswith("@") and not _defined_iri(key):
                return key
            if isinstance(item, dict | list):
                stack.append(item)
    return None


def _defined_iri(iri: str) -> bool:
    return ":" in iri and not iri.startswith(_CATCH_ALL_VOCABULARIES)


def _caused_by_unknown_context(error: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, UnknownContext):
            return True
        seen.add(id(current))
        details = getattr(current, "cause", None)
        current = details if isinstance(details, BaseException) else current.__cause__
    return False


class _BoundedCanonicalizer(URDNA2015):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self._ndegree_budget = MAX_NDEGREE_HASHES

    def hash_n_degree_quads(self, id_: str, issuer: Any) -> Any:
        self._ndegree_budget -= 1
        if self._ndegree_budget < 0:
            raise CanonicalError("too_complex", "its blank-node graph is too costly to canonicalize")
        return super().hash_n_degree_quads(id_, issuer)

    def create_hash_to_related(self, id_: str, issuer: Any) -> Any:
        related = super().create_hash_to_related(id_, issuer)
        if any(len(nodes) > MAX_EQUIVALENT_NODES for nodes in related.values()):
            raise CanonicalError("too_complex", "its blank-node graph is too costly to canonicalize")
        return related
