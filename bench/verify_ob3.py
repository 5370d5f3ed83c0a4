"""Open Badges 3.0 verification benchmark (run through ``bench/verify.py --ob3``).

Measures, in a worker process of its own (so its RSS holds nothing but credcord):

- warm median verify time of one credential with an ``eddsa-rdfc-2022`` proof (target ≤ 7 ms), one with
  ``eddsa-jcs-2022`` (≤ 1 ms) and one EdDSA VC-JWT in the OB 3.0 form (the credential as the payload, with
  its registered claims; ≤ 1 ms), all from a did:key issuer, so no fetch;
- a Bitstring Status List check with the list already cached (≤ 1 ms);
- throughput on 1,000 OB3 credentials (eddsa-rdfc-2022) from 20 issuers, each a LocalServer on 127.0.0.1
  adding --latency-ms to every response, each credential fetched fresh from its URL and each issuer's
  controller document fetched once; with credcord's peak RSS (target ≤ 200 MB, as for Open Badges 2.0).

The peer is openbadgeslib (PyPI), which verifies OB 3.0 eddsa-rdfc-2022 credentials and VC-JWTs. It runs
after credcord, in a virtual environment of its own (``bench/crosscheck/.venv-openbadgeslib``, created with
``openbadgeslib[ldp]`` on first use; it needs the package registry once) through
``bench/crosscheck/openbadgeslib_peer.py``, on the very same three credentials and one credential of the
batch. Its warm medians and the ratio to credcord's are printed for the credentials it verifies; for the
others the bench prints the error openbadgeslib itself gave (checked on every run, not assumed).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.verify import Report, median_ms, run_phases, serve_phases, timed_batch  # noqa: E402
from bot.verification import Fetcher, FetchPolicy, Verifier  # noqa: E402
from bot.verification.vc.status import StatusChecker  # noqa: E402
from tests.support.http_server import LocalServer  # noqa: E402
from tests.support.issuer import NOW  # noqa: E402
from tests.support.vc import (  # noqa: E402
    DID_V1,
    MULTIKEY,
    OB3,
    VALID_FROM,
    VC_V2,
    bitstring,
    did_key,
    ed25519_key,
    email_identity,
    multikey,
    seconds,
    sign,
    sign_jwt,
)

TARGETS_MS = {"rdfc": 7.0, "jcs": 1.0, "jwt": 1.0, "status_cached": 1.0}
PEER_VENV = ROOT / "bench" / "crosscheck" / ".venv-openbadgeslib"
PEER_RUNNER = ROOT / "bench" / "crosscheck" / "openbadgeslib_peer.py"
PEER_VERSION = "4.6.3"
PEER_PROBE = (
    "import importlib.metadata, pyld, openbadgeslib.ob3;"
    f"assert importlib.metadata.version('openbadgeslib') == '{PEER_VERSION}'"
)
PEER = f"openbadgeslib {PEER_VERSION}"


def badge(issuer: str, number: int, **extra: Any) -> dict[str, Any]:
    return {
        "@context": [VC_V2, OB3],
        "id": f"urn:uuid:00000000-0000-4000-8000-{number:012d}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": f"Issuer {issuer[-12:]}"},
        "validFrom": VALID_FROM,
        "name": "Python Fundamentals",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [email_identity(f"learner{number}@example.org")],
            "achievement": {
                "id": "https://example.org/achievements/python",
                "type": ["Achievement"],
                "name": "Python Fundamentals",
                "description": "Writes, tests and packages small Python programs.",
                "criteria": {"narrative": "Pass the final project."},
            },
        },
        **extra,
    }


@contextmanager
def issuers(count: int, latency: float) -> Iterator[list[LocalServer]]:
    with ExitStack() as stack:
        servers = [stack.enter_context(LocalServer()) for _ in range(count)]
        for index, server in enumerate(servers):
            server.latency = latency
            issuer, key = server.url("/issuer"), ed25519_key(f"bench issuer {index}")
            server.route(
                "/issuer",
                {
                    "@context": [DID_V1, MULTIKEY],
                    "id": issuer,
                    "verificationMethod": [
                        {
                            "id": f"{issuer}#key-1",
                            "type": "Multikey",
                            "controller": issuer,
                            "publicKeyMultibase": multikey(key),
                        }
                    ],
                    "assertionMethod": [f"{issuer}#key-1"],
                },
            )
        yield servers


def publish(servers: list[LocalServer], count: int) -> tuple[list[str], list[dict[str, Any]]]:
    """Serve ``count`` signed credentials round-robin over the issuers: their URLs, and the credentials."""
    urls, credentials = [], []
    for number in range(count):
        index = number % len(servers)
        server = servers[index]
        issuer = server.url("/issuer")
        signed = sign(badge(issuer, number), ed25519_key(f"bench issuer {index}"), f"{issuer}#key-1")
        server.route(f"/credentials/{number}", signed)
        urls.append(server.url(f"/credentials/{number}"))
        credentials.append(signed)
    return urls, credentials


def offline_samples(status_url: str) -> dict[str, Any]:
    key = ed25519_key("bench did:key")
    did = did_key(key)
    method = f"{did}#{did.removeprefix('did:key:')}"
    entry = {
        "id": f"{status_url}#5",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "5",
        "statusListCredential": status_url,
    }
    listed = sign(
        {
            "@context": [VC_V2],
            "id": status_url,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": did,
            "validFrom": VALID_FROM,
            "credentialSubject": {
                "id": f"{status_url}#list",
                "type": "BitstringStatusList",
                "statusPurpose": "revocation",
                "encodedList": bitstring(9),
            },
        },
        key,
        method,
    )
    token = badge(did, 3)
    return {
        "rdfc": sign(badge(did, 1), key, method),
        "jcs": sign(badge(did, 2), key, method, suite="eddsa-jcs-2022"),
        "jwt": sign_jwt(
            {**token, "iss": did, "jti": token["id"], "nbf": seconds(VALID_FROM)}, key, kid=method
        ),
        "status_list": listed,
        "status_credential": badge(did, 4, credentialStatus=entry),
        "issuer": did,
    }


async def phases(plan: dict[str, Any], concurrency: int, report: Report) -> None:
    async with Fetcher(policy=FetchPolicy(allow_private_networks=True)) as fetcher:
        status = StatusChecker()
        verifier = Verifier(fetcher, clock=lambda: NOW, status=status)
        await timed_batch(verifier, plan["batch"], concurrency, report)

        samples: dict[str, list[float]] = {}
        offline = plan["offline"]
        for name in ("rdfc", "jcs", "jwt"):
            verdict = await verifier.verify(offline[name])
            assert verdict.reason == "verified", (name, verdict.message)
            samples[name] = []
            for _ in range(plan["samples"]):
                began = time.perf_counter()
                await verifier.verify(offline[name])
                samples[name].append(time.perf_counter() - began)

        async def verify_list(document: Any, session: Any) -> Any:
            return document  # verified once below through the verifier; here only the cached path is timed

        session = fetcher.session(8)
        credential, issuer = offline["status_credential"], offline["issuer"]
        first = await status.check(credential, issuer_id=issuer, session=session, verify_list=verify_list)
        assert first.state == "ok", first
        samples["status_cached"] = []
        for _ in range(plan["samples"]):
            began = time.perf_counter()
            await status.check(credential, issuer_id=issuer, session=session, verify_list=verify_list)
            samples["status_cached"].append(time.perf_counter() - began)
        report("single", seconds=samples)


def main(args: argparse.Namespace) -> None:
    with issuers(args.issuers, args.latency_ms / 1000) as servers:
        print(
            f"signing {args.assertions:,} eddsa-rdfc-2022 credentials for {args.issuers} issuers …",
            flush=True,
        )
        batch, credentials = publish(servers, args.assertions)
        status_url = servers[0].url("/status/1")
        offline = offline_samples(status_url)
        servers[0].route("/status/1", offline["status_list"])
        samples = 200 if not args.quick else 50
        plan = {"batch": batch, "offline": offline, "samples": samples}
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--worker",
            f"--concurrency={args.concurrency}",
        ]
        results = run_phases(command, plan, servers)
    batch_figures, single = results["batch"], results["single"]["seconds"]
    rate = len(batch) / batch_figures["seconds"]
    print(
        f"OB3 batch: {len(batch):,} credentials, {args.issuers} issuers, +{args.latency_ms:g} ms a response:"
        f" {batch_figures['seconds']:.2f} s, {rate:,.0f} credentials/s;"
        f" verdicts {dict(batch_figures['statuses'])}; issuer requests {batch_figures['issuer_requests']:,}"
    )
    peak = batch_figures["rss_peak_kb"] / 1024
    print(f"OB3 batch peak RSS: {peak:.0f} MB (target ≤ 200 MB) {'ok' if peak <= 200 else 'OVER'}")
    labels = {
        "rdfc": "eddsa-rdfc-2022 verify",
        "jcs": "eddsa-jcs-2022 verify",
        "jwt": "VC-JWT (EdDSA) verify",
        "status_cached": "Bitstring status check, list cached",
    }
    for name, label in labels.items():
        median = median_ms(single[name])
        verdict = "ok" if median <= TARGETS_MS[name] else "OVER"
        print(f"{label:<40} median {median:6.3f} ms (target ≤ {TARGETS_MS[name]:g} ms) {verdict}")
    peer_plan = {key: offline[key] for key in ("rdfc", "jcs", "jwt", "issuer")}
    print_peer(peer_run({**peer_plan, "samples": samples, "batch": credentials[0]}), single, labels)


def peer_python() -> Path:
    """openbadgeslib's interpreter, installing it in its own venv on first use."""
    python = PEER_VENV / "bin" / "python"
    if python.exists() and subprocess.run([python, "-c", PEER_PROBE], capture_output=True).returncode == 0:
        return python
    print(
        f"installing openbadgeslib[ldp]=={PEER_VERSION} into {PEER_VENV.relative_to(ROOT)} (once) …",
        flush=True,
    )
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", PEER_VENV], check=True)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, f"openbadgeslib[ldp]=={PEER_VERSION}"], check=True)
    subprocess.run([python, "-c", PEER_PROBE], check=True)
    return python


