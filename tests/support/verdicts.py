"""Assertions on verdicts, shared by the verifier tests of every format."""

from __future__ import annotations

from bot.verification.verdict import Status, Verdict


def assert_verdict(verdict: Verdict, status: Status, reason: str) -> None:
    assert (verdict.status, verdict.reason) == (status, reason), verdict.message


def check(verdict: Verdict, name: str) -> bool | None:
    """Whether the verdict's check called ``name`` passed (None: it was not reached)."""
    return next(c.ok for c in verdict.checks if c.name == name)
