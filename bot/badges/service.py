"""Members' badges: add, list, remove, refresh, congratulate, and what they earn."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from bot.badges import guild_store, listing, store
from bot.badges import stacks as rules
from bot.badges.intake import build_record, check_source
from bot.badges.model import (
    MAX_BADGES_PER_MEMBER,
    AddResult,
    Badge,
    Congratulated,
    MemberCleanup,
    RefreshResult,
    RemoveResult,
    ShowcaseMessage,
    StackProgress,
)
from bot.badges.policy import admit, after_check
from bot.badges.reverify import record_outcome
from bot.db import Database
from bot.errors import Conflict, NotAllowed, NotFound
from bot.lookups import LookupService
from bot.profiles.store import ensure_member
from bot.skills import SkillCatalog
from bot.verification.verdict import Verdict

_NO_SUCH_BADGE = "You have no badge with that id in this server; pick one from the list."


class BadgeService:
    """Member-facing showcase operations; verification goes through the lookup service's limits."""

    def __init__(
        self,
        database: Database,
        lookups: LookupService,
        catalog: SkillCatalog,
        *,
        clock: Callable[[], datetime],
        grace_days: float = 7,
    ) -> None:
        self._db = database
        self._lookups = lookups
        self._catalog = catalog
        self._clock = clock
        self._grace = timedelta(days=grace_days)

    async def add(
        self, guild_id: int, user_id: int, source: str | bytes, *, email: str | None = None
    ) -> AddResult:
        """Verify a badge (a URL or image bytes) and store it under the guild's policy.

        Adding a credential the member already stored updates it; one claimed by another member is refused.
        """
        checked = check_source(source)
        emails = await self._lookups.reserve(guild_id, user_id, email)
        return await self._store(guild_id, user_id, checked, await self._lookups.verify(checked, emails))

    async def add_posted(
        self, guild_id: int, user_id: int, source: str | bytes, *, verdict: Verdict | None = None
    ) -> AddResult:
        """Add a badge the member posted in a watched channel, as ``add`` does but without its cooldown.

        The channel watch limits posts itself. ``verdict`` is the watch's own fresh check of ``source``;
        without it the badge is verified again now with the member's saved emails.
        """
        checked = check_source(source)
        if verdict is None:
            profile_emails = await self._lookups.saved_emails(guild_id, user_id)
            verdict = await self._lookups.verify(checked, profile_emails)
        return await self._store(guild_id, user_id, checked, verdict)

    async def _store(self, guild_id: int, user_id: int, checked: str | bytes, verdict: Verdict) -> AddResult:
        now = self._clock()
        async with self._db.unit_of_work() as conn:
            settings = await guild_store.settings(conn, guild_id)
            admission = admit(verdict, settings)
            record = build_record(
                checked, verdict, self_reported=admission.self_reported, catalog=self._catalog
            )
            claim = await store.claimed_by(conn, guild_id, record.credential_id)
            if claim is not None and claim[1] != user_id:
                raise Conflict("This credential is already claimed by another member of this server.")
            if claim is None:
                if await store.count_badges(conn, guild_id, user_id) >= MAX_BADGES_PER_MEMBER:
                    raise Conflict(f"You already have {MAX_BADGES_PER_MEMBER} badges here; remove one first.")
                await ensure_member(conn, guild_id, user_id, now)
                badge_id = await store.insert_badge(conn, guild_id, user_id, record, now)
            else:
                badge_id = claim[0]
                await store.replace_badge(conn, badge_id, guild_id, user_id, record, now)
            roles = await guild_store.member_roles(conn, guild_id, user_id, now, self._catalog)
            badge = await store.load_badge(conn, badge_id, self._catalog)
        assert badge is not None
        return AddResult(badge, claim is None, verdict, roles, settings.channel_id)

    async def get(self, guild_id: int, badge_id: int) -> Badge | None:
        """A badge in this guild by id, whoever owns it."""
        async with self._db.snapshot() as conn:
            badge = await store.load_badge(conn, badge_id, self._catalog)
        return badge if badge is not None and badge.guild_id == guild_id else None

    async def list_badges(self, guild_id: int, user_id: int) -> list[Badge]:
        async with self._db.snapshot() as conn:
            return await store.member_badges(conn, guild_id, user_id, self._catalog)

    async def grouped(self, guild_id: int, user_id: int) -> list[listing.BadgeGroup]:
        """The member's badges under skill categories, for ``/badge list``."""
        return listing.group_by_category(await self.list_badges(guild_id, user_id))

    async def autocomplete(self, guild_id: int, user_id: int, typed: str) -> list[tuple[int, str]]:
        return listing.choices(await self.list_badges(guild_id, user_id), typed, self._clock())

    async def remove(self, guild_id: int, user_id: int, badge_id: int) -> RemoveResult:
        """Delete one of the caller's badges; the result names its post to delete and the role change."""
        now = self._clock()
        async with self._db.unit_of_work() as conn:
            badge = await store.load_badge(conn, badge_id, self._catalog)
            if badge is None or badge.guild_id != guild_id or badge.user_id != user_id:
                raise NotFound(_NO_SUCH_BADGE)
            await store.delete_badge(conn, badge_id)
            roles = await guild_store.member_roles(conn, guild_id, user_id, now, self._catalog)
        return RemoveResult(badge, roles)

    async def refresh(self, guild_id: int, user_id: int, badge_id: int) -> RefreshResult:
        """Verify one of the caller's badges again now and apply what the issuer says."""
        async with self._db.snapshot() as conn:
            state = await store.check_state(conn, badge_id)
        if state is None or state.guild_id != guild_id or state.user_id != user_id:
            raise NotFound(_NO_SUCH_BADGE)
        if state.recheck is None:
            raise NotAllowed("This badge cannot be verified again; add it again from its URL or image.")
        await self._lookups.reserve(guild_id, user_id, None)
        # No emails: the recipient was bound when the badge was added, and may have changed address since.
        verdict = await self._lookups.verify(state.recheck, ())
        now = self._clock()
        async with self._db.unit_of_work() as conn:
            current = await store.check_state(conn, badge_id)
            if current is None:
                raise NotFound(_NO_SUCH_BADGE)
            change = await record_outcome(
                conn, current, after_check(current, verdict, now, self._grace), now, self._catalog
            )
            stored = await store.load_badge(conn, badge_id, self._catalog)
        assert stored is not None
        return RefreshResult(stored, verdict, change)

    async def record_showcase_post(self, badge_id: int, channel_id: int, message_id: int) -> None:
        """Remember the badge's showcase post, so it can be edited or deleted later."""
        async with self._db.unit_of_work() as conn:
            await store.set_showcase(conn, badge_id, ShowcaseMessage(channel_id, message_id))

    async def forget_showcase_post(self, badge_id: int) -> None:
        """The post is gone (deleted by a moderator, or its channel was): stop editing it."""
        async with self._db.unit_of_work() as conn:
            await store.set_showcase(conn, badge_id, None)

    async def congratulate(self, guild_id: int, badge_id: int, member_id: int) -> Congratulated:
        """Count one congratulation per member; owners cannot congratulate their own badge."""
        now = self._clock()
        async with self._db.unit_of_work() as conn:
            owner = await store.owner_of(conn, badge_id)
            if owner is None or owner[0] != guild_id:
                raise NotFound("This badge has been removed from the showcase.")
            if owner[1] == member_id:
                raise NotAllowed("You cannot congratulate yourself, but well done all the same!")
            added = await store.congratulate(conn, badge_id, member_id, now)
            count = await store.congratulation_count(conn, badge_id)
        return Congratulated(count, added)

    async def verified_skills(self, guild_id: int, user_id: int) -> frozenset[str]:
        """The skills of the member's verified badges (canonical names where the skill list knows them)."""
        async with self._db.snapshot() as conn:
            found = await store.verified_skills(conn, guild_id, [user_id], self._clock())
        return frozenset(found.get(user_id, ()))

    async def stack_progress(self, guild_id: int, user_id: int) -> list[StackProgress]:
        """Each of the guild's stacks and how far the member's verified badges go toward it."""
        now = self._clock()
        async with self._db.snapshot() as conn:
            verified = await store.verified_skills(conn, guild_id, [user_id], now)
            stacks = await guild_store.stacks(conn, guild_id, self._catalog)
        return [rules.progress(stack, verified.get(user_id, set())) for stack in stacks]

    async def roles_not_applied(
        self, guild_id: int, user_id: int, *, add: Iterable[int] = (), remove: Iterable[int] = ()
    ) -> None:
        """Discord refused part of a role change: keep the records true so a later change retries it.

        Roles that could not be added are no longer counted as granted; roles that could not be removed
        still are.
        """
        now = self._clock()
        async with self._db.unit_of_work() as conn:
            await guild_store.ungrant(conn, guild_id, [(user_id, role_id) for role_id in add])
            await guild_store.grant(conn, guild_id, [(user_id, role_id) for role_id in remove], now)

    async def export(self, guild_id: int, user_id: int) -> dict[str, Any]:
        """The member's showcase data in this guild, as JSON-ready values for ``/profile export``."""
        async with self._db.snapshot() as conn:
            badges = await store.export_rows(conn, guild_id, user_id)
            congratulated = await store.congratulated_by(conn, guild_id, user_id)
            granted = await guild_store.granted_roles(conn, guild_id, [user_id])
        return {
            "badges": badges,
            "congratulated_badges": congratulated,
            "granted_roles": [str(role) for role in sorted(granted.get(user_id, ()))],
        }

    async def forget_member(self, guild_id: int, user_id: int) -> MemberCleanup:
        """Delete the member's badges, congratulations and role records in this guild.

        Call before deleting the member's profile; the result names the posts to delete and the roles
        to take back in Discord.
        """
        async with self._db.unit_of_work() as conn:
            posts = await store.forget_member(conn, guild_id, user_id)
            roles = await guild_store.forget_member(conn, guild_id, user_id)
        return MemberCleanup(tuple(posts), roles)
