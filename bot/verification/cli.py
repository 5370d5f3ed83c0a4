"""``credcord verify``: verify Open Badges from the command line, without Discord.

    credcord verify SOURCE [--email E]... [--json] [--now ISO8601] [--allow-private-network] [--timeout S]
    credcord verify --batch FILE [--concurrency N] [--json] [--email E]... [--now ISO8601] ...

SOURCE is a badge URL, a file holding badge JSON, a JWS or a baked PNG/SVG image, or ``-`` for standard
input. A batch FILE lists one source per line (blank lines and ``#`` comments are skipped). Exit status:
0 when every verdict is VALID, 1 otherwise, 2 for usage errors. Provider rules added in the config file
(``--config``, else ./config.toml when it exists) apply as they do in the bot.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from bot.config import DEFAULT_CONFIG_PATH, load_config
from bot.errors import ConfigError
from bot.verification.fetcher import Fetcher, FetchLimits, FetchPolicy
from bot.verification.providers import Providers
from bot.verification.verdict import Check, Status, Verdict
from bot.verification.verifier import MAX_INPUT_BYTES, Verifier

_PROGRAM = "credcord verify"


class _UsageError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class _Options:
    emails: tuple[str, ...]
    as_json: bool
    now: datetime | None
    allow_private_network: bool
    timeout: float
    concurrency: int
    providers: Providers


def add_verify_command(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``verify`` on the ``credcord`` command line."""
    parser = subparsers.add_parser(
        "verify",
        help="verify an Open Badge and print the verdict",
        description="Verify Open Badges 2.0 badges (hosted, signed or baked into PNG/SVG) and Open "
        "Badges 3.0 / Verifiable Credentials (Data Integrity proofs or VC-JWT, also baked) and print "
        "the verdict. "
        "Provider rules in the config file (--config, else ./config.toml) apply as in the bot. "
        "Exit status: 0 if every badge is VALID, 1 otherwise, 2 for usage errors.",
    )
    parser.add_argument(
        "source",
        nargs="?",
        metavar="SOURCE",
        help="a badge URL, a file (JSON, JWS, PNG or SVG), or - to read standard input",
    )
    parser.add_argument(
        "--email",
        action="append",
        default=[],
        metavar="E",
        help="an email address the badge must be issued to (repeatable)",
    )
    parser.add_argument("--json", action="store_true", help="print verdicts as JSON")
    parser.add_argument("--now", metavar="ISO8601", help="judge dates as of this instant (default: now)")
    parser.add_argument(
        "--allow-private-network",
        action="store_true",
        help="also fetch from loopback and private addresses, on any port (local testing only)",
    )
    parser.add_argument(
        "--timeout", type=float, default=15.0, metavar="S", help="deadline per fetch in seconds (default 15)"
    )
    parser.add_argument("--batch", type=Path, metavar="FILE", help="verify every source listed in FILE")
    parser.add_argument(
        "--concurrency", type=int, default=8, metavar="N", help="verifications at once in a batch (default 8)"
    )
    parser.add_argument("--config", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    parser.set_defaults(handler=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    """Handle ``credcord verify``; returns the exit status."""
    try:
        options, target = _options(args)
        if isinstance(target, Path):
            return asyncio.run(_run_batch(options, _batch_sources(target)))
        return asyncio.run(_run_single(options, _read_source(target, usage=True)))
    except _UsageError as error:
        print(f"{_PROGRAM}: {error}", file=sys.stderr)
        return 2


def _options(args: argparse.Namespace) -> tuple[_Options, str | Path]:
    """The validated options, and SOURCE (a string) or the batch file (a Path)."""
    if (args.source is None) == (args.batch is None):
        raise _UsageError("give either SOURCE or --batch FILE")
    if not args.timeout > 0:
        raise _UsageError("--timeout must be a positive number of seconds")
    if args.concurrency < 1:
        raise _UsageError("--concurrency must be at least 1")
    now = None
    if args.now is not None:
        try:
            now = datetime.fromisoformat(args.now)
        except ValueError:
            raise _UsageError(f"--now {args.now!r} is not an ISO 8601 date-time") from None
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
    options = _Options(
        emails=tuple(args.email),
        as_json=args.json,
        now=now,
        allow_private_network=args.allow_private_network,
        timeout=args.timeout,
        concurrency=args.concurrency,
        providers=_providers(getattr(args, "config", None)),
    )
    return options, args.batch if args.batch is not None else args.source


def _providers(path: Path | None) -> Providers:
    """The bundled provider table with the config file's own rules in front."""
    if path is None and DEFAULT_CONFIG_PATH.exists():
        path = DEFAULT_CONFIG_PATH
    if path is None:
        return Providers.bundled()
    try:
        rules = load_config(path, os.environ).verification.providers
    except ConfigError as error:
        raise _UsageError(str(error)) from None
    return Providers.bundled().with_rules(rules)


def _batch_sources(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise _UsageError(f"cannot read {path}: {error}") from None
    sources = [line.strip() for line in text.splitlines()]
    sources = [line for line in sources if line and not line.startswith("#")]
    if not sources:
        raise _UsageError(f"{path} lists no sources")
    return sources


def _read_source(source: str, *, usage: bool) -> str | bytes:
    """A URL as text, or the bytes of a file or standard input (capped just past the verifier's limit)."""
    if source.lower().startswith(("http://", "https://")):
        return source
    if source == "-":
        return sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
    try:
        with open(source, "rb") as file:
            return file.read(MAX_INPUT_BYTES + 1)
    except OSError as error:
        if usage:
            raise _UsageError(f"cannot read {source}: {error.strerror or error}") from None
        raise


def _fetcher(options: _Options) -> Fetcher:
    if options.allow_private_network:
        print(
            f"{_PROGRAM}: warning: loopback and private addresses may be fetched (--allow-private-network)",
            file=sys.stderr,
        )
    defaults = FetchLimits()
    limits = FetchLimits(
        connect_timeout=min(defaults.connect_timeout, options.timeout),
        read_timeout=min(defaults.read_timeout, options.timeout),
        total_timeout=options.timeout,
        max_concurrency=max(defaults.max_concurrency, options.concurrency),
    )
    return Fetcher(policy=FetchPolicy(allow_private_networks=options.allow_private_network), limits=limits)


async def _run_single(options: _Options, source: str | bytes) -> int:
    async with _fetcher(options) as fetcher:
        verifier = Verifier(fetcher, providers=options.providers)
        verdict = await verifier.verify(source, emails=options.emails, now=options.now)
    if options.as_json:
        print(json.dumps(verdict.to_json()))
    else:
        _print_report(verdict, sys.stdout)
    return 0 if verdict.status is Status.VALID else 1


async def _run_batch(options: _Options, sources: Sequence[str]) -> int:
    progress = _Progress(len(sources), sys.stderr) if sys.stderr.isatty() else None
    slots = asyncio.Semaphore(options.concurrency)
    async with _fetcher(options) as fetcher:
        verifier = Verifier(fetcher, providers=options.providers)

        async def verify(source: str) -> Verdict:
            async with slots:
                try:
                    data = _read_source(source, usage=False)
                except OSError as error:
                    verdict = _unreadable(source, error)
                else:
                    verdict = await verifier.verify(data, emails=options.emails, now=options.now)
            if progress is not None:
                progress.advance()
            return verdict

        tasks = [asyncio.create_task(verify(source)) for source in sources]
        verdicts: list[Verdict] = []
        for source, task in zip(sources, tasks, strict=True):
            verdict = await task
            verdicts.append(verdict)
            if options.as_json:
                print(json.dumps({"source": source, **verdict.to_json()}), flush=True)
    if progress is not None:
        progress.finish()
    if not options.as_json:
        _print_summary(sources, verdicts, sys.stdout)
    return 0 if all(verdict.status is Status.VALID for verdict in verdicts) else 1


def _unreadable(source: str, error: OSError) -> Verdict:
    message = f"The file {source} cannot be read: {error.strerror or error}."
    return Verdict(
        status=Status.UNVERIFIABLE,
        format=None,
        reason="unreadable_source",
        message=message,
        checks=(Check("source", False, message),),
        credential=None,
        issuer=None,
        recipient=None,
    )


class _Progress:
    """A one-line progress bar redrawn in place on a terminal."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self._total = total
        self._done = 0
        self._stream = stream
        self._draw()

    def advance(self) -> None:
        self._done += 1
        self._draw()

    def finish(self) -> None:
        self._stream.write("\n")
        self._stream.flush()

    def _draw(self) -> None:
        width = 30
        filled = width * self._done // self._total
        self._stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self._done}/{self._total}")
        self._stream.flush()


def _marks(stream: TextIO) -> dict[bool | None, str]:
    try:
        "✓✗–".encode(stream.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return {True: "+", False: "x", None: "-"}
    return {True: "✓", False: "✗", None: "–"}


def _print_report(verdict: Verdict, stream: TextIO) -> None:
    lines = [f"{verdict.status.value}: {verdict.message}", f"  format:    {verdict.format or '-'}"]
    lines.append(f"  reason:    {verdict.reason}")
    if verdict.issuer is not None:
        issuer = verdict.issuer
        contact = " ".join(part for part in (issuer.email and f"<{issuer.email}>", issuer.url) if part)
        lines.append(f"  issuer:    {issuer.name or '-'} {contact}".rstrip())
    if verdict.credential is not None:
        credential = verdict.credential
        lines.append(f"  badge:     {credential.name or '-'}")
        lines.append(f"  id:        {credential.id or '-'}")
        issued = credential.issued_on.isoformat() if credential.issued_on else "-"
        expires = credential.expires.isoformat() if credential.expires else "never"
        lines.append(f"  issued:    {issued}  (expires: {expires})")
        if credential.skills:
            lines.append(f"  skills:    {', '.join(credential.skills)}")
    if verdict.recipient is not None:
        recipient = verdict.recipient
        matched = {True: "matches", False: "does not match", None: "not compared"}[recipient.matched]
        hashed = "hashed" if recipient.hashed else "plaintext"
        lines.append(f"  recipient: {recipient.identity_type} ({hashed}), {matched}")
    marks = _marks(stream)
    width = max((len(check.name) for check in verdict.checks), default=0)
    lines.append("  checks:")
    lines += [f"    {marks[c.ok]} {c.name.ljust(width)}  {c.detail}" for c in verdict.checks]
    stream.write("\n".join(lines) + "\n")


def _print_summary(sources: Sequence[str], verdicts: Sequence[Verdict], stream: TextIO) -> None:
    counts = Counter(verdict.status for verdict in verdicts)
    lines = [f"{'STATUS':<14} {'COUNT':>5}"]
    lines += [f"{status.value:<14} {counts[status]:>5}" for status in Status if counts[status]]
    lines.append(f"{'TOTAL':<14} {len(verdicts):>5}")
    failures = [
        (source, verdict)
        for source, verdict in zip(sources, verdicts, strict=True)
        if verdict.status is not Status.VALID
    ]
    if failures:
        lines.append("")
        lines += [f"{verdict.status.value:<14} {verdict.reason:<22} {source}" for source, verdict in failures]
    stream.write("\n".join(lines) + "\n")
