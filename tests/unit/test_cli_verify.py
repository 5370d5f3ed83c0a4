"""``credcord verify``: sources, output formats, exit codes and batches, against a real local issuer."""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.verification.cli import add_verify_command
from tests.support.issuer import EMAIL, IssuerWorld, itxt, png, served_issuer, sign_rs256

PRIVATE = "--allow-private-network"


@pytest.fixture
def world() -> Iterator[IssuerWorld]:
    with served_issuer() as world:
        yield world


def cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="credcord")
    add_verify_command(parser.add_subparsers())
    args = parser.parse_args(["verify", *argv])
    code: int = args.handler(args)
    return code


def json_output(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    result: dict[str, Any] = json.loads(out)
    return result


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_valid_url_exits_zero_with_the_verdict_as_json(
    world: IssuerWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    url = world.host(world.assertion())

    assert cli(url, "--json", PRIVATE, "--email", "someone@else.org", "--email", EMAIL) == 0

    captured = capsys.readouterr()
    verdict = json.loads(captured.out)
    assert list(verdict) == [
        "status",
        "format",
        "reason",
        "message",
        "checks",
        "credential",
        "issuer",
        "recipient",
    ]
    assert (verdict["status"], verdict["format"], verdict["reason"]) == ("VALID", "ob2-hosted", "verified")
    assert verdict["credential"]["issued_on"] == "2025-01-15T10:00:00+00:00"
    assert verdict["recipient"] == {"identity_type": "email", "hashed": True, "matched": True}
    assert verdict["checks"][0] == {"name": "source", "ok": True, "detail": f"the input holds the URL {url}"}
    assert "--allow-private-network" in captured.err


def test_private_address_is_refused_without_the_flag(
    world: IssuerWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    url = world.host(world.assertion())

    assert cli(url, "--json") == 1

    assert json_output(capsys)["reason"] == "private_address"
    assert world.home.requests == []


def test_recipient_mismatch_exits_one(world: IssuerWorld, capsys: pytest.CaptureFixture[str]) -> None:
    url = world.host(world.assertion())

    assert cli(url, "--json", PRIVATE, "--email", "bob@example.org") == 1

    assert json_output(capsys)["reason"] == "recipient_mismatch"


def test_now_judges_dates_at_that_instant(world: IssuerWorld, capsys: pytest.CaptureFixture[str]) -> None:
    url = world.host(world.assertion(issuedOn="2000-01-01T00:00:00Z", expires="2001-01-01T00:00:00Z"))

    assert cli(url, "--json", PRIVATE, "--now", "2000-06-01T00:00:00Z") == 0
    assert json_output(capsys)["status"] == "VALID"
    assert cli(url, "--json", PRIVATE) == 1
    assert json_output(capsys)["status"] == "EXPIRED"
    assert cli(url, "--json", PRIVATE, "--now", "2000-06-01T00:00:00") == 0  # no zone: UTC
    capsys.readouterr()


def test_readable_report(world: IssuerWorld, capsys: pytest.CaptureFixture[str]) -> None:
    url = world.host(world.assertion(expires="2001-01-01T00:00:00Z"))

    assert cli(url, PRIVATE, "--now", "2000-06-01T00:00:00Z") == 1

    out = capsys.readouterr().out
    assert out.startswith("INVALID: The badge expires before it was issued.")
    assert "issuer:    Example University <badges@example.org> https://example.org" in out
    assert "badge:     Python Fundamentals" in out
    assert "skills:    Python, programming" in out
    assert "recipient: email (hashed), not compared" in out
    assert "✓ source" in out or "+ source" in out
    assert "✗ dates" in out or "x dates" in out


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["https://x.example/a", "--now", "tomorrow"], id="bad-now"),
        pytest.param(["no/such/file.json"], id="missing-file"),
        pytest.param(["https://x.example/a", "--batch", "list.txt"], id="source-and-batch"),
        pytest.param([], id="no-source"),
        pytest.param(["https://x.example/a", "--timeout", "0"], id="zero-timeout"),
        pytest.param(["--batch", "no/such/list.txt"], id="missing-batch"),
        pytest.param(["--batch", "list.txt", "--concurrency", "0"], id="zero-concurrency"),
    ],
)
def test_usage_errors_exit_two(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(*argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("credcord verify: ")


def test_empty_batch_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    listing = tmp_path / "list.txt"
    listing.write_text("# nothing yet\n\n")

    assert cli("--batch", str(listing)) == 2
    assert "lists no sources" in capsys.readouterr().err


def test_unparseable_arguments_exit_two() -> None:
    with pytest.raises(SystemExit) as raised:
        cli("--timeout", "soon")
    assert raised.value.code == 2


def test_json_jws_and_png_files(
    world: IssuerWorld, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assertion = world.assertion()
    world.host(assertion)
    (tmp_path / "badge.json").write_text(json.dumps(assertion))
    (tmp_path / "badge.jws").write_text(sign_rs256(world.signed_assertion()) + "\n")
    (tmp_path / "badge.png").write_bytes(png(itxt(str(assertion["id"]))))

    for name, format_ in [
        ("badge.json", "ob2-hosted"),
        ("badge.jws", "ob2-signed"),
        ("badge.png", "ob2-hosted"),
    ]:
        assert cli(str(tmp_path / name), "--json", PRIVATE, "--email", EMAIL) == 0, name
        assert json_output(capsys)["format"] == format_


def test_standard_input(
    world: IssuerWorld, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    token = sign_rs256(world.signed_assertion())
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(token.encode())))

    assert cli("-", "--json", PRIVATE) == 0

    assert json_output(capsys)["format"] == "ob2-signed"


def test_batch_prints_json_lines_in_input_order(
    world: IssuerWorld, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    slow = world.assertion("/assertions/slow")
    world.home.route("/assertions/slow", slow, delay=0.2)
    fast = world.host(world.assertion("/assertions/fast"))
    missing = world.home.url("/assertions/missing")
    listing = tmp_path / "list.txt"
    listing.write_text(
        f"# badges to check\n{slow['id']}\n\n{missing}\n   {fast}   \n{tmp_path / 'gone.png'}\n"
    )

    assert cli("--batch", str(listing), "--json", PRIVATE, "--concurrency", "4") == 1

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(line["source"], line["status"], line["reason"]) for line in lines] == [
        (slow["id"], "VALID", "verified"),
        (missing, "UNVERIFIABLE", "http_404"),
        (fast, "VALID", "verified"),
        (str(tmp_path / "gone.png"), "UNVERIFIABLE", "unreadable_source"),
    ]


def test_batch_of_valid_badges_exits_zero_with_a_summary(
    world: IssuerWorld, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    urls = [world.host(world.assertion(f"/assertions/{n}")) for n in range(3)]
    listing = tmp_path / "list.txt"
    listing.write_text("\n".join(urls))

    assert cli("--batch", str(listing), PRIVATE) == 0

    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["STATUS", "COUNT"]
    assert out[1].split() == ["VALID", "3"]
    assert out[2].split() == ["TOTAL", "3"]


def test_batch_summary_lists_what_is_not_valid(
    world: IssuerWorld, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = world.host(world.assertion())
    world.home.route("/assertions/revoked", b"", status=410)
    revoked = world.home.url("/assertions/revoked")
    listing = tmp_path / "list.txt"
    listing.write_text(f"{good}\n{revoked}\n")

    assert cli("--batch", str(listing), PRIVATE) == 1

    out = capsys.readouterr().out.splitlines()
    assert ["REVOKED", "1"] in [line.split() for line in out]
    assert out[-1].split() == ["REVOKED", "http_410", revoked]


def test_batch_draws_progress_on_a_terminal(
    world: IssuerWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    listing = tmp_path / "list.txt"
    listing.write_text("\n".join(world.host(world.assertion(f"/assertions/{n}")) for n in range(3)))
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)

    assert cli("--batch", str(listing), "--json", PRIVATE) == 0

    assert terminal.getvalue().rstrip().endswith("] 3/3")
    assert len(capsys.readouterr().out.splitlines()) == 3


def test_command_line_does_not_import_discord() -> None:
    code = "import sys, bot.verification.cli; assert 'discord' not in sys.modules, 'discord imported'"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])


def test_credcord_entry_point_runs_verify(world: IssuerWorld, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.__main__ import main

    url = world.host(world.assertion())

    assert main(["verify", url, "--json", PRIVATE]) == 0
    assert json_output(capsys)["status"] == "VALID"
