"""Mentorship on a real database: offers, the request cascade, capacity, the clock, pairings, rounds, data."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from bot.db import Database
from bot.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.mentorship.admin import MentorshipAdmin
from bot.mentorship.model import CheckinAnswer, OfferStatus, Outcome, RequestStatus
from bot.mentorship.ranking import MatchWeights
from bot.mentorship.service import MentorshipService
from bot.profiles import ProfileOptions, ProfileService, ProfileText
from bot.skills import SkillCatalog
from tests.support.badges import Clock

GUILD = 10
ALICE, BOB, CAROL, DAN, ERIN = 1, 2, 3, 4, 5
MENTORSHIP_TABLES = (
    ("mentors", "user_id"),
    ("mentor_skills", "user_id"),
    ("mentorship_requests", "user_id"),
    ("mentorship_offers", "mentor_id"),
    ("mentorship_pairings", "mentor_id"),
    ("mentorship_blocks", "user_id"),
)


@dataclass
class World:
    service: MentorshipService
    admin: MentorshipAdmin
    profiles: ProfileService
    clock: Clock
    db_path: Path

    async def profile(
        self, user_id: int, skills: str, timezone: str = "Europe/Berlin", languages: str = ""
    ) -> None:
        await self.profiles.save(
            GUILD, user_id, ProfileText(skills=skills, languages=languages), ProfileOptions(timezone=timezone)
        )

    async def mentor(self, user_id: int, skills: str, capacity: int = 2, **profile: str) -> None:
        await self.profile(user_id, skills, **profile)
        await self.service.offer(GUILD, user_id, None, capacity, None)

    def verified_badge(self, user_id: int, skill: str) -> None:
        """A stored badge that counts, as the showcase leaves it after verifying it."""
        raw = sqlite3.connect(self.db_path)
        try:
            now = self.clock.now.isoformat()
            cursor = raw.execute(
                "INSERT INTO badges (guild_id, user_id, source, credential_id, status, reason, message,"
                " verdict, added_at, last_checked_at)"
                " VALUES (?, ?, 'https://a.example/1', 'urn:1', 'VALID', 'verified', 'ok', '{}', ?, ?)",
                (GUILD, user_id, now, now),
            )
            raw.execute(
                "INSERT INTO badge_skills (badge_id, guild_id, position, skill, known)"
                " VALUES (?, ?, 0, ?, 1)",
                (cursor.lastrowid, GUILD, skill),
            )
            raw.commit()
        finally:
            raw.close()

    def count(self, table: str, column: str, user_id: int) -> int:
        raw = sqlite3.connect(self.db_path)
        try:
            (found,) = raw.execute(f"SELECT count(*) FROM {table} WHERE {column} = ?", (user_id,)).fetchone()
            return int(found)
        finally:
            raw.close()


@pytest.fixture
async def world(db_path: Path) -> AsyncIterator[World]:
    db = await Database.open(db_path)
    await db.migrate()
    clock = Clock()
    catalog = SkillCatalog.bundled()
    service = MentorshipService(db, catalog, clock=clock, weights=MatchWeights(), offer_hours=72)
    profiles = ProfileService(db, catalog, clock, member_data={"mentorship": service.export})
    yield World(service, MentorshipAdmin(db, service.matcher, clock=clock), profiles, clock, db_path)
    await db.close()


async def ask(world: World, user_id: int, skill: str = "Python", **options: object) -> Outcome:
    """Request a mentor and ask the best one first."""
    result = await world.service.request(GUILD, user_id, skill, **options)  # type: ignore[arg-type]
    return await world.service.pick(result.request.id, user_id, None)


async def test_an_offer_defaults_to_the_profile_skills(world: World) -> None:
    await world.profile(BOB, "python, postgres")
    mentor = await world.service.offer(GUILD, BOB, None, 3, "  happy to help  ")
    assert [s.name for s in mentor.skills] == ["Python", "PostgreSQL"]
    assert (mentor.capacity, mentor.note, mentor.active_mentees) == (3, "happy to help", 0)


async def test_a_verified_badge_marks_the_skill_and_ranks_its_mentor_first(world: World) -> None:
    await world.mentor(BOB, "Python")
    await world.mentor(CAROL, "Python")
    world.verified_badge(CAROL, "Python")
    mentor = await world.service.offer(GUILD, CAROL, None, 2, None)
    assert mentor.verified == frozenset({"Python"})
    choices = (await world.service.request(GUILD, ALICE, "Python")).choices
    assert [(c.user_id, c.reasons[0]) for c in choices] == [
        (CAROL, "verified Python"),
        (BOB, "offers Python"),
    ]


async def test_an_offer_needs_skills_and_a_sane_capacity(world: World) -> None:
    with pytest.raises(InvalidInput, match="skills"):
        await world.service.offer(GUILD, BOB, None, 2, None)
    with pytest.raises(InvalidInput, match="capacity"):
        await world.service.offer(GUILD, BOB, "Python", 6, None)


async def test_request_ranks_mentors_and_the_pick_asks_that_mentor(world: World) -> None:
    await world.mentor(BOB, "Python")
    await world.mentor(CAROL, "Rust")  # the same category only
    await world.profile(ALICE, "Python")
    result = await world.service.request(GUILD, ALICE, "python", "Ship my first API")
    assert result.request.skill.name == "Python"
    assert [c.user_id for c in result.choices] == [BOB, CAROL]
    assert result.choices[0].reasons[0] == "offers Python"

    outcome = await world.service.pick(result.request.id, ALICE, CAROL)
    (offer,) = outcome.offers
    assert (offer.mentor_id, offer.mentee_id, offer.goal) == (CAROL, ALICE, "Ship my first API")
    assert offer.expires_at - offer.created_at == timedelta(hours=72)
    with pytest.raises(Conflict, match="already been asked"):
        await world.service.pick(result.request.id, ALICE, BOB)


async def test_only_the_requester_picks_and_one_request_at_a_time(world: World) -> None:
    await world.mentor(BOB, "Python")
    result = await world.service.request(GUILD, ALICE, "Python")
    with pytest.raises(NotAllowed):
        await world.service.pick(result.request.id, DAN, None)
    with pytest.raises(Conflict, match="already have an open request"):
        await world.service.request(GUILD, ALICE, "Rust")
    await world.service.cancel(GUILD, ALICE)
    nobody = await world.service.request(GUILD, ALICE, "Basket weaving")
    assert (nobody.choices, nobody.request.status) == ((), RequestStatus.QUEUED)


async def test_a_decline_cascades_to_the_next_mentor_then_the_queue(world: World) -> None:
    await world.mentor(BOB, "Python")
    await world.mentor(CAROL, "Python")
    first = (await ask(world, ALICE)).offers[0]
    assert first.mentor_id == BOB  # equal scores: the lower id first

    with pytest.raises(NotAllowed):
        await world.service.decline(first.id, CAROL, None)
    second = (await world.service.decline(first.id, BOB, "busy this month")).offers[0]
    assert second.mentor_id == CAROL
    last = await world.service.decline(second.id, CAROL, None)
    assert last.offers == () and [r.user_id for r in last.exhausted] == [ALICE]
    assert await world.service.open_requests(GUILD) == [(ALICE, "Python")]

    with pytest.raises(Conflict, match="no longer waiting"):
        await world.service.accept(first.id, BOB)


async def test_a_mentor_who_declined_is_not_offered_the_member_again_for_30_days(world: World) -> None:
    await world.mentor(BOB, "Python")
    offer = (await ask(world, ALICE)).offers[0]
    await world.service.decline(offer.id, BOB, None)
    await world.service.cancel(GUILD, ALICE)
    assert (await world.service.request(GUILD, ALICE, "Python")).choices == ()
    await world.service.cancel(GUILD, ALICE)
    world.clock.now += timedelta(days=31)
    assert [c.user_id for c in (await world.service.request(GUILD, ALICE, "Python")).choices] == [BOB]


async def test_accept_pairs_them_and_closes_the_request(world: World) -> None:
    await world.mentor(BOB, "Python, SQL")
    await world.profile(ALICE, "SQL", timezone="Europe/Berlin")
    offer = (await ask(world, ALICE, goal="Learn testing")).offers[0]
    result = await world.service.accept(offer.id, BOB)

    pairing = result.pairing
    assert (pairing.mentor_id, pairing.mentee_id, pairing.skill, pairing.goal) == (
        BOB,
        ALICE,
        "Python",
        "Learn testing",
    )
    (intro,) = result.outcome.matches
    assert intro.shared_skills == ("Python", "SQL")
    assert intro.mentor_hours == ("09:00–17:00 (Europe/Berlin)",)
    status = await world.service.status(GUILD, ALICE)
    assert status.request is None and [p.id for p in status.pairings] == [pairing.id]
    assert (await world.service.status(GUILD, BOB)).mentor.active_mentees == 1  # type: ignore[union-attr]


async def test_two_accepts_at_once_never_exceed_capacity(world: World) -> None:
    await world.mentor(BOB, "Python", capacity=1)
    await world.mentor(CAROL, "Python", capacity=1)
    to_bob = [(await ask(world, mentee)).offers[0] for mentee in (ALICE, DAN)]
    assert [o.mentor_id for o in to_bob] == [BOB, BOB]

    results = await asyncio.gather(*(world.service.accept(o.id, BOB) for o in to_bob), return_exceptions=True)

    accepted = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(accepted) == 1 and len(refused) == 1 and isinstance(refused[0], Conflict)
    # The first acceptance filled Bob up: Dan's request went on to Carol.
    (moved,) = accepted[0].outcome.offers  # type: ignore[union-attr]
    assert (moved.mentee_id, moved.mentor_id) == (DAN, CAROL)
    assert [o.status for o in accepted[0].outcome.withdrawn] == [OfferStatus.WITHDRAWN]  # type: ignore[union-attr]


async def test_paired_before_is_skipped_unless_asked_again(world: World) -> None:
    await world.mentor(BOB, "Python")
    offer = (await ask(world, ALICE)).offers[0]
    pairing = (await world.service.accept(offer.id, BOB)).pairing
    await world.service.end(pairing.id, ALICE, "done")
    assert (await world.service.request(GUILD, ALICE, "Python")).choices == ()
    await world.service.cancel(GUILD, ALICE)
    again = await world.service.request(GUILD, ALICE, "Python", ask_again=True)
    assert [c.user_id for c in again.choices] == [BOB]


async def test_reminder_halfway_then_expiry_cascades_once(world: World) -> None:
    await world.mentor(BOB, "Python")
    await world.mentor(CAROL, "Python")
    offer = (await ask(world, ALICE)).offers[0]

    world.clock.now += timedelta(hours=35)
    assert await world.service.tick() == Outcome()
    world.clock.now += timedelta(hours=1)
    reminded = await world.service.tick()
    assert [o.id for o in reminded.reminders] == [offer.id]
    assert await world.service.tick() == Outcome()

    world.clock.now += timedelta(hours=36)
    expired = await world.service.tick()
    assert [(o.id, o.status) for o in expired.withdrawn] == [(offer.id, OfferStatus.EXPIRED)]
    assert [o.mentor_id for o in expired.offers] == [CAROL]
    assert await world.service.tick() == Outcome()


async def test_pausing_declines_pending_offers_and_hides_the_mentor(world: World) -> None:
    await world.mentor(BOB, "Python")
    await world.mentor(CAROL, "Python")
    offer = (await ask(world, ALICE)).offers[0]
    until = world.clock.now + timedelta(days=3)
    mentor, outcome = await world.service.pause(GUILD, BOB, until)

    assert mentor.paused(world.clock.now)
    assert [(o.id, o.reason) for o in outcome.withdrawn] == [(offer.id, "paused")]
    assert [o.mentor_id for o in outcome.offers] == [CAROL]
    await world.service.request(GUILD, DAN, "Python")
    assert BOB not in [c.user_id for c in (await world.service.request(GUILD, ERIN, "Python")).choices]
    world.clock.now = until
    await world.service.cancel(GUILD, ERIN)
    assert BOB in [c.user_id for c in (await world.service.request(GUILD, ERIN, "Python")).choices]
    with pytest.raises(InvalidInput, match="future"):
        await world.service.pause(GUILD, BOB, world.clock.now)


async def test_a_block_works_both_ways_and_moves_pending_offers_on(world: World) -> None:
    await world.mentor(BOB, "Python")
    await world.mentor(CAROL, "Python")
    offer = (await ask(world, ALICE)).offers[0]
    outcome = await world.service.block(GUILD, BOB, ALICE)  # the mentor blocks the mentee
    assert [o.id for o in outcome.withdrawn] == [offer.id]
    assert [o.mentor_id for o in outcome.offers] == [CAROL]
    with pytest.raises(InvalidInput):
        await world.service.block(GUILD, ALICE, ALICE)


async def test_end_frees_capacity_rating_needs_an_end_and_check_ins_come_after_a_week(world: World) -> None:
    await world.mentor(BOB, "Python", capacity=1)
    offer = (await ask(world, ALICE)).offers[0]
    pairing = (await world.service.accept(offer.id, BOB)).pairing
    await world.service.record_thread(pairing.id, 555)
    with pytest.raises(Conflict, match="once it has ended"):
        await world.service.rate(pairing.id, ALICE, "5", None)

    world.clock.now += timedelta(days=7)
    (due,) = (await world.service.tick()).checkins
    assert due.thread_id == 555
    await world.service.checkin(pairing.id, ALICE, CheckinAnswer.MET)
    with pytest.raises(NotFound):
        await world.service.checkin(pairing.id, DAN, CheckinAnswer.MET)

    ended = await world.service.end(pairing.id, BOB, "goal reached")
    assert (ended.ended_by, ended.end_reason) == (BOB, "goal reached")
    with pytest.raises(Conflict, match="already ended"):
        await world.service.end(pairing.id, ALICE, None)
    with pytest.raises(InvalidInput, match="rating"):
        await world.service.rate(pairing.id, ALICE, "9", None)
    await world.service.rate(pairing.id, ALICE, "4", "Very helpful")
    assert (await world.service.status(GUILD, BOB)).mentor.active_mentees == 0  # type: ignore[union-attr]
    stats = await world.admin.stats(GUILD)
    assert (stats.ended_pairings, stats.average_rating, stats.checkins[CheckinAnswer.MET]) == (1, 4.0, 1)
    assert (stats.offers_accepted, stats.acceptance_rate) == (1, 1.0)


async def test_a_round_assigns_open_requests_and_publishing_sends_offers(world: World) -> None:
    await world.mentor(BOB, "Python", capacity=1)
    await world.mentor(CAROL, "SQL", capacity=1)
    await world.profile(DAN, "Python")  # shares Bob's working hours, unlike Erin
    for mentee, skill in ((ALICE, "SQL"), (DAN, "Python"), (ERIN, "Python")):
        await world.service.request(GUILD, mentee, skill)

    preview = await world.admin.preview_round(GUILD, 99)
    pairs = {preview.mentees[p.request_id]: p.mentor_id for p in preview.plan.pairs}
    assert pairs == {ALICE: CAROL, DAN: BOB}
    assert [preview.mentees[r] for r in preview.plan.unmatched] == [ERIN]

    outcome = await world.admin.publish_round(preview.round_id, GUILD)
    assert {(o.mentee_id, o.mentor_id) for o in outcome.offers} == {(ALICE, CAROL), (DAN, BOB)}
    with pytest.raises(Conflict, match="already published"):
        await world.admin.publish_round(preview.round_id, GUILD)


async def test_new_mentors_in_a_window(world: World) -> None:
    start = world.clock.now
    await world.mentor(BOB, "Python")
    world.clock.now += timedelta(days=2)
    await world.mentor(CAROL, "Python")
    await world.service.offer(GUILD, BOB, "Python, SQL", 2, None)  # a change is not a new start
    assert await world.service.new_mentors(GUILD, start, start + timedelta(days=1)) == [BOB]
    assert await world.service.new_mentors(GUILD, start, start + timedelta(days=3)) == [BOB, CAROL]


async def test_export_and_delete_include_mentorship(world: World) -> None:
    await world.mentor(BOB, "Python")
    offer = (await ask(world, ALICE)).offers[0]
    await world.service.accept(offer.id, BOB)
    await world.service.block(GUILD, BOB, DAN)

    exported = await world.profiles.export(GUILD, BOB)
    mentorship = exported["mentorship"]
    assert mentorship["mentor"]["skills"] == ["Python"]
    assert [p["role"] for p in mentorship["pairings"]] == ["mentor"]
    assert mentorship["blocks"][0]["member_id"] == str(DAN)
    assert (await world.profiles.export(GUILD, ALICE))["mentorship"]["requests"][0]["status"] == "matched"

    assert await world.profiles.delete(GUILD, BOB)
    for table, column in MENTORSHIP_TABLES:
        assert world.count(table, column, BOB) == 0, table
