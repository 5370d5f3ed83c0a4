"""Verification benchmark: credcord against the 1EdTech reference validator, on the same local issuers.

Serves 1,000 hosted Open Badges 2.0 Assertions from 20 issuers (one threaded HTTP server per issuer on
127.0.0.1, each response delayed by --latency-ms), then measures in the same run:

- batch throughput (Assertions verified per second) and warm single-verification latency (median of
  sequential verifications with the issuer and BadgeClass already seen, the Assertion fetched fresh), for
  credcord and for ``openbadges`` 1.1.2, plus their ratios;
- credcord's peak RSS during the batch;
- the verdicts both give on a few revocation, expiry, recipient and 404 cases, and whether credcord
  agrees with the reference validator wherever the reference validator is right.

Targets: throughput >= 20x the reference validator's, warm single verification <= 1/3 of its latency,
peak RSS of credcord's batch <= 200 MB.

    .venv/bin/python bench/verify.py            # the full run, about two minutes on two cores
    .venv/bin/python bench/verify.py --quick    # 200 Assertions, a smaller sample, well under a minute

How each side runs:

- credcord runs in its own process (this script with --credcord-worker), so its RSS holds nothing but
  credcord: ``Verifier(Fetcher(policy=FetchPolicy(allow_private_networks=True)))`` with the default
  ``FetchLimits`` (16 fetches in flight, 4 per host:port; change them with --max-concurrency and
  --max-per-host), verifying the batch with at most --concurrency verifications at once and a cold cache.
- The reference validator runs in its own virtual environment, ``bench/.peer-venv``, which this script
  creates on first use (``python -m venv`` and pip; it needs the package registry once) and reuses after.
  ``bench/verify_peer/runner.py`` calls its ``verify()`` as shipped, one badge after another: it has no
  concurrency of its own and none is added. Its JSON-LD loader is given the context bundled in the package,
  so it never fetches https://w3id.org/openbadges/v2. If it would take long, --peer-assertions limits it
  to the first N Assertions of the batch (the same interleaved order, every issuer included), and its
  throughput is that sample's.
- The issuer servers run in this process; the two sides run one after the other, never together.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.verification import Fetcher, FetchLimits, FetchPolicy, Status, Verifier  # noqa: E402
from tests.support.http_server import LocalServer  # noqa: E402

PEER_VENV = ROOT / "bench" / ".peer-venv"
PEER_RUNNER = ROOT / "bench" / "verify_peer" / "runner.py"
PEER_PACKAGE = "openbadges==1.1.2"
# openbadges 1.1.2 pins pycryptodome 3.6.6, python-jose 3.0.1 and pytz 2017.2; Python 3.11 needs newer ones,
# and pip cannot override a pin. So the package goes in without its dependencies, and they are installed
# from this list: its own pins, with those three replaced.
PEER_DEPENDENCIES = (
    "aniso8601>=1.2.0",
    "Click==6.7",
    "future==0.16.0",
    "jsonschema==2.6.0",
    "language-tags==0.4.3",
    "openbadges-bakery>=1.1.0",
    "pydux==0.2.2",
    "PyLD==0.7.1",
    "python-mimeparse==1.6.0",
    "requests>=2.13",
    "requests-cache==0.4.13",
    "rfc3986==0.4.1",
    "validators==0.11.2",
    "pycryptodome>=3.20",
    "python-jose==3.2.0",
    "pytz>=2023",
)
PEER_PROBE = (
    "import importlib.metadata, openbadges.verifier;"
    "assert importlib.metadata.version('openbadges') == '1.1.2'"
)

CONTEXT = "https://w3id.org/openbadges/v2"
EMAIL = "alice@example.org"
ISSUED_ON = "2025-01-15T10:00:00Z"
# A 1x1 grey PNG: the reference validator downloads every BadgeClass image.
BADGE_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNoAAAAggCBd81ytgAAAABJRU5ErkJggg=="
)

TARGET_THROUGHPUT_RATIO = 20.0
TARGET_LATENCY_RATIO = 1 / 3
TARGET_PEAK_RSS_MB = 200.0

Report = Callable[..., None]


@dataclass(frozen=True, slots=True)
class Case:
    """A badge whose right verdict is known: valid, or not."""

    name: str
    url: str
    email: str | None
    valid: bool


# The issuers


def identity(email: str) -> dict[str, Any]:
    salt = hashlib.sha256(email.encode()).hexdigest()[:8]
    digest = hashlib.sha256((email + salt).encode()).hexdigest()
    return {"type": "email", "hashed": True, "identity": f"sha256${digest}", "salt": salt}


def assertion(server: LocalServer, path: str, email: str, **extra: Any) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "type": "Assertion",
        "id": server.url(path),
        "recipient": identity(email),
        "badge": server.url("/badge"),
        "verification": {"type": "hosted"},
        "issuedOn": ISSUED_ON,
        "evidence": f"https://portfolio.example/{path.rsplit('/', 1)[-1]}",
        **extra,
    }


def publish_issuer(server: LocalServer, index: int) -> None:
    server.route(
        "/issuer",
        {
            "@context": CONTEXT,
            "type": "Issuer",
            "id": server.url("/issuer"),
            "name": f"Issuer {index}",
            "url": f"https://issuer{index}.example",
            "email": f"badges@issuer{index}.example",
        },
    )
    server.route(
        "/badge",
        {
            "@context": CONTEXT,
            "type": "BadgeClass",
            "id": server.url("/badge"),
            "name": f"Skill {index}",
            "description": "Designs, builds and ships a small web service.",
            "image": server.url("/badge.png"),
            "criteria": {"narrative": "Pass the capstone project."},
            "issuer": server.url("/issuer"),
            "alignment": [{"targetName": "Web development", "targetUrl": "https://example.org/web"}],
            "tags": ["web", "python"],
        },
    )
    server.route("/badge.png", BADGE_PNG, content_type="image/png")


def publish_assertions(servers: list[LocalServer], count: int) -> list[str]:
    """Assertion k lives on issuer k mod len(servers), so any prefix of the list spans every issuer."""
    urls = []
    for k in range(count):
        server, path = servers[k % len(servers)], f"/assertions/{k}"
        server.route(path, assertion(server, path, f"learner{k}@example.org"))
        urls.append(server.url(path))
    return urls


def publish_cases(server: LocalServer) -> list[Case]:
    def hosted(path: str, *, status: int = 200, **extra: Any) -> str:
        server.route(path, assertion(server, path, EMAIL, **extra), status=status)
        return server.url(path)

    server.route("/cases/gone-stripped", b"", status=410, content_type="")
    valid = hosted("/cases/valid")
    return [
        Case("valid, recipient matches", valid, EMAIL, valid=True),
        Case(
            "expired",
            hosted("/cases/expired", issuedOn="2024-01-15T10:00:00Z", expires="2024-07-15T10:00:00Z"),
            None,
            valid=False,
        ),
        Case(
            "revoked: HTTP 410 with the Assertion",
            hosted("/cases/gone", status=410, revocationReason="Issued in error"),
            None,
            valid=False,
        ),
        Case("revoked: HTTP 410, empty body", server.url("/cases/gone-stripped"), None, valid=False),
        Case(
            'revoked: 200 with "revoked": true',
            hosted("/cases/revoked", revoked=True, revocationReason="Issued in error"),
            None,
            valid=False,
        ),
        Case("wrong recipient", valid, "mallory@example.org", valid=False),
        Case("404 Assertion", server.url("/cases/missing"), None, valid=False),
    ]


@contextmanager
def issuer_servers(count: int, latency: float) -> Iterator[list[LocalServer]]:
    with ExitStack() as stack:
        servers = [stack.enter_context(LocalServer()) for _ in range(count)]
        for index, server in enumerate(servers):
            server.latency = latency
            publish_issuer(server, index)
        yield servers


# The two sides, each in its own process


def run_phases(command: list[str], plan: dict[str, Any], servers: list[LocalServer]) -> dict[str, Any]:
    """Run a side's process through its phases, adding the issuer requests each phase made."""
    results: dict[str, Any] = {}
    environment = {**os.environ, "NO_PROXY": "127.0.0.1"}
    # The reference validator logs a traceback for every badge it cannot read: shown only on failure.
    with (
        tempfile.TemporaryFile("w+") as errors,
        subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors, text=True, env=environment
        ) as child,
    ):
        assert child.stdin is not None and child.stdout is not None
        child.stdin.write(json.dumps(plan) + "\n")
        child.stdin.flush()
        seen = sum(len(server.requests) for server in servers)
        for line in child.stdout:
            phase = json.loads(line)
            requests = sum(len(server.requests) for server in servers)
            phase["issuer_requests"], seen = requests - seen, requests
            results[phase.pop("phase")] = phase
            child.stdin.write("\n")
            child.stdin.flush()
        child.wait()
        if child.returncode != 0:
            errors.seek(0)
            sys.stderr.write(errors.read()[-4000:])
            raise SystemExit(f"{' '.join(command)} failed with exit code {child.returncode}")
    return results


