"""Re-verification: stored badges are checked again so a revoked or expired one stops counting by itself.

``Reverifier.run_once`` does one bounded batch; the caller runs it on a timer and applies the returned
changes in Discord (edit the post, DM the owner, change roles). A badge past its expiry date is marked
expired without asking its issuer. Issuers that are down are backed off: after a host fails, its badges
wait, for longer after each failure in a row, and a badge is only demoted once it has failed for the
whole grace period (see ``policy.after_check``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import aiosqlite

from bot.badges import guild_store, store
from bot.badges.model import StatusChange
from bot.badges.policy import CheckOutcome, CheckState, after_check, host_down
from bot.db import Database
from bot.profiles.store import refresh_directory
from bot.skills import SkillCatalog
from bot.verification.verdict import Status, Verdict


class CredentialVerifier(Protocol):
    async def verify(
        self,
        source: str | bytes | Mapping[str, Any],
        *,
        emails: Sequence[str] = (),
        now: datetime | None = None,
    ) -> Verdict: ...


@dataclass(slots=True)
class _HostState:
    failures: int
    until: datetime


class HostBackoff:
    """Hosts that failed recently; each failure in a row doubles the wait, up to ``ceiling``."""

    def __init__(self, *, base: timedelta, ceiling: timedelta) -> None:
        self._base = base
        self._ceiling = ceiling
        self._hosts: dict[str, _HostState] = {}

    def blocked(self, host: str | None, now: datetime) -> bool:
        state = self._hosts.get(host) if host else None
        return state is not None and now < state.until

    def blocked_hosts(self, now: datetime) -> list[str]:
        return sorted(host for host, state in self._hosts.items() if now < state.until)

    def failed(self, host: str | None, now: datetime) -> None:
        # Several checks of one host fail together when it goes down; that is one failure, not many.
        if not host or self.blocked(host, now):
            return
        state = self._hosts.get(host)
        failures = state.failures + 1 if state else 1
        wait = min(self._ceiling, self._base * 2 ** min(failures - 1, 30))
        self._hosts[host] = _HostState(failures, now + wait)

    def succeeded(self, host: str | None) -> None:
        if host:
            self._hosts.pop(host, None)


class Reverifier:
    def __init__(
        self,
        database: Database,
        verifier: CredentialVerifier,
        catalog: SkillCatalog,
        *,
        clock: Callable[[], datetime],
        reverify_hours: float = 24,
        grace_days: float = 7,
        batch_size: int = 100,
        concurrency: int = 8,
        per_host: int = 2,
        backoff_base: timedelta = timedelta(minutes=5),
        backoff_ceiling: timedelta = timedelta(hours=6),
    ) -> None:
        self._db = database
        self._verifier = verifier
        self._catalog = catalog
        self._clock = clock
        self._interval = timedelta(hours=reverify_hours)
        self._grace = timedelta(days=grace_days)
        self._batch_size = batch_size
        self._concurrency = concurrency
        self._per_host = per_host
        self.backoff = HostBackoff(base=backoff_base, ceiling=backoff_ceiling)

    async def run_once(self, limit: int | None = None) -> list[StatusChange]:
        """Check one batch and return the status changes, ordered by badge id.

        At most ``limit`` (default: the batch size) badges are fetched, and as many expired by date.
        """
        batch = self._batch_size if limit is None else limit
        now = self._clock()
        changes = await self._expire_by_date(now, batch)
        async with self._db.snapshot() as conn:
            due = await store.due_for_check(
                conn, now - self._interval, self.backoff.blocked_hosts(now), batch
            )
        everyone = asyncio.Semaphore(self._concurrency)
        hosts: dict[str | None, asyncio.Semaphore] = {}

        async def check(state: CheckState) -> None:
            assert state.recheck is not None
            # The host's slot first: a slow host must not hold slots other hosts could use.
            async with hosts.setdefault(state.check_host, asyncio.Semaphore(self._per_host)), everyone:
                if self.backoff.blocked(state.check_host, self._clock()):
                    return
                verdict = await self._verifier.verify(state.recheck, now=self._clock())
            at = self._clock()
            if host_down(verdict):
                self.backoff.failed(state.check_host, at)
            else:
                self.backoff.succeeded(state.check_host)
            change = await self._apply(state.id, verdict, at)
            if change is not None:
                changes.append(change)

        async with asyncio.TaskGroup() as group:
            for state in due:
                group.create_task(check(state))
        return sorted(changes, key=lambda change: change.badge.id)

    async def _expire_by_date(self, now: datetime, limit: int) -> list[StatusChange]:
        changes = []
        async with self._db.unit_of_work() as conn:
            for state in await store.expired_by_date(conn, now, limit):
                assert state.expires_at is not None
                message = f"This badge expired on {state.expires_at:%Y-%m-%d}."
                outcome = CheckOutcome(Status.EXPIRED, "expired", message, None)
                change = await record_outcome(conn, state, outcome, now, self._catalog)
                assert change is not None
                changes.append(change)
        return changes

    async def _apply(self, badge_id: int, verdict: Verdict, now: datetime) -> StatusChange | None:
        async with self._db.unit_of_work() as conn:
            # Read again: the owner may have removed or refreshed the badge while it was being fetched.
            current = await store.check_state(conn, badge_id)
            if current is None:
                return None
            outcome = after_check(current, verdict, now, self._grace)
            return await record_outcome(conn, current, outcome, now, self._catalog)


async def record_outcome(
    conn: aiosqlite.Connection, state: CheckState, outcome: CheckOutcome, now: datetime, catalog: SkillCatalog
) -> StatusChange | None:
    """Store a re-check's outcome; when the status changed, recompute the owner's roles and directory rows
    and say so."""
    await store.record_check(conn, state.id, outcome, now)
    if outcome.status is state.status:
        return None
    await refresh_directory(conn, state.guild_id, state.user_id)
    roles = await guild_store.member_roles(conn, state.guild_id, state.user_id, now, catalog)
    badge = await store.load_badge(conn, state.id, catalog)
    assert badge is not None
    return StatusChange(badge, state.status, outcome.status, outcome.message, roles)
