"""The channel watch: which channels are watched, and checking what members post there."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TypeVar

import aiosqlite

from bot.badges import BadgeRefused, ShowcaseAdmin
from bot.badges.policy import admit
from bot.badges.store import stamp
from bot.config import WatchConfig
from bot.db import Database
from bot.lookups import LookupService
from bot.verification.verdict import Status, Verdict
from bot.watch.candidates import PROVIDER_PAGES, credential_urls
from bot.watch.limits import Coalescer, OrderedLanes, RateLimiter

T = TypeVar("T")


class Mark(StrEnum):
    """The reaction a checked message gets."""

    VALID = "✅"
    FAILED = "❌"
    UNKNOWN = "❔"


_FAILED = frozenset({Status.INVALID, Status.REVOKED, Status.EXPIRED, Status.NOT_YET_VALID})


def mark_of(status: Status) -> Mark:
    if status is Status.VALID:
        return Mark.VALID
    return Mark.FAILED if status in _FAILED else Mark.UNKNOWN


@dataclass(frozen=True, slots=True)
class WatchedChannel:
    guild_id: int
    channel_id: int
    auto_add: bool = False


@dataclass(frozen=True, slots=True)
class Finding:
    """One credential found in a message: its verdict, and whether the guild's showcase would take it."""

    verdict: Verdict
    addable: bool

    @property
    def mark(self) -> Mark:
        return mark_of(self.verdict.status)


@dataclass(frozen=True, slots=True)
class WatchLimits:
    """How much checking the watch does at once and per minute (config ``[watch]``)."""

    concurrency: int = 4
    max_waiting: int = 1000
    per_member: int = 5
    per_channel: int = 60
    window: timedelta = timedelta(minutes=1)
    dedupe_window: timedelta = timedelta(minutes=1)

    @classmethod
    def of(cls, config: WatchConfig) -> WatchLimits:
        return cls(
            concurrency=config.concurrency,
            max_waiting=config.queue_size,
            per_member=config.member_posts_per_minute,
            per_channel=config.channel_posts_per_minute,
            dedupe_window=timedelta(seconds=config.dedupe_seconds),
        )


def _source_key(source: str | bytes) -> str:
    return source if isinstance(source, str) else "sha256:" + hashlib.sha256(source).hexdigest()


async def _load(conn: aiosqlite.Connection, guild_id: int, channel_id: int) -> WatchedChannel | None:
    async with conn.execute(
        "SELECT auto_add FROM watch_channels WHERE guild_id = ? AND channel_id = ?", (guild_id, channel_id)
    ) as cursor:
        row = await cursor.fetchone()
    return None if row is None else WatchedChannel(guild_id, channel_id, bool(row[0]))


class WatchService:
    """Watched channels per guild, and verification of what is posted in them under the watch's limits.

    The watch has its own per-member and per-channel limits instead of ``/verify``'s cooldown, so a
    member posting a few badges at once is answered for each; work beyond the lanes waits in order.
    """

    def __init__(
        self,
        database: Database,
        lookups: LookupService,
        showcase: ShowcaseAdmin,
        *,
        clock: Callable[[], datetime],
        limits: WatchLimits = WatchLimits(),
        pages: Sequence[re.Pattern[str]] = PROVIDER_PAGES,
    ) -> None:
        self._db = database
        self._lookups = lookups
        self._showcase = showcase
        self._clock = clock
        self._pages = pages
        self._members = RateLimiter(limit=limits.per_member, window=limits.window, clock=clock)
        self._channels = RateLimiter(limit=limits.per_channel, window=limits.window, clock=clock)
        self._lanes = OrderedLanes(concurrency=limits.concurrency, max_waiting=limits.max_waiting)
        self._verdicts: Coalescer[Verdict] = Coalescer(window=limits.dedupe_window, clock=clock)

    def links(self, text: str) -> tuple[str, ...]:
        """The credential links in a message worth checking, known provider pages (with the admin's) first."""
        return credential_urls(text, pages=self._pages)

    async def watched(self, guild_id: int, channel_id: int) -> WatchedChannel | None:
        """The channel's watch settings, or None when it is not watched."""
        async with self._db.snapshot() as conn:
            return await _load(conn, guild_id, channel_id)

    async def set_watch(
        self, guild_id: int, channel_id: int, *, enabled: bool, auto_add: bool | None = None
    ) -> WatchedChannel | None:
        """Watch the channel (``auto_add`` None keeps its current value) or stop watching it."""
        async with self._db.unit_of_work() as conn:
            if not enabled:
                await conn.execute(
                    "DELETE FROM watch_channels WHERE guild_id = ? AND channel_id = ?", (guild_id, channel_id)
                )
                return None
            current = await _load(conn, guild_id, channel_id)
            keep = current.auto_add if current is not None else False
            updated = WatchedChannel(guild_id, channel_id, keep if auto_add is None else auto_add)
            await conn.execute(
                "INSERT INTO watch_channels (guild_id, channel_id, auto_add) VALUES (?, ?, ?) "
                "ON CONFLICT (guild_id, channel_id) DO UPDATE SET auto_add = excluded.auto_add",
                (guild_id, channel_id, int(updated.auto_add)),
            )
        return updated

    def admit(self, guild_id: int, channel_id: int, user_id: int) -> bool:
        """Count a message toward the member's and the channel's limits; False when either is spent."""
        member, channel = (guild_id, user_id), (guild_id, channel_id)
        if not (self._members.allows(member) and self._channels.allows(channel)):
            return False
        self._members.record(member)
        self._channels.record(channel)
        return True

    async def in_turn(self, job: Callable[[], Awaitable[T]]) -> T:
        """Run ``job`` when a lane is free, after the work that arrived before it.

        Raises ``QueueFull`` when too much is already waiting.
        """
        return await self._lanes.run(job)

    async def check(self, guild_id: int, user_id: int, sources: Sequence[str | bytes]) -> tuple[Finding, ...]:
        """Verify each source with the member's saved emails; the same source within a short while once."""
        emails = await self._lookups.saved_emails(guild_id, user_id)
        settings = await self._showcase.settings(guild_id)
        findings = []
        for source in sources:

            async def verify(source: str | bytes = source) -> Verdict:
                return await self._lookups.verify(source, emails)

            verdict = await self._verdicts.run((_source_key(source), emails), verify)
            try:
                addable = verdict.status is Status.VALID and not admit(verdict, settings).self_reported
            except BadgeRefused:
                addable = False
            findings.append(Finding(verdict, addable))
        return tuple(findings)

    async def reply_to(self, message_id: int) -> int | None:
        """The id of the verdict reply to a checked message, if one was sent."""
        async with (
            self._db.snapshot() as conn,
            conn.execute("SELECT reply_id FROM watch_replies WHERE message_id = ?", (message_id,)) as cursor,
        ):
            row = await cursor.fetchone()
        return None if row is None else int(row[0])

    async def remember_reply(self, message_id: int, channel_id: int, reply_id: int) -> None:
        async with self._db.unit_of_work() as conn:
            await conn.execute(
                "INSERT INTO watch_replies (message_id, channel_id, reply_id, created_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (message_id) DO UPDATE SET reply_id = excluded.reply_id",
                (message_id, channel_id, reply_id, stamp(self._clock())),
            )
