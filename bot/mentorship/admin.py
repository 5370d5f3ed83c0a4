"""Mentorship for admins: where pairing threads go, cohort rounds (preview, publish, discard), statistics."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.db import Database
from bot.errors import Conflict, NotFound
from bot.mentorship import pairing_store, store
from bot.mentorship.matching import Matcher
from bot.mentorship.model import Outcome, RequestStatus, RoundPreview, RoundStatus, Stats
from bot.mentorship.ranking import RankedMentor
from bot.mentorship.rounds import plan_round

ROUND_GONE = "This round was already published or discarded: start a new one with /mentor round."


class MentorshipAdmin:
    def __init__(self, database: Database, matcher: Matcher, *, clock: Callable[[], datetime]) -> None:
        self._db = database
        self._matcher = matcher
        self._clock = clock

    async def channel(self, guild_id: int) -> int | None:
        async with self._db.snapshot() as conn:
            return await store.channel(conn, guild_id)

    async def set_channel(self, guild_id: int, channel_id: int | None) -> None:
        """Open pairing threads in ``channel_id`` (and mention mentors there whose DMs are closed)."""
        async with self._db.unit_of_work() as conn:
            await store.set_channel(conn, guild_id, channel_id)

    async def preview_round(self, guild_id: int, admin_id: int) -> RoundPreview:
        """Plan the best assignment of every open request to mentor capacity; nothing is sent yet."""
        now = self._clock()
        async with self._db.unit_of_work() as conn:
            waiting = await store.requests_with_status(
                conn, guild_id, (RequestStatus.OPEN, RequestStatus.QUEUED), self._matcher.catalog
            )
            pool = await self._matcher.pool(conn, guild_id, now)
            mentees = [await self._matcher.mentee(conn, request, now) for request in waiting]
            plan = plan_round(mentees, pool.pool, weights=self._matcher.weights, now=now)
            round_id = await pairing_store.create_round(
                conn,
                guild_id,
                admin_id,
                [(pair.request_id, pair.mentor_id, pair.score, pair.reasons) for pair in plan.pairs],
                now,
            )
        free = sum(1 for m in pool.mentors if not m.paused(now) and not m.full)
        return RoundPreview(round_id, plan, {r.id: r.user_id for r in waiting}, len(waiting), free)

    async def _round(self, round_id: int, guild_id: int) -> None:
        async with self._db.snapshot() as conn:
            info = await pairing_store.round_info(conn, round_id)
        if info is None or info[0] != guild_id:
            raise NotFound("That round does not exist.")
        if info[1] is not RoundStatus.PREVIEW:
            raise Conflict(ROUND_GONE)

    async def publish_round(self, round_id: int, guild_id: int) -> Outcome:
        """Send the round's offers as the on-demand flow does; pairs that went stale meanwhile are skipped."""
        await self._round(round_id, guild_id)
        now = self._clock()
        async with self._db.unit_of_work() as conn:
            if not await pairing_store.decide_round(conn, round_id, RoundStatus.PUBLISHED, now):
                raise Conflict(ROUND_GONE)
            pool = await self._matcher.pool(conn, guild_id, now)
            outcome = Outcome()
            for request_id, mentor_id, score, reasons in await pairing_store.round_pairs(conn, round_id):
                request = await store.request(conn, request_id, self._matcher.catalog)
                if request is None or request.status not in (RequestStatus.OPEN, RequestStatus.QUEUED):
                    continue
                mentee = await self._matcher.mentee(conn, request, now)
                eligible = pool.pool.candidates(mentee, weights=self._matcher.weights, now=now)
                if any(r.user_id == mentor_id for r in eligible):
                    outcome += await self._matcher.ask(
                        conn, request, RankedMentor(mentor_id, score, reasons), now
                    )
        return outcome

    async def discard_round(self, round_id: int, guild_id: int) -> None:
        await self._round(round_id, guild_id)
        async with self._db.unit_of_work() as conn:
            if not await pairing_store.decide_round(conn, round_id, RoundStatus.DISCARDED, self._clock()):
                raise Conflict(ROUND_GONE)

    async def stats(self, guild_id: int) -> Stats:
        now = self._clock()
        async with self._db.snapshot() as conn:
            figures = await pairing_store.counts(conn, guild_id)
            mentors = await store.mentors(conn, guild_id, self._matcher.catalog, now)
            queued = await store.requests_with_status(
                conn, guild_id, (RequestStatus.QUEUED,), self._matcher.catalog
            )
        return Stats(
            queued=tuple((r.user_id, r.skill.name) for r in queued),
            mentors=len(mentors),
            mentors_at_capacity=sum(1 for m in mentors if m.full),
            **figures,
        )