def peer_run(plan: dict[str, Any]) -> dict[str, Any]:
    finished = subprocess.run(
        [peer_python(), PEER_RUNNER],
        input=json.dumps(plan) + "\n",
        capture_output=True,
        text=True,
        check=False,
    )
    if finished.returncode != 0:
        sys.stderr.write(finished.stderr[-4000:])
        raise SystemExit(f"{PEER} failed (exit status {finished.returncode})")
    figures: dict[str, Any] = json.loads(finished.stdout)
    return figures


def print_peer(theirs: dict[str, Any], ours: dict[str, list[float]], labels: dict[str, str]) -> None:
    for name in ("rdfc", "jcs", "jwt"):
        result = theirs[name]
        if not result["verified"]:
            kind = labels[name].removesuffix(" verify")
            print(f"{PEER} cannot verify the {kind} credential: {result['error']}")
            continue
        peer, credcord = median_ms(result["seconds"]), median_ms(ours[name])
        print(
            f"{PEER + ' ' + labels[name]:<40} median {peer:6.3f} ms;"
            f" credcord {credcord:.3f} ms; ratio {PEER.split()[0]}/credcord {peer / credcord:.1f}"
        )
    batch = theirs["batch"]
    if batch["verified"]:
        print(f"{PEER} batch: not timed (it verifies a document handed to it; it does not fetch credentials)")
    else:
        print(f"{PEER} batch: not run, it refuses the batch's credentials: {batch['error']}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="200 credentials, 50 samples")
    parser.add_argument("--assertions", type=int, default=1000)
    parser.add_argument("--issuers", type=int, default=20)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.assertions = 200
    if arguments.worker:
        serve_phases(lambda plan, report: phases(plan, arguments.concurrency, report))
    else:
        main(arguments)
