"""Run the 1EdTech reference validator (``openbadges`` 1.1.2) for ``bench/verify.py``, inside the peer's venv.

    bench/.peer-venv/bin/python bench/verify_peer/runner.py

The first line on stdin is the plan, one JSON object::

    {"warmup": [url, ...], "batch": [url, ...], "single": [url, ...],
     "cases": [{"name": str, "url": str, "email": str | null}, ...]}

The phases run in that order. After each, one JSON line goes to stdout and the runner waits for a line on
stdin before the next phase, so the benchmark can read the issuer servers' request counts in between::

    {"phase": "warmup"}
    {"phase": "batch", "seconds": float, "valid": [bool, ...]}
    {"phase": "single", "seconds": [float, ...]}
    {"phase": "cases", "cases": [{"name": str, "valid": bool, "errors": [str, ...]}, ...],
     "context_served_offline": int}

The validator runs as shipped (sequential ``verify()`` calls with its default options) except for one
thing: its JSON-LD document loader answers ``https://w3id.org/openbadges/v2`` with the context bundled in
the package instead of fetching it, so the benchmark needs no internet and times only the issuer servers.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import openbadges.verifier.verifier as shipped
from openbadges.verifier import utils
from openbadges.verifier.openbadges_context import OPENBADGES_CONTEXT_V2_DICT, OPENBADGES_CONTEXT_V2_URI
from openbadges.verifier.utils import CachableDocumentLoader
from pyld import jsonld

_BUNDLED_CONTEXT = json.dumps(OPENBADGES_CONTEXT_V2_DICT)


class OfflineContextLoader(CachableDocumentLoader):
    """The shipped loader, except that the Open Badges v2 context comes from the package itself."""

    served = 0

    def __call__(self, url: str) -> dict[str, Any]:
        if url.rstrip("/") != OPENBADGES_CONTEXT_V2_URI:
            return super().__call__(url)
        OfflineContextLoader.served += 1
        # The shipped loader remembers every context that defines terms inline (extension discovery reads
        # it), and the v2 context does.
        self.contexts.add(url)
        return {"contextUrl": None, "documentUrl": url, "document": _BUNDLED_CONTEXT}


def install_offline_context() -> None:
    # verify() builds a fresh loader from this module-level name on every call and ignores any loader
    # passed in its options, so the name itself is replaced.
    shipped.CachableDocumentLoader = OfflineContextLoader
    # Tasks called without options fall back to these defaults.
    utils.jsonld_use_cache["documentLoader"] = OfflineContextLoader(use_cache=True)
    utils.jsonld_no_cache["documentLoader"] = OfflineContextLoader(use_cache=False)
    jsonld.set_document_loader(OfflineContextLoader(use_cache=False))


def verify(url: str, email: str | None = None) -> dict[str, Any]:
    profile = {"email": email} if email is not None else None
    report: dict[str, Any] = shipped.verify(url, recipient_profile=profile)["report"]
    return report


def errors(report: dict[str, Any]) -> list[str]:
    return [str(m.get("result", "")) for m in report.get("messages", []) if m.get("messageLevel") == "ERROR"]


def main() -> None:
    plan = json.loads(sys.stdin.readline())
    install_offline_context()
    # Anything a library prints must not corrupt the JSON lines the benchmark reads.
    out, sys.stdout = sys.stdout, sys.stderr

    def report(phase: str, **figures: Any) -> None:
        out.write(json.dumps({"phase": phase, **figures}) + "\n")
        out.flush()
        sys.stdin.readline()

    for url in plan["warmup"]:
        verify(url)
    report("warmup")

    started = time.perf_counter()
    valid = [bool(verify(url)["valid"]) for url in plan["batch"]]
    report("batch", seconds=time.perf_counter() - started, valid=valid)

    seconds = []
    for url in plan["single"]:
        started = time.perf_counter()
        verify(url)
        seconds.append(time.perf_counter() - started)
    report("single", seconds=seconds)

    cases = []
    for case in plan["cases"]:
        outcome = verify(case["url"], case.get("email"))
        cases.append({"name": case["name"], "valid": bool(outcome["valid"]), "errors": errors(outcome)})
    report("cases", cases=cases, context_served_offline=OfflineContextLoader.served)


if __name__ == "__main__":
    main()