def serve_phases(phases: Callable[[dict[str, Any], Report], Awaitable[None]]) -> None:
    """Run as the child of ``run_phases``: read the plan, then report each phase and wait to go on."""
    plan = json.loads(sys.stdin.readline())

    def report(phase: str, **figures: Any) -> None:
        print(json.dumps({"phase": phase, **figures}), flush=True)
        sys.stdin.readline()

    asyncio.run(phases(plan, report))


async def timed_batch(verifier: Verifier, urls: list[str], concurrency: int, report: Report) -> None:
    """Verify ``urls`` at most ``concurrency`` at a time; report the wall time, statuses and memory."""
    gate = asyncio.Semaphore(concurrency)

    async def verify(url: str) -> Status:
        async with gate:
            return (await verifier.verify(url)).status

    rss_before = memory_kb("VmRSS")
    started = time.perf_counter()
    statuses = await asyncio.gather(*(verify(url) for url in urls))
    seconds = time.perf_counter() - started
    report(
        "batch",
        seconds=seconds,
        statuses=Counter(statuses),
        rss_before_kb=rss_before,
        rss_peak_kb=memory_kb("VmHWM"),
    )


async def credcord_phases(
    plan: dict[str, Any], limits: FetchLimits, concurrency: int, report: Report
) -> None:
    async with Fetcher(policy=FetchPolicy(allow_private_networks=True), limits=limits) as fetcher:
        verifier = Verifier(fetcher)
        await timed_batch(verifier, plan["batch"], concurrency, report)

        for url in plan["warmup"]:
            await verifier.verify(url)
        report("warmup")

        samples = []
        for url in plan["single"]:
            started = time.perf_counter()
            await verifier.verify(url)
            samples.append(time.perf_counter() - started)
        report("single", seconds=samples)

        # The floor under any warm verification: one round trip to the issuer, nothing verified.
        round_trips = []
        for url in plan["single"]:
            started = time.perf_counter()
            await fetcher.fetch(url)
            round_trips.append(time.perf_counter() - started)
        report("round_trip", seconds=round_trips)

        cases = []
        for case in plan["cases"]:
            verdict = await verifier.verify(case["url"], emails=[case["email"]] if case["email"] else ())
            cases.append({"name": case["name"], "status": verdict.status, "reason": verdict.reason})
        report("cases", cases=cases)


