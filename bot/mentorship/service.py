"""Peer mentorship, on demand: mentors offer, members request, the best mentor is asked, pairs get a thread.

Every change is one unit of work. Methods that move requests along return an ``Outcome`` naming the
messages to send; the cog sends them after the commit. ``tick`` runs the clock-driven part (reminders,
expiry, check-ins); it is idempotent, so running it twice or after a restart sends nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import aiosqlite

from bot.db import Database
from bot.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.mentorship import pairing_store, store
from bot.mentorship.matching import Matcher
from bot.mentorship.model import (
    CHOICES,
    MAX_COMMENT,
    MAX_GOAL,
    MAX_LANGUAGE,
    MAX_MENTOR_SKILLS,
    MAX_NOTE,
    MAX_REASON,
    AcceptResult,
    CheckinAnswer,
    Mentor,
    MentorRequest,
    Offer,
    OfferStatus,
    Outcome,
    Pairing,
    RequestResult,
    RequestStatus,
    Status,
    check_capacity,
    check_rating,
    optional_text,
)
from bot.mentorship.ranking import MatchWeights
from bot.profiles.model import split_list
from bot.profiles.store import ensure_member
from bot.skills import MAX_SKILL_LENGTH, SkillCatalog, SkillMatch

NOT_A_MENTOR = "You are not offering to mentor here: start with /mentor offer."


class MentorshipService:
    def __init__(
        self,
        database: Database,
        catalog: SkillCatalog,
        *,
        clock: Callable[[], datetime],
        weights: MatchWeights,
        offer_hours: float = 72.0,
        checkin_days: float = 7.0,
    ) -> None:
        self._db = database
        self._catalog = catalog
        self._clock = clock
        self._checkin = timedelta(days=checkin_days)
        self.matcher = Matcher(catalog, weights, timedelta(hours=offer_hours))

    # Mentors

    def _skills(self, written: str) -> tuple[SkillMatch, ...]:
        names = split_list(written)
        if len(names) > MAX_MENTOR_SKILLS:
            raise InvalidInput("skills", f"{len(names)} skills given; the limit is {MAX_MENTOR_SKILLS}")
        for name in names:
            if len(name) > MAX_SKILL_LENGTH:
                raise InvalidInput("skills", f"{name[:20]!r}… is longer than {MAX_SKILL_LENGTH} characters")
        found: dict[str, SkillMatch] = {}
        for name in names:
            match = self._catalog.normalise(name)
            found.setdefault(match.name.casefold(), match)
        return tuple(found.values())

    async def offer(
        self, guild_id: int, user_id: int, skills: str | None, capacity: int, note: str | None
    ) -> Mentor:
        """Start (or change) offering to mentor; without ``skills`` the profile's skills are offered."""
        check_capacity(capacity)
        note = optional_text("note", note, MAX_NOTE)
        offered = self._skills(skills) if skills is not None else ()
        now = self._clock()
        async with self._db.unit_of_work() as conn:
            if skills is None:
                offered = tuple(await store.profile_skills(conn, guild_id, user_id, self._catalog))[
                    :MAX_MENTOR_SKILLS
                ]
            if not offered:
                raise InvalidInput(
                    "skills",
                    "name the skills you can mentor in, or add skills to your profile with /profile edit",
                )
            await ensure_member(conn, guild_id, user_id, now)
            await store.save_mentor(conn, guild_id, user_id, offered, capacity, note, now)
            mentor = await store.mentor(conn, guild_id, user_id, self._catalog, now)
        assert mentor is not None
        return mentor

    async def pause(self, guild_id: int, user_id: int, until: datetime | None) -> tuple[Mentor, Outcome]:
        """Take no new mentees (until ``until``, or until resumed); pending offers are declined for you."""
        now = self._clock()
        if until is not None and until <= now:
            raise InvalidInput("until", "must be in the future")
        async with self._db.unit_of_work() as conn:
            if not await store.set_pause(conn, guild_id, user_id, now, until):
                raise NotFound(NOT_A_MENTOR)
            pending = await store.pending_for_mentor(conn, guild_id, user_id)
            outcome = await self.matcher.withdraw(conn, pending, now, "paused", cascade=True)
            mentor = await store.mentor(conn, guild_id, user_id, self._catalog, now)
        assert mentor is not None
        return mentor, outcome

    async def resume(self, guild_id: int, user_id: int) -> Mentor:
        now = self._clock()
        async with self._db.unit_of_work() as conn:
            if not await store.set_pause(conn, guild_id, user_id, None, None):
                raise NotFound(NOT_A_MENTOR)
            await store.touch(conn, guild_id, user_id, now)
            mentor = await store.mentor(conn, guild_id, user_id, self._catalog, now)
        assert mentor is not None
        return mentor

    async def stop(self, guild_id: int, user_id: int) -> Outcome:
        """Stop offering; active pairings go on, pending offers move to the next mentor."""
        now = self._clock()
        async with self._db.unit_of_work() as conn:
            if not await store.delete_mentor(conn, guild_id, user_id):
                raise NotFound(NOT_A_MENTOR)
            pending = await store.pending_for_mentor(conn, guild_id, user_id)
            return await self.matcher.withdraw(conn, pending, now, "stopped mentoring", cascade=True)

    # Requests

    async def request(
        self,
        guild_id: int,
        user_id: int,
        skill: str,
        goal: str | None = None,
        language: str | None = None,
        *,
        ask_again: bool = False,
    ) -> RequestResult:
        """Open a request and rank mentors for it; with none available it waits in the admin queue."""
        written = skill.strip()
        if not written or len(written) > MAX_SKILL_LENGTH:
            raise InvalidInput("skill", f"name one skill of at most {MAX_SKILL_LENGTH} characters")
        wanted = self._catalog.normalise(written)
        goal = optional_text("goal", goal, MAX_GOAL)
        language = optional_text("language", language, MAX_LANGUAGE)
        now = self._clock()
        async with self._db.unit_of_work() as conn:
            existing = await store.open_request(conn, guild_id, user_id, self._catalog)
            if existing is not None:
                raise Conflict(
                    f"You already have an open request for {existing.skill.name}: see /mentor status, or "
                    "withdraw it with /mentor cancel first."
                )
            await ensure_member(conn, guild_id, user_id, now)
            request_id = await store.create_request(
                conn,
                guild_id,
                user_id,
                wanted,
                goal,
                language.casefold() if language else None,
                ask_again,
                now,
            )
            created = await store.request(conn, request_id, self._catalog)
            assert created is not None
            ranked = await self.matcher.ranked(conn, created, now)
            if not ranked:
                outcome = await self.matcher.queue(conn, created, now)
                queued = await store.request(conn, request_id, self._catalog)
                assert queued is not None
                return RequestResult(queued, (), outcome)
        return RequestResult(created, tuple(ranked[:CHOICES]))

    async def _own_request(self, conn: aiosqlite.Connection, request_id: int, user_id: int) -> MentorRequest:
        found = await store.request(conn, request_id, self._catalog)
        if found is None:
            raise NotFound("That request no longer exists.")
        if found.user_id != user_id:
            raise NotAllowed("Only the member who made this request can choose its mentor.")
        return found

    async def pick(self, request_id: int, user_id: int, mentor_id: int | None) -> Outcome:
        """Ask the chosen mentor (None: the best one) to take the request."""
        now = self._clock()
        async with self._db.unit_of_work() as conn:
            request = await self._own_request(conn, request_id, user_id)
            if request.status is RequestStatus.OFFERING:
                raise Conflict("A mentor has already been asked; see /mentor status.")
            if request.status is not RequestStatus.OPEN:
                raise Conflict(
                    f"This request is {request.status.value}; make a new one with /mentor request."
                )
            ranked = await self.matcher.ranked(conn, request, now)
            if mentor_id is not None:
                ranked = [r for r in ranked if r.user_id == mentor_id]
                if not ranked:
                    raise Conflict("That mentor is no longer available: pick another, or ask the best first.")
            if not ranked:
                return await self.matcher.queue(conn, request, now)
            return await self.matcher.ask(conn, request, ranked[0], now)

    async def cancel(self, guild_id: int, user_id: int) -> tuple[MentorRequest, Outcome]:
        """Withdraw the member's open request and any offer waiting on it."""
        now = self._clock()
        async with self._db.unit_of_work() as conn:
            request = await store.open_request(conn, guild_id, user_id, self._catalog)
            if request is None:
                raise NotFound("You have no open request.")
            await store.set_request_status(conn, request.id, RequestStatus.CANCELLED, now)
            pending = await store.pending_for_request(conn, request.id)
            outcome = await self.matcher.withdraw(conn, pending, now, "request cancelled", cascade=False)
        return request, outcome

    # The mentor's answer

    async def _pending_offer(self, conn: aiosqlite.Connection, offer_id: int, user_id: int) -> Offer:
        offer = await store.offer(conn, offer_id)
        if offer is None:
            raise NotFound("This request no longer exists.")
        if offer.mentor_id != user_id:
            raise NotAllowed("This request was sent to another mentor: only they can answer it.")
        if offer.status is not OfferStatus.PENDING:
            raise Conflict(f"This request is no longer waiting for your answer ({offer.status.value}).")
        return offer

    async def answerable(self, offer_id: int, user_id: int) -> Offer:
        """The offer, if ``user_id`` may still answer it (checked before the decline form opens)."""
        async with self._db.snapshot() as conn:
            return await self._pending_offer(conn, offer_id, user_id)

    async def accept(self, offer_id: int, user_id: int) -> AcceptResult:
        """Take the request: capacity is checked in the same transaction, so it can never be exceeded."""
        now = self._clock()
        async with self._db.unit_of_work() as conn:
            offer = await self._pending_offer(conn, offer_id, user_id)
            left = await self.matcher.capacity_left(conn, offer.guild_id, user_id, now)
            if left <= 0:
                raise Conflict(
                    "You have no free mentee slot: end a pairing with /mentor end or raise your capacity"
                    " with /mentor offer, then accept."
                )
            await store.answer_offer(conn, offer.id, OfferStatus.ACCEPTED, now)
            await store.set_request_status(conn, offer.request_id, RequestStatus.MATCHED, now)
            await store.touch(conn, offer.guild_id, user_id, now)
            pairing = await pairing_store.create_pairing(conn, offer, now, now + self._checkin)
            # First acceptance wins: any other offer for this request closes.
            others = await store.pending_for_request(conn, offer.request_id)
            outcome = await self.matcher.withdraw(conn, others, now, "matched elsewhere", cascade=False)
            if left == 1:
                # That was the last slot: the mentor's other requests go to the next mentor.
                pending = await store.pending_for_mentor(conn, offer.guild_id, user_id)
                outcome += await self.matcher.withdraw(conn, pending, now, "mentor is full", cascade=True)
            intro = await self.matcher.intro(conn, pairing, now)
        return AcceptResult(pairing, Outcome(matches=(intro,)) + outcome)

    async def decline(self, offer_id: int, user_id: int, reason: str | None) -> Outcome:
        """Say no: the request moves on to the next ranked mentor."""
        reason = optional_text("reason", reason, MAX_REASON)
        now = self._clock()
        async with self._db.unit_of_work() as conn:
            offer = await self._pending_offer(conn, offer_id, user_id)
            await store.answer_offer(conn, offer.id, OfferStatus.DECLINED, now, reason)
            await store.touch(conn, offer.guild_id, user_id, now)
            return await self.matcher.offer_next(conn, offer.request_id, now)

    async def record_offer_message(self, offer_id: int, channel_id: int, message_id: int) -> None:
        """Where the offer's buttons were posted, so they can be taken off when it closes."""
        async with self._db.unit_of_work() as conn:
            await store.record_offer_message(conn, offer_id, channel_id, message_id)

    async def tick(self) -> Outcome:
        """Send reminders halfway, expire unanswered offers (cascading them) and make check-ins due."""
        now = self._clock()
        async with self._db.unit_of_work() as conn:
            outcome = Outcome()
            for offer in await store.due_reminders(conn, now):
                await store.mark_reminded(conn, offer.id, now)
                outcome += Outcome(reminders=(offer,))
            for offer in await store.due_expiries(conn, now):
                if await store.answer_offer(conn, offer.id, OfferStatus.EXPIRED, now):
                    outcome += await self.matcher.closed(conn, offer.id)
                    outcome += await self.matcher.offer_next(conn, offer.request_id, now)
            for pairing in await pairing_store.due_checkins(conn, now):
                await pairing_store.mark_checkin_sent(conn, pairing.id, now)
                if pairing.thread_id is not None:
                    outcome += Outcome(checkins=(pairing,))
        return outcome

    # Pairings

    async def record_thread(self, pairing_id: int, thread_id: int) -> None:
        async with self._db.unit_of_work() as conn:
            await pairing_store.record_thread(conn, pairing_id, thread_id)

    async def _member_pairing(self, conn: aiosqlite.Connection, pairing_id: int, user_id: int) -> Pairing:
        pairing = await pairing_store.pairing(conn, pairing_id)
        if pairing is None or not pairing.member(user_id):
            raise NotFound("You have no pairing with that number: see /mentor status.")
        return pairing

    async def end(self, pairing_id: int, user_id: int, reason: str | None) -> Pairing:
        """End a pairing (either side may); it frees the mentor's slot."""
        reason = optional_text("reason", reason, MAX_REASON)
        now = self._clock()
        async with self._db.unit_of_work() as conn:
            pairing = await self._member_pairing(conn, pairing_id, user_id)
            if not await pairing_store.end_pairing(conn, pairing.id, user_id, reason, now):
                raise Conflict("This pairing has already ended.")
            await store.touch(conn, pairing.guild_id, user_id, now)
            ended = await pairing_store.pairing(conn, pairing.id)
        assert ended is not None
        return ended

    async def rate(self, pairing_id: int, user_id: int, rating: str, comment: str | None) -> None:
        """A private 1–5 rating and comment on an ended pairing; rating again replaces it."""
        score = check_rating(rating)
        comment = optional_text("comment", comment, MAX_COMMENT)
        now = self._clock()
        async with self._db.unit_of_work() as conn:
            pairing = await self._member_pairing(conn, pairing_id, user_id)
            if pairing.ended_at is None:
                raise Conflict("Rate a pairing once it has ended (/mentor end).")
            await pairing_store.rate(conn, pairing.id, user_id, score, comment, now)

    async def checkin(self, pairing_id: int, user_id: int, answer: CheckinAnswer) -> Pairing:
        """Record a check-in answer; ``ENDED`` ends the pairing too."""
        now = self._clock()
        async with self._db.unit_of_work() as conn:
            pairing = await self._member_pairing(conn, pairing_id, user_id)
            if pairing.ended_at is not None:
                raise Conflict("This pairing has already ended.")
            await pairing_store.record_checkin(conn, pairing.id, user_id, answer, now)
            if answer is CheckinAnswer.ENDED:
                await pairing_store.end_pairing(conn, pairing.id, user_id, "ended at the check-in", now)
            await store.touch(conn, pairing.guild_id, user_id, now)
            updated = await pairing_store.pairing(conn, pairing.id)
        assert updated is not None
        return updated

    async def block(self, guild_id: int, user_id: int, blocked_id: int) -> Outcome:
        """Never match the two members again, either way; offers between them move on."""
        if blocked_id == user_id:
            raise InvalidInput("member", "you cannot block yourself")
        now = self._clock()
        async with self._db.unit_of_work() as conn:
            await ensure_member(conn, guild_id, user_id, now)
            await pairing_store.block(conn, guild_id, user_id, blocked_id, now)
            pending = await store.pending_between(conn, guild_id, user_id, blocked_id)
            return await self.matcher.withdraw(conn, pending, now, "blocked", cascade=True)

    # Views

    async def status(self, guild_id: int, user_id: int) -> Status:
        now = self._clock()
        async with self._db.snapshot() as conn:
            mentor = await store.mentor(conn, guild_id, user_id, self._catalog, now)
            request = await store.open_request(conn, guild_id, user_id, self._catalog)
            pending = await store.pending_for_request(conn, request.id) if request is not None else []
            offers = await store.pending_for_mentor(conn, guild_id, user_id)
            pairings = await pairing_store.active_pairings(conn, guild_id, user_id)
        return Status(
            user_id, mentor, request, pending[0] if pending else None, tuple(offers), tuple(pairings)
        )

    async def pairings(self, guild_id: int, user_id: int) -> list[Pairing]:
        """The member's active pairings."""
        async with self._db.snapshot() as conn:
            return await pairing_store.active_pairings(conn, guild_id, user_id)

    async def pairing(self, pairing_id: int, user_id: int) -> Pairing:
        async with self._db.snapshot() as conn:
            return await self._member_pairing(conn, pairing_id, user_id)

    # For other features

    async def new_mentors(self, guild_id: int, since: datetime, until: datetime) -> list[int]:
        """Members who started offering to mentor in [since, until)."""
        async with self._db.snapshot() as conn:
            return await store.new_mentors(conn, guild_id, since, until)

    async def open_requests(self, guild_id: int) -> list[tuple[int, str]]:
        """(member, skill) of every request still waiting for a mentor."""
        async with self._db.snapshot() as conn:
            return await store.open_requests(conn, guild_id)

    async def export(self, guild_id: int, user_id: int) -> dict[str, Any]:
        """The member's mentorship data in this guild, for ``/profile export``."""
        async with self._db.snapshot() as conn:
            return await pairing_store.export_member(conn, guild_id, user_id)
