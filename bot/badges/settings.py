"""A guild's showcase rules, set by its admins: the showcase channel, the policy, skill roles and stacks.

Changing a skill role or a stack changes what members' existing badges earn, so those calls return each
affected member's role change for the caller to apply. Members who already complete a new stack get
its role quietly: the showcase celebrates completions as they happen, not an admin's edit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from bot.badges import guild_store
from bot.badges.model import MemberRoles, RoleDelta, ShowcaseSettings, SkillRole, Stack
from bot.badges.stacks import MAX_STACKS_PER_GUILD, validate_stack
from bot.db import Database
from bot.errors import Conflict, InvalidInput, NotFound
from bot.skills import MAX_SKILL_LENGTH, SkillCatalog


def _changes(found: dict[int, RoleDelta]) -> tuple[MemberRoles, ...]:
    return tuple(MemberRoles(user_id, delta) for user_id, delta in sorted(found.items()))


class ShowcaseAdmin:
    def __init__(self, database: Database, catalog: SkillCatalog, *, clock: Callable[[], datetime]) -> None:
        self._db = database
        self._catalog = catalog
        self._clock = clock

    async def settings(self, guild_id: int) -> ShowcaseSettings:
        async with self._db.snapshot() as conn:
            return await guild_store.settings(conn, guild_id)

    async def set_showcase_channel(self, guild_id: int, channel_id: int | None) -> ShowcaseSettings:
        """Post new badges in ``channel_id``; None stops posting (badges are still stored)."""
        async with self._db.unit_of_work() as conn:
            updated = replace(await guild_store.settings(conn, guild_id), channel_id=channel_id)
            await guild_store.save_settings(conn, updated)
        return updated

    async def set_policy(
        self,
        guild_id: int,
        *,
        require_recipient_match: bool | None = None,
        accept_unverifiable: bool | None = None,
    ) -> ShowcaseSettings:
        """Change what ``/badge add`` accepts; an option left as None keeps its current value.

        The policy applies to badges added from now on; stored badges keep their standing.
        """
        async with self._db.unit_of_work() as conn:
            current = await guild_store.settings(conn, guild_id)
            updated = replace(
                current,
                require_recipient_match=current.require_recipient_match
                if require_recipient_match is None
                else require_recipient_match,
                accept_unverifiable=current.accept_unverifiable
                if accept_unverifiable is None
                else accept_unverifiable,
            )
            await guild_store.save_settings(conn, updated)
        return updated

    async def skill_roles(self, guild_id: int) -> list[SkillRole]:
        async with self._db.snapshot() as conn:
            return await guild_store.skill_roles(conn, guild_id, self._catalog)

    async def set_skill_role(
        self, guild_id: int, skill: str, role_id: int
    ) -> tuple[SkillRole, tuple[MemberRoles, ...]]:
        """A verified ``skill`` grants ``role_id`` (replacing the skill's previous role)."""
        written = " ".join(skill.split())
        if not written:
            raise InvalidInput("skill", "must not be empty")
        if len(written) > MAX_SKILL_LENGTH:
            raise InvalidInput("skill", f"is longer than {MAX_SKILL_LENGTH} characters")
        mapping = SkillRole(guild_id, self._catalog.normalise(written), role_id)
        now = self._clock()
        async with self._db.unit_of_work() as conn:
            await guild_store.set_skill_role(conn, mapping)
            found = await guild_store.recompute_roles(conn, guild_id, None, now, self._catalog)
        return mapping, _changes(found)

    async def remove_skill_role(self, guild_id: int, skill: str) -> tuple[MemberRoles, ...]:
        """Stop granting a role for ``skill``; members keep it only where a stack still earns it."""
        now = self._clock()
        async with self._db.unit_of_work() as conn:
            if not await guild_store.remove_skill_role(conn, guild_id, self._catalog.normalise(skill).name):
                raise NotFound(f"No role is set for the skill {skill.strip()[:60]!r}.")
            found = await guild_store.recompute_roles(conn, guild_id, None, now, self._catalog)
        return _changes(found)

    async def stacks(self, guild_id: int) -> list[Stack]:
        async with self._db.snapshot() as conn:
            return await guild_store.stacks(conn, guild_id, self._catalog)

    async def create_stack(
        self,
        guild_id: int,
        name: str,
        skills: str,
        need: int | None,
        role_id: int,
        description: str = "",
    ) -> tuple[Stack, tuple[MemberRoles, ...]]:
        """A new stack; ``skills`` is a comma-separated list and ``need`` None means all of them."""
        spec = validate_stack(name, skills, need, role_id, description, self._catalog)
        now = self._clock()
        async with self._db.unit_of_work() as conn:
            if await guild_store.stack_named(conn, guild_id, spec.name) is not None:
                raise Conflict(f"A stack named {spec.name!r} already exists.")
            if await guild_store.count_stacks(conn, guild_id) >= MAX_STACKS_PER_GUILD:
                raise Conflict(f"This server already has {MAX_STACKS_PER_GUILD} stacks; delete one first.")
            stack_id = await guild_store.create_stack(conn, guild_id, spec, now)
            found = await guild_store.recompute_roles(
                conn, guild_id, None, now, self._catalog, celebrate=False
            )
        stack = Stack(stack_id, guild_id, spec.name, spec.skills, spec.need, spec.role_id, spec.description)
        return stack, _changes(found)

    async def delete_stack(self, guild_id: int, name: str) -> tuple[MemberRoles, ...]:
        """Delete a stack; its role is taken back from members nothing else entitles to it."""
        now = self._clock()
        async with self._db.unit_of_work() as conn:
            stack_id = await guild_store.stack_named(conn, guild_id, name)
            if stack_id is None:
                raise NotFound(f"There is no stack named {name.strip()[:100]!r}.")
            await guild_store.delete_stack(conn, stack_id)
            found = await guild_store.recompute_roles(conn, guild_id, None, now, self._catalog)
        return _changes(found)
