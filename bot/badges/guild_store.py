"""SQL for a guild's showcase rules (settings, skill roles, stacks) and the roles credcord granted.

Every function runs inside the caller's unit of work or snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import aiosqlite

from bot.badges import stacks as rules
from bot.badges import store
from bot.badges.model import RoleDelta, ShowcaseSettings, SkillRole, Stack, skill_key
from bot.badges.stacks import StackSpec
from bot.skills import SkillCatalog, SkillMatch


async def settings(conn: aiosqlite.Connection, guild_id: int) -> ShowcaseSettings:
    async with conn.execute(
        "SELECT channel_id, require_recipient_match, accept_unverifiable FROM showcase_settings"
        " WHERE guild_id = ?",
        (guild_id,),
    ) as cursor:
        row = await cursor.fetchone()
    if row is None:
        return ShowcaseSettings(guild_id)
    return ShowcaseSettings(guild_id, row[0], bool(row[1]), bool(row[2]))


async def save_settings(conn: aiosqlite.Connection, value: ShowcaseSettings) -> None:
    await conn.execute(
        "INSERT INTO showcase_settings (guild_id, channel_id, require_recipient_match, accept_unverifiable)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (guild_id) DO UPDATE SET channel_id = excluded.channel_id,"
        " require_recipient_match = excluded.require_recipient_match,"
        " accept_unverifiable = excluded.accept_unverifiable",
        (
            value.guild_id,
            value.channel_id,
            int(value.require_recipient_match),
            int(value.accept_unverifiable),
        ),
    )


async def skill_roles(conn: aiosqlite.Connection, guild_id: int, catalog: SkillCatalog) -> list[SkillRole]:
    async with conn.execute(
        "SELECT skill, known, role_id FROM skill_roles WHERE guild_id = ? ORDER BY skill", (guild_id,)
    ) as cursor:
        rows = await cursor.fetchall()
    return [SkillRole(guild_id, catalog.stored(row[0], bool(row[1])), int(row[2])) for row in rows]


async def remove_skill_role(conn: aiosqlite.Connection, guild_id: int, skill: str) -> bool:
    """Remove the mapping for ``skill`` however it is spelled; False if there was none."""
    removed = False
    async with conn.execute("SELECT skill FROM skill_roles WHERE guild_id = ?", (guild_id,)) as cursor:
        stored = [row[0] for row in await cursor.fetchall()]
    for name in stored:
        if skill_key(name) == skill_key(skill):
            await conn.execute("DELETE FROM skill_roles WHERE guild_id = ? AND skill = ?", (guild_id, name))
            removed = True
    return removed


async def set_skill_role(conn: aiosqlite.Connection, mapping: SkillRole) -> None:
    await remove_skill_role(conn, mapping.guild_id, mapping.skill.name)
    await conn.execute(
        "INSERT INTO skill_roles (guild_id, skill, known, role_id) VALUES (?, ?, ?, ?)",
        (mapping.guild_id, mapping.skill.name, int(mapping.skill.known), mapping.role_id),
    )


async def stacks(conn: aiosqlite.Connection, guild_id: int, catalog: SkillCatalog) -> list[Stack]:
    async with conn.execute(
        "SELECT id, name, need, role_id, description FROM stacks WHERE guild_id = ? ORDER BY name_key",
        (guild_id,),
    ) as cursor:
        rows = await cursor.fetchall()
    if not rows:
        return []
    skills: dict[int, list[SkillMatch]] = {}
    async with conn.execute(
        "SELECT k.stack_id, k.skill, k.known FROM stack_skills k JOIN stacks s ON s.id = k.stack_id"
        " WHERE s.guild_id = ? ORDER BY k.stack_id, k.position",
        (guild_id,),
    ) as cursor:
        async for stack_id, name, known in cursor:
            skills.setdefault(stack_id, []).append(catalog.stored(name, bool(known)))
    return [
        Stack(int(row[0]), guild_id, row[1], tuple(skills.get(row[0], ())), row[2], int(row[3]), row[4])
        for row in rows
    ]


async def stack_named(conn: aiosqlite.Connection, guild_id: int, name: str) -> int | None:
    async with conn.execute(
        "SELECT id FROM stacks WHERE guild_id = ? AND name_key = ?", (guild_id, skill_key(name))
    ) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else None


async def count_stacks(conn: aiosqlite.Connection, guild_id: int) -> int:
    async with conn.execute("SELECT count(*) FROM stacks WHERE guild_id = ?", (guild_id,)) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def create_stack(conn: aiosqlite.Connection, guild_id: int, spec: StackSpec, now: datetime) -> int:
    async with conn.execute(
        "INSERT INTO stacks (guild_id, name, name_key, need, role_id, description, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            guild_id,
            spec.name,
            skill_key(spec.name),
            spec.need,
            spec.role_id,
            spec.description,
            store.stamp(now),
        ),
    ) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    stack_id = int(row[0])
    await conn.executemany(
        "INSERT INTO stack_skills (stack_id, position, skill, known) VALUES (?, ?, ?, ?)",
        [(stack_id, i, s.name, int(s.known)) for i, s in enumerate(spec.skills)],
    )
    return stack_id


async def delete_stack(conn: aiosqlite.Connection, stack_id: int) -> None:
    await conn.execute("DELETE FROM stacks WHERE id = ?", (stack_id,))


async def granted_roles(
    conn: aiosqlite.Connection, guild_id: int, user_ids: Sequence[int] | None
) -> dict[int, frozenset[int]]:
    """The roles credcord granted, per member (of ``user_ids``, or everyone in the guild)."""
    members, ids = store.member_filter("user_id", user_ids)
    found: dict[int, set[int]] = {}
    async with conn.execute(
        f"SELECT user_id, role_id FROM granted_roles WHERE guild_id = ?{members}",  # noqa: S608
        [guild_id, *ids],
    ) as cursor:
        async for user_id, role_id in cursor:
            found.setdefault(user_id, set()).add(role_id)
    return {user_id: frozenset(roles) for user_id, roles in found.items()}


async def grant(
    conn: aiosqlite.Connection, guild_id: int, grants: Iterable[tuple[int, int]], now: datetime
) -> None:
    """Record (member, role) pairs as granted by credcord; members no longer stored are skipped."""
    await conn.executemany(
        "INSERT INTO granted_roles (guild_id, user_id, role_id, granted_at)"
        " SELECT guild_id, user_id, ?, ? FROM members WHERE guild_id = ? AND user_id = ?"
        " ON CONFLICT DO NOTHING",
        [(role_id, store.stamp(now), guild_id, user_id) for user_id, role_id in grants],
    )


async def ungrant(conn: aiosqlite.Connection, guild_id: int, grants: Iterable[tuple[int, int]]) -> None:
    await conn.executemany(
        "DELETE FROM granted_roles WHERE guild_id = ? AND user_id = ? AND role_id = ?",
        [(guild_id, user_id, role_id) for user_id, role_id in grants],
    )


async def _completions(
    conn: aiosqlite.Connection, guild_id: int, user_ids: Sequence[int] | None
) -> dict[int, set[int]]:
    members, ids = store.member_filter("user_id", user_ids)
    found: dict[int, set[int]] = {}
    async with conn.execute(
        f"SELECT user_id, stack_id FROM stack_completions WHERE guild_id = ?{members}",  # noqa: S608
        [guild_id, *ids],
    ) as cursor:
        async for user_id, stack_id in cursor:
            found.setdefault(user_id, set()).add(stack_id)
    return found


async def recompute_roles(
    conn: aiosqlite.Connection,
    guild_id: int,
    user_ids: Sequence[int] | None,
    now: datetime,
    catalog: SkillCatalog,
    *,
    celebrate: bool = True,
) -> dict[int, RoleDelta]:
    """Bring the granted roles of ``user_ids`` (or everyone in the guild) in line with their badges.

    Returns each member's change (only members whose roles or completions changed); the caller applies
    it in Discord. Newly completed stacks are recorded, and celebrated only when ``celebrate``.
    """
    verified = await store.verified_skills(conn, guild_id, user_ids, now)
    granted = await granted_roles(conn, guild_id, user_ids)
    mappings = await skill_roles(conn, guild_id, catalog)
    guild_stacks = await stacks(conn, guild_id, catalog)
    completions = await _completions(conn, guild_id, user_ids) if guild_stacks else {}
    members = set(user_ids) if user_ids is not None else set(verified) | set(granted)
    changes: dict[int, RoleDelta] = {}
    added: list[tuple[int, int]] = []
    removed: list[tuple[int, int]] = []
    completed: list[tuple[int, str, int, int]] = []
    for user_id in sorted(members):
        entitled = rules.entitlement(verified.get(user_id, set()), mappings, guild_stacks)
        done = completions.get(user_id, set())
        delta = rules.role_delta(entitled, granted.get(user_id, frozenset()), done, celebrate=celebrate)
        added.extend((user_id, role_id) for role_id in delta.add)
        removed.extend((user_id, role_id) for role_id in delta.remove)
        completed.extend(
            (stack.id, store.stamp(now), guild_id, user_id)
            for stack in entitled.completed
            if stack.id not in done
        )
        if delta:
            changes[user_id] = delta
    # One statement each for the whole guild: an admin's edit may touch thousands of members.
    await ungrant(conn, guild_id, removed)
    await grant(conn, guild_id, added, now)
    await conn.executemany(
        "INSERT INTO stack_completions (guild_id, user_id, stack_id, completed_at)"
        " SELECT guild_id, user_id, ?, ? FROM members WHERE guild_id = ? AND user_id = ?"
        " ON CONFLICT DO NOTHING",
        completed,
    )
    return changes


async def member_roles(
    conn: aiosqlite.Connection, guild_id: int, user_id: int, now: datetime, catalog: SkillCatalog
) -> RoleDelta:
    """``recompute_roles`` for one member."""
    changes = await recompute_roles(conn, guild_id, [user_id], now, catalog)
    return changes.get(user_id, RoleDelta())


async def forget_member(conn: aiosqlite.Connection, guild_id: int, user_id: int) -> frozenset[int]:
    """Delete the member's granted roles and completions; returns the roles to take back."""
    roles = (await granted_roles(conn, guild_id, [user_id])).get(user_id, frozenset())
    await conn.execute("DELETE FROM granted_roles WHERE guild_id = ? AND user_id = ?", (guild_id, user_id))
    await conn.execute(
        "DELETE FROM stack_completions WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
    )
    return roles
