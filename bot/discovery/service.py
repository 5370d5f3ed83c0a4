"""Discovery: role gap analysis, the member directory search and the weekly digest, one guild at a time.

The pure rules (coverage, credential ranking, member ranking, digest slots and text) live in the
modules beside this one; this service reads what they need from the database and keeps the digest's
schedule honest across restarts: a slot is claimed in the database before its post is sent, so a crash
can never post it twice, and a failed post gives the claim back so the next round retries it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta, tzinfo
from typing import Protocol

from bot.db import Database
from bot.discovery import store
from bot.discovery.catalog import Catalog, Role
from bot.discovery.chart import coverage_chart
from bot.discovery.coverage import RoleCoverage, role_coverage, suggest_credentials
from bot.discovery.digest import DigestData, DigestSchedule, compose_digest, due_slot, slot_for
from bot.discovery.model import (
    Digest,
    DigestPost,
    DigestPreview,
    DigestSettings,
    FindOutcome,
    FindRequest,
    RoleMember,
    RoleMembers,
    SkillMap,
)
from bot.discovery.search import MAX_QUERY_SKILLS, FindQuery, parse_timezone, rank_members
from bot.errors import InvalidInput, NotFound
from bot.profiles.model import MAX_WEEKLY_HOURS
from bot.skills import SkillCatalog

log = logging.getLogger(__name__)

MAX_RESULTS = 50
ROLE_MEMBERS = 25
TOP_SKILLS = 5
WEEK = timedelta(days=7)
# Search counts older than this are deleted: the digest only ever looks one week back.
SEARCH_RETENTION = timedelta(weeks=8)
_DAY_MINUTES = 24 * 60


def zone_distances(wished: str, zones: Iterable[str], now: datetime) -> dict[str, int]:
    """Minutes between the wished zone and each of ``zones`` at ``now``, the shorter way round the clock.

    Zones are read as ``rank_members`` reads them; names the tz database no longer knows are left out,
    since it ranks them as unknown.
    """
    wanted = _offset(parse_timezone(wished), now)
    found = {}
    for name in zones:
        try:
            zone = parse_timezone(name)
        except InvalidInput:
            continue
        apart = abs(_offset(zone, now) - wanted) % _DAY_MINUTES
        found[name] = min(apart, _DAY_MINUTES - apart)
    return found


def _offset(zone: tzinfo, moment: datetime) -> int:
    offset = moment.astimezone(zone).utcoffset() or timedelta(0)
    return int(offset.total_seconds() // 60)


class MentorshipActivity(Protocol):
    """What the digest needs from mentorship: new mentors and the requests still open."""

    async def new_mentors(self, guild_id: int, since: datetime, until: datetime) -> list[int]: ...

    async def open_requests(self, guild_id: int) -> list[tuple[int, str]]: ...


class DiscoveryService:
    def __init__(
        self,
        database: Database,
        skills: SkillCatalog,
        catalog: Catalog,
        mentorship: MentorshipActivity,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self._db = database
        self._skills = skills
        self._catalog = catalog
        self._mentorship = mentorship
        self._clock = clock
        # /find counts are kept in memory and written with the digest round: writing on every search
        # would add a durable commit to each one. A crash loses at most one round's counts.
        self._searches: Counter[tuple[int, datetime, str]] = Counter()
        # No digest slot comes before this moment (None: look in the database), so the hourly rounds in
        # between cost nothing. Changing a schedule clears it; ``_changes`` tells a round that read the
        # schedules before such a change not to trust what it read.
        self._quiet_until: datetime | None = None
        self._changes = 0

    # Roles and gap analysis

    def roles(self) -> list[Role]:
        return sorted(self._catalog.roles.values(), key=lambda role: role.name.casefold())

    def role(self, text: str) -> Role:
        role = self._catalog.role(text)
        if role is None:
            raise NotFound(f"There is no role called {text.strip()[:60]!r}: pick one from the list (/roles).")
        return role

    def role_choices(self, typed: str) -> list[Role]:
        return self._catalog.suggest_roles(typed)

    def skill_choices(self, typed: str) -> list[str]:
        return [skill.name for skill in self._skills.suggest(typed)]

    async def skillmap(self, guild_id: int, user_id: int, role_text: str) -> SkillMap:
        """The member's coverage of a role, and the credentials that would close the gap, best first."""
        role = self.role(role_text)
        now = self._clock()
        async with self._db.snapshot() as conn:
            verified = await store.evidence(conn, guild_id, user_id, now)
            declared = await store.declared_skills(conn, guild_id, user_id)
        coverage = role_coverage(role, verified=verified, declared=declared, skills=self._skills)
        return SkillMap(coverage, tuple(suggest_credentials(coverage, self._catalog)))

    async def chart(self, coverage: RoleCoverage) -> bytes:
        """The coverage picture as PNG, drawn off the event loop."""
        return await asyncio.to_thread(coverage_chart, coverage)

    async def role_members(self, guild_id: int, role_text: str) -> RoleMembers:
        """Directory members who cover most of a role (verified skills weigh most), best first."""
        role = self.role(role_text)
        now = self._clock()
        async with self._db.snapshot() as conn:
            found = await store.directory_members(conn, guild_id, [s.skill for s in role.skills], now)
        scored = [
            RoleMember(
                member.user_id,
                role_coverage(
                    role, verified=member.verified, declared=member.declared, skills=self._skills
                ).percent,
            )
            for member in found
        ]
        scored.sort(key=lambda member: (-member.percent, member.user_id))
        return RoleMembers(role, tuple(member for member in scored if member.percent > 0)[:ROLE_MEMBERS])

    # The directory

    def query(self, request: FindRequest) -> FindQuery:
        """Check ``/find``'s options: skills from the skill list (1-3), a real time zone, sane hours."""
        skills: dict[str, None] = {}
        for written in request.skills:
            if not written.strip():
                continue
            skill = self._skills.lookup(written)
            if skill is None:
                raise InvalidInput(
                    "skill", f"{written.strip()[:50]!r} is not in the skill list: pick one of the suggestions"
                )
            skills[skill.name] = None
        if not skills:
            raise InvalidInput("skill", "name at least one skill")
        if len(skills) > MAX_QUERY_SKILLS:
            raise InvalidInput("skill", f"search for at most {MAX_QUERY_SKILLS} skills at once")
        if request.min_hours is not None and not 0 <= request.min_hours <= MAX_WEEKLY_HOURS:
            raise InvalidInput("min_hours", f"must be between 0 and {MAX_WEEKLY_HOURS}")
        timezone = None
        if request.timezone is not None and request.timezone.strip():
            timezone = request.timezone.strip()
            parse_timezone(timezone)  # refuses what is not a time zone
        return FindQuery(
            skills=tuple(skills),
            verified_only=request.verified_only,
            timezone=timezone,
            min_hours=request.min_hours,
            open_to_work=request.open_to_work,
        )

    async def find(self, guild_id: int, request: FindRequest) -> FindOutcome:
        """Directory members of this guild with the skills, ranked; the skills count toward the digest."""
        query = self.query(request)
        now = self._clock()
        hour = now.replace(minute=0, second=0, microsecond=0)
        # The database ranks and cuts first, so a common skill never ships thousands of rows to Python;
        # rank_members then words the shortlist (and orders it the same way).
        async with self._db.snapshot() as conn:
            distances = None
            if query.timezone:
                distances = zone_distances(query.timezone, await store.directory_zones(conn, guild_id), now)
            shortlist, matched = await store.shortlist(
                conn,
                guild_id,
                query.skills,
                now,
                verified_only=query.verified_only,
                min_hours=query.min_hours,
                open_to_work=query.open_to_work,
                distances=distances,
                limit=MAX_RESULTS,
            )
            members = await store.shortlisted_members(
                conn, guild_id, query.skills, shortlist, now, verified_only=query.verified_only
            )
        ranked = rank_members(query, members, now=now)
        self._searches.update((guild_id, hour, skill) for skill in query.skills)
        return FindOutcome(query, tuple(ranked), matched)

    async def flush_searches(self) -> None:
        """Write the search counts kept in memory, and forget counts too old for any digest."""
        counts, self._searches = self._searches, Counter()
        if not counts:
            return
        try:
            async with self._db.unit_of_work() as conn:
                await store.add_searches(conn, counts)
                await store.prune_searches(conn, self._clock() - SEARCH_RETENTION)
        except BaseException:
            self._searches.update(counts)
            raise

    # The weekly digest

    async def digest_settings(self, guild_id: int) -> DigestSettings | None:
        async with self._db.snapshot() as conn:
            return await store.digest_settings(conn, guild_id)

    async def set_digest(self, guild_id: int, channel_id: int, day: int, hour: int) -> DigestSettings:
        """Post the digest in ``channel_id`` every week on ``day`` (0 = Monday) at ``hour`` UTC.

        The slot just past counts as done, so setting (or moving) the digest never posts one at once.
        """
        schedule = DigestSchedule(day, hour)
        current = slot_for(schedule, self._clock())
        async with self._db.unit_of_work() as conn:
            stored = await store.digest_settings(conn, guild_id)
            last = current if stored is None or stored.last_slot is None else max(stored.last_slot, current)
            settings = DigestSettings(
                guild_id, channel_id, schedule, last, stored.posting if stored else False
            )
            await store.save_digest_settings(conn, settings)
        self._schedule_changed()
        return settings

    async def stop_digest(self, guild_id: int) -> bool:
        async with self._db.unit_of_work() as conn:
            stopped = await store.delete_digest_settings(conn, guild_id)
        self._schedule_changed()
        return stopped

    def _schedule_changed(self) -> None:
        self._quiet_until = None
        self._changes += 1

    async def preview_digest(self, guild_id: int) -> DigestPreview:
        """What the next digest holds so far: everything since the last one (or the past week)."""
        await self.flush_searches()
        now = self._clock()
        settings = await self.digest_settings(guild_id)
        since = settings.last_slot if settings is not None and settings.last_slot is not None else now - WEEK
        return DigestPreview(settings, await self._digest(guild_id, since, now))

    async def post_due(self, send: Callable[[DigestPost], Awaitable[None]]) -> int:
        """Post every guild's digest whose slot has come (or was missed); returns how many were sent.

        ``send`` delivers one digest to Discord. It runs outside any transaction; if it raises, the
        failure is logged and the slot is retried next round.
        """
        await self.flush_searches()
        now = self._clock()
        if self._quiet_until is not None and now < self._quiet_until:
            return 0
        changes = self._changes
        async with self._db.snapshot() as conn:
            guilds = await store.all_digest_settings(conn)
        for stuck in guilds:
            if not stuck.posting or stuck.last_slot is None:
                continue
            log.warning(
                "the digest of guild %s for %s may be missing: the bot stopped while posting it, and it "
                "is not posted again so that it can never appear twice",
                stuck.guild_id,
                stuck.last_slot,
            )
            async with self._db.unit_of_work() as conn:
                await store.end_posting(conn, stuck.guild_id, stuck.last_slot, stuck.last_slot)
        sent = 0
        failed = False
        for settings in guilds:
            post = await self._due(settings, now)
            if post is None:
                continue
            try:
                await send(post)
            except Exception:
                log.exception(
                    "the digest of guild %s for %s failed; retrying next round", post.guild_id, post.slot
                )
                async with self._db.unit_of_work() as conn:
                    await store.end_posting(conn, post.guild_id, post.slot, post.previous_slot)
                failed = True
                continue
            async with self._db.unit_of_work() as conn:
                await store.end_posting(conn, post.guild_id, post.slot, post.slot)
            sent += 1
        if not failed and changes == self._changes:
            self._quiet_until = min((slot_for(s.schedule, now) + WEEK for s in guilds), default=now + WEEK)
        return sent

    async def _due(self, settings: DigestSettings, now: datetime) -> DigestPost | None:
        """Compose the digest due for ``settings`` and claim its slot; None if nothing is due."""
        slot = due_slot(settings.schedule, now, settings.last_slot)
        if slot is None:
            return None
        # Weeks missed entirely (the bot was down) fold into this post rather than going unreported.
        since = settings.last_slot if settings.last_slot is not None else slot - WEEK
        digest = await self._digest(settings.guild_id, since, slot)
        async with self._db.unit_of_work() as conn:
            if not await store.claim_slot(conn, settings.guild_id, slot, settings.last_slot):
                return None  # changed meanwhile (an admin moved it): the next round looks again
        return DigestPost(settings.guild_id, settings.channel_id, slot, settings.last_slot, digest)

    async def _digest(self, guild_id: int, since: datetime, until: datetime) -> Digest:
        return Digest(since, until, compose_digest(await self.week(guild_id, since, until)))

    async def week(self, guild_id: int, since: datetime, until: datetime) -> DigestData:
        """The guild's activity in [since, until), as the digest reports it."""
        async with self._db.snapshot() as conn:
            badges = await store.new_badges(conn, guild_id, since, until)
            stacks = await store.completed_stacks(conn, guild_id, since, until)
            verified = await store.top_verified_skills(conn, guild_id, since, until, TOP_SKILLS)
            searched = await store.top_searched_skills(conn, guild_id, since, until, TOP_SKILLS)
        # Mentorship answers outside the snapshot: it may use the database itself.
        mentors = await self._mentorship.new_mentors(guild_id, since, until)
        requests = await self._mentorship.open_requests(guild_id)
        return DigestData(
            since=since,
            until=until,
            new_badges=tuple(badges),
            completed_stacks=tuple(stacks),
            new_mentors=tuple(mentors),
            open_requests=tuple(requests),
            top_verified_skills=tuple(verified),
            top_searched_skills=tuple(searched),
        )
