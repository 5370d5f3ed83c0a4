"""Between storage and the ranking core: who may mentor whom right now, and the offer cascade.

``Matcher`` reads mentors and members from the database into the ranking core's plain values, and moves
a request along when an offer closes: the next ranked mentor is asked, or the request joins the admin
queue. Every method runs inside the caller's unit of work.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiosqlite

from bot.badges.model import skill_key
from bot.mentorship import pairing_store, store
from bot.mentorship.hours import WorkingHours, describe_window, overlap_windows
from bot.mentorship.model import (
    MatchIntro,
    Mentor,
    MentorRequest,
    Offer,
    OfferStatus,
    Outcome,
    Pairing,
    RequestStatus,
)
from bot.mentorship.ranking import MatchWeights, MenteeRequest, MentorCandidate, MentorPool, RankedMentor
from bot.mentorship.store import MemberFacts
from bot.skills import SkillCatalog

_NO_FACTS = MemberFacts(None, frozenset())


@dataclass(frozen=True, slots=True)
class GuildPool:
    mentors: tuple[Mentor, ...]
    facts: dict[int, MemberFacts]
    pool: MentorPool


class Matcher:
    def __init__(self, catalog: SkillCatalog, weights: MatchWeights, offer_lifetime: timedelta) -> None:
        self.catalog = catalog
        self.weights = weights
        self.offer_lifetime = offer_lifetime

    async def pool(self, conn: aiosqlite.Connection, guild_id: int, now: datetime) -> GuildPool:
        mentors = await store.mentors(conn, guild_id, self.catalog, now)
        facts = await store.member_facts(conn, guild_id, [m.user_id for m in mentors])
        candidates = [self._candidate(m, facts.get(m.user_id, _NO_FACTS), now) for m in mentors]
        return GuildPool(tuple(mentors), facts, MentorPool(candidates, category_of=self.catalog.category))

    @staticmethod
    def _candidate(mentor: Mentor, facts: MemberFacts, now: datetime) -> MentorCandidate:
        return MentorCandidate(
            user_id=mentor.user_id,
            skills=frozenset(s.name for s in mentor.skills),
            verified_skills=mentor.verified,
            capacity=mentor.capacity,
            active_mentees=mentor.active_mentees,
            hours=WorkingHours(facts.timezone),
            languages=facts.languages,
            last_active=mentor.last_active_at,
            paused=mentor.paused(now),
        )

    async def mentee(
        self, conn: aiosqlite.Connection, request: MentorRequest, now: datetime
    ) -> MenteeRequest:
        facts = (await store.member_facts(conn, request.guild_id, [request.user_id])).get(
            request.user_id, _NO_FACTS
        )
        return MenteeRequest(
            request_id=request.id,
            user_id=request.user_id,
            skill=request.skill.name,
            language=request.language,
            hours=WorkingHours(facts.timezone),
            languages=facts.languages,
            excluded_mentors=await store.excluded_mentors(conn, request, now),
        )

    async def ranked(
        self, conn: aiosqlite.Connection, request: MentorRequest, now: datetime
    ) -> list[RankedMentor]:
        """Every mentor who may be asked for ``request`` now, best first."""
        pool = await self.pool(conn, request.guild_id, now)
        return pool.pool.candidates(await self.mentee(conn, request, now), weights=self.weights, now=now)

    async def ask(
        self, conn: aiosqlite.Connection, request: MentorRequest, choice: RankedMentor, now: datetime
    ) -> Outcome:
        offer = await store.create_offer(
            conn, request, choice.user_id, choice.score, choice.reasons, now, self.offer_lifetime
        )
        await store.set_request_status(conn, request.id, RequestStatus.OFFERING, now)
        return Outcome(offers=(offer,))

    async def queue(self, conn: aiosqlite.Connection, request: MentorRequest, now: datetime) -> Outcome:
        await store.set_request_status(conn, request.id, RequestStatus.QUEUED, now)
        return Outcome(exhausted=(request,))

    async def offer_next(self, conn: aiosqlite.Connection, request_id: int, now: datetime) -> Outcome:
        """An offer for the request closed without a match: ask the next ranked mentor, or queue it."""
        request = await store.request(conn, request_id, self.catalog)
        if request is None or request.status not in (RequestStatus.OFFERING, RequestStatus.QUEUED):
            return Outcome()
        if await store.pending_for_request(conn, request_id):
            return Outcome()
        ranked = await self.ranked(conn, request, now)
        if ranked:
            return await self.ask(conn, request, ranked[0], now)
        if request.status is RequestStatus.QUEUED:
            # Already waiting in the queue (a round's offer fell through): the member was told before.
            return Outcome()
        return await self.queue(conn, request, now)

    async def withdraw(
        self,
        conn: aiosqlite.Connection,
        offers: Iterable[Offer],
        now: datetime,
        reason: str,
        *,
        cascade: bool,
    ) -> Outcome:
        """Close pending offers nobody may answer any more; with ``cascade``, move their requests on."""
        outcome = Outcome()
        for offer in offers:
            if await store.answer_offer(conn, offer.id, OfferStatus.WITHDRAWN, now, reason):
                outcome += await self.closed(conn, offer.id)
                if cascade:
                    outcome += await self.offer_next(conn, offer.request_id, now)
        return outcome

    @staticmethod
    async def closed(conn: aiosqlite.Connection, offer_id: int) -> Outcome:
        """An offer that just closed, as it now reads, for its message to be updated."""
        offer = await store.offer(conn, offer_id)
        return Outcome(withdrawn=(offer,)) if offer is not None else Outcome()

    async def intro(self, conn: aiosqlite.Connection, pairing: Pairing, now: datetime) -> MatchIntro:
        """The thread's opening: shared skills and the overlap of working hours in each member's time."""
        guild = pairing.guild_id
        facts = await store.member_facts(conn, guild, [pairing.mentor_id, pairing.mentee_id])
        mentor_facts = facts.get(pairing.mentor_id, _NO_FACTS)
        mentee_facts = facts.get(pairing.mentee_id, _NO_FACTS)
        mentor = await store.mentor(conn, guild, pairing.mentor_id, self.catalog, now)
        offered = [s.name for s in mentor.skills] if mentor is not None else []
        wanted = {
            skill_key(s.name)
            for s in await store.profile_skills(conn, guild, pairing.mentee_id, self.catalog)
        }
        shared = [pairing.skill, *(name for name in offered if skill_key(name) in wanted)]
        mentor_hours, mentee_hours = WorkingHours(mentor_facts.timezone), WorkingHours(mentee_facts.timezone)
        windows = overlap_windows(mentor_hours, mentee_hours, on=now.date())
        return MatchIntro(
            pairing=pairing,
            shared_skills=tuple(dict.fromkeys(shared, None)),
            mentor_hours=tuple(describe_window(a, b, mentor_facts.timezone) for a, b in windows),
            mentee_hours=tuple(describe_window(a, b, mentee_facts.timezone) for a, b in windows),
            channel_id=await store.channel(conn, guild),
        )

    async def capacity_left(
        self, conn: aiosqlite.Connection, guild_id: int, mentor_id: int, now: datetime
    ) -> int:
        mentor = await store.mentor(conn, guild_id, mentor_id, self.catalog, now)
        if mentor is None:
            return 0
        return mentor.capacity - await pairing_store.active_count(conn, guild_id, mentor_id)
