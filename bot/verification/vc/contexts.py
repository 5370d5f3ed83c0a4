"""The JSON-LD contexts credcord understands, vendored with the package and pinned by SHA-256.

A verifier must never fetch a context: whoever serves it decides what every term of a credential means.
``load_document`` is the static document loader given to pyld; a URL that is not pinned here raises
``UnknownContext`` and is never fetched. ``contexts/manifest.json`` maps each URL to its file and hash;
a file whose hash differs refuses to load, so an edited copy cannot slip in unnoticed.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterator, Mapping
from importlib import resources
from typing import Any


class UnknownContext(LookupError):
    """A context URL that is not vendored; the credential cannot be interpreted offline."""

    def __init__(self, url: str) -> None:
        super().__init__(f"the JSON-LD context {url[:200]!r} is not one credcord knows")
        self.url = url


@functools.cache
def _pinned() -> dict[str, Any]:
    folder = resources.files("bot.verification") / "contexts"
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    documents: dict[str, Any] = {}
    for url, entry in manifest.items():
        raw = (folder / entry["file"]).read_bytes()
        if hashlib.sha256(raw).hexdigest() != entry["sha256"]:
            raise RuntimeError(f"the vendored context for {url} does not match its pinned SHA-256")
        documents[url] = json.loads(raw)
    return documents


def known_urls() -> frozenset[str]:
    return frozenset(_pinned())


def load_document(url: str, options: Any = None) -> dict[str, Any]:
    """pyld's document loader: the pinned copy of ``url``, or ``UnknownContext``."""
    document = _pinned().get(url)
    if document is None:
        raise UnknownContext(url)
    # "static" lets pyld keep the processed context between documents: the pinned copy never changes.
    return {"contextUrl": None, "documentUrl": url, "document": document, "tag": "static"}


def referenced_contexts(document: Any) -> Iterator[str]:
    """Every context URL a JSON document names, at any depth (embedded contexts included)."""
    stack = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, Mapping):
            for key, item in value.items():
                if key == "@context":
                    yield from _context_urls(item)
                stack.append(item)
        elif isinstance(value, list):
            stack.extend(value)


def _context_urls(context: Any) -> Iterator[str]:
    for entry in context if isinstance(context, list) else [context]:
        if isinstance(entry, str):
            yield entry
        elif isinstance(entry, Mapping) and isinstance(entry.get("@import"), str):
            yield entry["@import"]


def unknown_context(document: Any) -> str | None:
    """The first context URL in ``document`` that is not vendored, if any."""
    pinned = _pinned()
    return next((url for url in referenced_contexts(document) if url not in pinned), None)