def memory_kb(field: str) -> int:
    """A ``/proc/self/status`` memory figure in kB: VmRSS is the resident size now, VmHWM its peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} is not in /proc/self/status (this benchmark measures memory on Linux)")


def peer_python() -> Path:
    """The reference validator's interpreter, installing it in its own venv on first use."""
    python = PEER_VENV / "bin" / "python"
    if python.exists() and subprocess.run([python, "-c", PEER_PROBE], capture_output=True).returncode == 0:
        return python
    print(
        f"installing {PEER_PACKAGE} into {PEER_VENV.relative_to(ROOT)} (once); pip will report that"
        " openbadges pins older pycryptodome, python-jose and pytz: expected, see PEER_DEPENDENCIES …",
        flush=True,
    )
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", PEER_VENV], check=True)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--no-deps", PEER_PACKAGE], check=True)
    subprocess.run([*pip, *PEER_DEPENDENCIES], check=True)
    subprocess.run([python, "-c", PEER_PROBE], check=True)
    return python


# The report


def verdict_word(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def row(label: str, ours: str, theirs: str, note: str = "") -> None:
    print(f"  {label:<42} {ours:>10} {theirs:>18}{note}")


def print_figures(ours: dict[str, Any], theirs: dict[str, Any], batch: int, peer_batch: int) -> None:
    our_rate = batch / ours["batch"]["seconds"]
    their_rate = peer_batch / theirs["batch"]["seconds"]
    our_single, their_single = median_ms(ours["single"]["seconds"]), median_ms(theirs["single"]["seconds"])
    singles = len(ours["single"]["seconds"])
    rate_ratio, latency_ratio = our_rate / their_rate, our_single / their_single
    peak_mb, before_mb = ours["batch"]["rss_peak_kb"] / 1024, ours["batch"]["rss_before_kb"] / 1024
    sample = "" if peer_batch == batch else f"  (first {peer_batch:,}; all {batch:,} would take"
    sample += "" if peer_batch == batch else f" {batch / their_rate:.0f} s)"

    print()
    row("", "credcord", "openbadges 1.1.2")
    row("Assertions verified in the batch", f"{batch:,}", f"{peer_batch:,}")
    row("batch wall time (s)", f"{ours['batch']['seconds']:.2f}", f"{theirs['batch']['seconds']:.2f}")
    row("batch throughput (Assertions/s)", f"{our_rate:.1f}", f"{their_rate:.1f}", sample)
    row(f"warm single verification, median of {singles} (ms)", f"{our_single:.1f}", f"{their_single:.1f}")
    row(
        "issuer requests per verification, batch",
        *(
            f"{side['batch']['issuer_requests'] / count:.2f}"
            for side, count in ((ours, batch), (theirs, peer_batch))
        ),
    )
    row(
        "issuer requests per verification, warm",
        *(f"{side['single']['issuer_requests'] / singles:.2f}" for side in (ours, theirs)),
    )
    round_trip = median_ms(ours["round_trip"]["seconds"])
    print(f"  one issuer round trip through credcord's Fetcher, nothing verified: median {round_trip:.1f} ms")
    statuses = ", ".join(f"{status} {count:,}" for status, count in ours["batch"]["statuses"].items())
    print(
        f"  batch verdicts: credcord {statuses}; openbadges 1.1.2 valid"
        f" {sum(theirs['batch']['valid']):,} of {peer_batch:,}"
    )
    print(
        "  openbadges 1.1.2 JSON-LD context loads answered from its bundled copy:"
        f" {theirs['cases']['context_served_offline']:,}"
    )

    print()
    print(
        f"  throughput: {rate_ratio:.1f}x the reference validator's (target >= {TARGET_THROUGHPUT_RATIO:g}x)"
        f"  {verdict_word(rate_ratio >= TARGET_THROUGHPUT_RATIO)}"
    )
    print(
        f"  warm single verification: {latency_ratio:.2f} of its latency (target <= 1/3 = "
        f"{TARGET_LATENCY_RATIO:.2f})  {verdict_word(latency_ratio <= TARGET_LATENCY_RATIO)}"
    )
    print(
        f"  credcord peak RSS during the batch: {peak_mb:.0f} MB (target <= {TARGET_PEAK_RSS_MB:g} MB)"
        f"  {verdict_word(peak_mb <= TARGET_PEAK_RSS_MB)}"
    )
    print(
        "    (the peak is VmHWM of the worker process, which holds only credcord; it was"
        f" {before_mb:.0f} MB after imports,\n    before the batch; the issuer servers and the peer run in"
        " other processes)"
    )


def print_agreement(cases: list[Case], ours: list[dict[str, Any]], theirs: list[dict[str, Any]]) -> None:
    print("\nverdicts on known cases (right = valid for the good badge, not valid for the others):")
    print(f"  {'case':<37} {'openbadges 1.1.2':<20} {'credcord':<38} agrees")
    peer_right = agreed = credcord_right = 0
    for case, mine, peer in zip(cases, ours, theirs, strict=True):
        peer_ok = peer["valid"] == case.valid
        mine_ok = (mine["status"] == Status.VALID) == case.valid
        credcord_right += mine_ok
        peer_text = f"{'valid' if peer['valid'] else 'not valid'} ({'right' if peer_ok else 'WRONG'})"
        mine_text = f"{mine['status']} {mine['reason']} ({'right' if mine_ok else 'WRONG'})"
        if peer_ok:
            peer_right += 1
            agreed += mine_ok
            agreement = "yes" if mine_ok else "NO"
        else:
            agreement = "(peer wrong)"
        print(f"  {case.name:<37} {peer_text:<20} {mine_text:<38} {agreement}")
    print(
        f"  credcord agrees with openbadges 1.1.2 on {agreed} of the {peer_right} cases it gets right;"
        f" right overall: credcord {credcord_right}/{len(cases)}, openbadges 1.1.2 {peer_right}/{len(cases)}"
    )
    print("  openbadges 1.1.2's first error per case:")
    for case, peer in zip(cases, theirs, strict=True):
        first = peer["errors"][0] if peer["errors"] else "(none: reported valid)"
        print(f"    {case.name}: {first[:110]}")


def main(args: argparse.Namespace) -> None:
    limits = FetchLimits(max_concurrency=args.max_concurrency, max_per_host=args.max_per_host)
    python = peer_python()
    with issuer_servers(args.issuers, args.latency_ms / 1000) as servers:
        batch = publish_assertions(servers, args.assertions)
        peer_batch = batch[: args.peer_assertions]
        cases = publish_cases(servers[0])
        plan = {
            # One Assertion per issuer: credcord caches each issuer's Profile and BadgeClass; the peer
            # caches nothing between verify() calls, so for it this only warms the interpreter.
            "warmup": batch[: args.issuers],
            "single": batch[: args.single],
            "cases": [{"name": c.name, "url": c.url, "email": c.email} for c in cases],
        }
        print(
            f"issuers: {args.issuers} LocalServers on 127.0.0.1, one per issuer (so one host:port each),"
            f" +{args.latency_ms:g} ms a response; {len(batch):,} hosted OB2 Assertions (issuers interleaved)"
        )
        print(
            f"credcord: its own process; Fetcher with FetchLimits(max_concurrency={limits.max_concurrency},"
            f" max_per_host={limits.max_per_host}); batch under asyncio.Semaphore({args.concurrency});"
            " cache cold at the start …",
            flush=True,
        )
        worker = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--credcord-worker",
            f"--max-concurrency={args.max_concurrency}",
            f"--max-per-host={args.max_per_host}",
            f"--concurrency={args.concurrency}",
        ]
        ours = run_phases(worker, {**plan, "batch": batch}, servers)
        print(
            f"openbadges 1.1.2: its own venv ({PEER_VENV.relative_to(ROOT)}); verify() as shipped, one badge"
            f" after another (it has no concurrency of its own; none added); {len(peer_batch):,} Assertions"
            f"{'' if len(peer_batch) == len(batch) else ', the first of the batch'} …",
            flush=True,
        )
        theirs = run_phases([str(python), str(PEER_RUNNER)], {**plan, "batch": peer_batch}, servers)

    print_figures(ours, theirs, len(batch), len(peer_batch))
    print_agreement(cases, ours["cases"]["cases"], theirs["cases"]["cases"])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="200 Assertions, 20 warm samples, peer on 50")
    parser.add_argument("--assertions", type=int, default=1000)
    parser.add_argument("--issuers", type=int, default=20)
    parser.add_argument("--latency-ms", type=float, default=20.0, help="added to every issuer response")
    parser.add_argument("--concurrency", type=int, default=64, help="credcord verifications in flight")
    parser.add_argument("--max-concurrency", type=int, default=FetchLimits().max_concurrency)
    parser.add_argument("--max-per-host", type=int, default=FetchLimits().max_per_host)
    parser.add_argument("--single", type=int, default=50, help="sequential warm verifications per side")
    parser.add_argument(
        "--peer-assertions", type=int, default=1000, help="the first N of the batch for openbadges 1.1.2"
    )
    parser.add_argument("--credcord-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--ob3", action="store_true", help="the Open Badges 3.0 figures (bench/verify_ob3.py)"
    )
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.assertions, arguments.single, arguments.peer_assertions = 200, 20, 50
    if arguments.ob3:
        # Its own script, so its worker process and flags stay separate from the OB2 comparison.
        command = [sys.executable, str(ROOT / "bench" / "verify_ob3.py")]
        command += ["--quick"] if arguments.quick else []
        raise SystemExit(subprocess.call(command))
    if arguments.credcord_worker:
        limits = FetchLimits(max_concurrency=arguments.max_concurrency, max_per_host=arguments.max_per_host)
        serve_phases(lambda plan, report: credcord_phases(plan, limits, arguments.concurrency, report))
    else:
        main(arguments)
