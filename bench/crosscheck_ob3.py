"""Cross-check credcord's Open Badges 3.0 verdicts with an independent implementation.

Signs fixtures at run time with tests/support/vc.py (valid, tampered after signing, an undefined term
added, an expired credential, a wrong key, and the official 1EdTech eddsa-rdfc-2022 vector), verifies
each with credcord's ``Verifier`` and with Digital Bazaar's JavaScript verifier (@digitalbazaar/vc with
the eddsa-rdfc-2022 and eddsa-jcs-2022 cryptosuites, pinned in bench/crosscheck/package.json) run by
Node, and prints fixture → credcord verdict → JS verdict → agree. Exits 1 on any disagreement.

Nothing touches the network: credcord resolves did:key offline and fetches controller documents from
two 127.0.0.1 servers; the Node side gets a static document loader over credcord's vendored contexts
(bot/verification/contexts/, hashes checked), derives did:key documents from the keys, and is handed the
same controller documents. ``npm ci`` runs in bench/crosscheck/ when node_modules is missing.

    PYTHONPATH=. python bench/crosscheck_ob3.py
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.verification.verdict import Status  # noqa: E402
from tests.support.issuer import NOW  # noqa: E402
from tests.support.vc import (  # noqa: E402
    DATA_INTEGRITY,
    DID_V1,
    MULTIKEY,
    VcWorld,
    did_key,
    ed25519_key,
    sign,
    vc_world,
    when,
)

NODE_PROJECT = ROOT / "bench" / "crosscheck"
CONTEXTS = ROOT / "bot" / "verification" / "contexts"
VECTOR = ROOT / "tests" / "data" / "ob3-vector" / "credential.json"
VECTOR_CONTROLLER = "https://example.edu/issuers/565049"


@dataclass(frozen=True, slots=True)
class Fixture:
    name: str
    credential: dict[str, Any]


def changed(credential: dict[str, Any], *path: str, value: Any) -> dict[str, Any]:
    """A deep copy of ``credential`` with the value at ``path`` replaced (added if missing)."""
    copy: dict[str, Any] = json.loads(json.dumps(credential))
    node = copy
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return copy


def with_extra_space(text: str) -> str:
    return text.replace(" ", "  ", 1)


def fixtures(world: VcWorld) -> tuple[list[Fixture], dict[str, Any]]:
    """The signed fixtures, and the controller documents the Node side may load."""
    key = ed25519_key("crosscheck did:key")
    did = did_key(key)
    method = f"{did}#{did.removeprefix('did:key:')}"
    achievement = ("credentialSubject", "achievement")
    narrative = world.badge()["credentialSubject"]["achievement"]["criteria"]["narrative"]

    rdfc = sign(world.badge(issuer=did), key, method)
    jcs = sign(world.badge(issuer=did), key, method, suite="eddsa-jcs-2022")
    vc11 = sign(world.badge(issuer=did, version="1.1", contexts=(DATA_INTEGRITY,)), key, method)
    hosted = world.sign(world.badge())
    vector: dict[str, Any] = json.loads(VECTOR.read_text())
    made = [
        Fixture("rdfc valid (did:key)", rdfc),
        Fixture(
            "rdfc tampered: achievement name", changed(rdfc, *achievement, "name", value="Python Mastery")
        ),
        Fixture(
            "rdfc tampered: extra space in narrative",
            changed(rdfc, *achievement, "criteria", "narrative", value=with_extra_space(narrative)),
        ),
        Fixture("rdfc undefined term added", changed(rdfc, "favouriteColour", value="green")),
        Fixture("rdfc signed by another key", sign(world.badge(issuer=did), world.other_key, method)),
        Fixture(
            "rdfc expired (validUntil past)",
            sign(world.badge(issuer=did, validUntil=when(-30)), key, method),
        ),
        Fixture("rdfc VC 1.1 shape (did:key)", vc11),
        Fixture("rdfc valid (https controller document)", hosted),
        Fixture("rdfc official 1EdTech vector", vector),
        Fixture(
            "rdfc official vector, name changed",
            changed(vector, *achievement, "name", value="Teamwork!"),
        ),
        Fixture("jcs valid (did:key)", jcs),
        Fixture("jcs tampered: achievement name", changed(jcs, *achievement, "name", value="Python Mastery")),
        Fixture(
            "jcs tampered: extra space in narrative",
            changed(jcs, *achievement, "criteria", "narrative", value=with_extra_space(narrative)),
        ),
        Fixture(
            "jcs proof @context not the credential's",
            changed(jcs, "proof", "@context", value=["https://www.w3.org/2018/credentials/v1"]),
        ),
    ]
    vector_method = vector["proof"]["verificationMethod"]
    vector_controller = {
        "@context": [DID_V1, MULTIKEY],
        "id": VECTOR_CONTROLLER,
        "verificationMethod": [
            {
                "id": vector_method,
                "type": "Multikey",
                "controller": VECTOR_CONTROLLER,
                "publicKeyMultibase": vector_method.partition("#")[2],
            }
        ],
        "assertionMethod": [vector_method],
    }
    world.home.route("/issuers/565049", vector_controller)
    documents = {world.issuer: world.profile(), VECTOR_CONTROLLER: vector_controller}
    return made, documents


async def credcord_verdicts() -> tuple[list[Fixture], dict[str, Any], dict[str, tuple[Status, str]]]:
    async with vc_world() as world:
        made, documents = fixtures(world)
        verdicts = {}
        for fixture in made:
            verdict = await world.verifier.verify(fixture.credential)
            verdicts[fixture.name] = (verdict.status, verdict.reason)
    return made, documents, verdicts


def node_verdicts(made: list[Fixture], documents: dict[str, Any]) -> dict[str, dict[str, Any]]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        raise SystemExit("the cross-check needs node (20 or later) and npm on PATH")
    if not (NODE_PROJECT / "node_modules").is_dir():
        install = [npm, "ci" if (NODE_PROJECT / "package-lock.json").exists() else "install"]
        subprocess.run([*install, "--no-audit", "--no-fund"], cwd=NODE_PROJECT, check=True)
    plan = {
        "now": NOW.isoformat().replace("+00:00", "Z"),
        "documents": documents,
        "fixtures": [{"name": fixture.name, "credential": fixture.credential} for fixture in made],
    }
    finished = subprocess.run(
        [node, "verify.mjs", str(CONTEXTS)],
        cwd=NODE_PROJECT,
        input=json.dumps(plan),
        capture_output=True,
        text=True,
        check=False,
    )
    if finished.returncode != 0:
        raise SystemExit(f"the Node verifier failed:\n{finished.stderr.strip()}")
    results = [json.loads(line) for line in finished.stdout.splitlines() if line.strip()]
    return {result["name"]: result for result in results}


def main() -> int:
    made, documents, ours = asyncio.run(credcord_verdicts())
    theirs = node_verdicts(made, documents)
    width = max(len(fixture.name) for fixture in made)
    print(f"{'fixture':<{width}}  {'credcord':<34}  {'Digital Bazaar (JS)':<19}  agree")
    disagreements = 0
    for fixture in made:
        status, reason = ours[fixture.name]
        result = theirs.get(fixture.name)
        verified = None if result is None else bool(result["verified"])
        agree = verified is not None and (status is Status.VALID) == verified
        disagreements += not agree
        js = "missing" if result is None else "verified" if verified else "not verified"
        ours_text = f"{status.value} {reason}"
        print(f"{fixture.name:<{width}}  {ours_text:<34}  {js:<19}  {'yes' if agree else 'NO'}")
    for fixture in made:
        result = theirs.get(fixture.name)
        if result is not None and result["error"]:
            print(f"  JS on {fixture.name}: {result['error']}")
    print(f"{len(made) - disagreements}/{len(made)} fixtures agree")
    return 1 if disagreements else 0


if __name__ == "__main__":
    raise SystemExit(main())
