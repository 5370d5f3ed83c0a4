"""openbadgeslib's Open Badges 3.0 verifiers, timed on bench/verify_ob3.py's own credentials.

Runs in its own virtual environment (bench/verify_ob3.py creates it with ``openbadgeslib[ldp]``), so it
imports nothing of credcord's. Reads one JSON line::

    {"samples": 200, "issuer": "did:key:…", "rdfc": {…}, "jcs": {…}, "jwt": "eyJ…", "batch": {…}}

verifies each credential once as openbadgeslib is documented to be used (``OB3LdpVerifier`` for Data
Integrity proofs, resolving the did:key offline; ``OB3Verifier.for_issuer_did`` for VC-JWTs), and times
``samples`` more verifications of the ones it accepts with the same verifier objects (warm). Prints one
JSON line: ``{name: {"verified": bool, "error": str | null, "seconds": [...]}}``.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any

from openbadgeslib.ob3 import OB3LdpVerifier, OB3VerificationError, OB3Verifier


def measure(verify: Callable[[], object], samples: int) -> dict[str, Any]:
    try:
        verify()
    except OB3VerificationError as error:
        return {"verified": False, "error": str(error)[:300], "seconds": []}
    seconds = []
    for _ in range(samples):
        began = time.perf_counter()
        verify()
        seconds.append(time.perf_counter() - began)
    return {"verified": True, "error": None, "seconds": seconds}


def main() -> None:
    plan = json.loads(sys.stdin.readline())
    samples = plan["samples"]
    data_integrity = OB3LdpVerifier()
    jwt = OB3Verifier.for_issuer_did(plan["issuer"])
    results = {
        "rdfc": measure(lambda: data_integrity.verify(plan["rdfc"]), samples),
        "jcs": measure(lambda: data_integrity.verify(plan["jcs"]), samples),
        "jwt": measure(lambda: jwt.verify(plan["jwt"]), samples),
        "batch": measure(lambda: OB3LdpVerifier().verify(plan["batch"]), 0),
    }
    print(json.dumps(results))


if __name__ == "__main__":
    main()
