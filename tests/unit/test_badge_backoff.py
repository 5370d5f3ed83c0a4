"""Backing off issuers that are down: the wait doubles with each failure in a row, up to a ceiling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.badges.reverify import HostBackoff

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def test_a_failed_host_is_skipped_until_its_wait_ends() -> None:
    backoff = HostBackoff(base=5 * MINUTE, ceiling=60 * MINUTE)
    backoff.failed("down.example", NOW)
    assert backoff.blocked("down.example", NOW + 4 * MINUTE)
    assert not backoff.blocked("down.example", NOW + 5 * MINUTE)
    assert not backoff.blocked("up.example", NOW) and not backoff.blocked(None, NOW)
    assert backoff.blocked_hosts(NOW) == ["down.example"]


def test_the_wait_doubles_with_each_failure_in_a_row_up_to_the_ceiling() -> None:
    backoff = HostBackoff(base=5 * MINUTE, ceiling=30 * MINUTE)
    at = NOW
    waits = []
    for _ in range(5):
        backoff.failed("down.example", at)
        wait = next(m for m in range(1, 120) if not backoff.blocked("down.example", at + m * MINUTE))
        waits.append(wait)
        at += wait * MINUTE
    assert waits == [5, 10, 20, 30, 30]


def test_failures_while_already_backed_off_count_once() -> None:
    backoff = HostBackoff(base=5 * MINUTE, ceiling=60 * MINUTE)
    backoff.failed("down.example", NOW)
    backoff.failed("down.example", NOW + MINUTE)
    assert not backoff.blocked("down.example", NOW + 5 * MINUTE)


def test_a_success_forgets_the_failures() -> None:
    backoff = HostBackoff(base=5 * MINUTE, ceiling=60 * MINUTE)
    backoff.failed("flaky.example", NOW)
    backoff.failed("flaky.example", NOW + 5 * MINUTE)
    backoff.succeeded("flaky.example")
    assert backoff.blocked_hosts(NOW + 5 * MINUTE) == []
    backoff.failed("flaky.example", NOW + 6 * MINUTE)
    assert not backoff.blocked("flaky.example", NOW + 11 * MINUTE)
