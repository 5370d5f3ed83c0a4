"""SQL for discovery: directory searches, a member's evidence, the digest's week and its schedule.

Every function runs inside the caller's unit of work or snapshot. Some statements are assembled from
this module's constant fragments and a count of placeholders (marked S608); every value still travels
as a parameter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import aiosqlite

from bot.badges.model import UNTITLED
from bot.badges.store import COUNTS, member_filter, parse_stamp, stamp
from bot.discovery.digest import DigestSchedule
from bot.discovery.model import DigestSettings
from bot.discovery.search import DirectoryMember

# Where a member whose time zone is unknown ranks: past the farthest real distance (half a day).
NO_DISTANCE = 12 * 60 + 1


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)


def _hits(
    guild_id: int,
    skills: Sequence[str],
    now: datetime,
    *,
    verified_only: bool,
    min_hours: int | None,
    open_to_work: bool | None,
    user_ids: Sequence[int] | None,
) -> tuple[str, list[object]]:
    """Rows (user_id, skill, badge, weekly_hours, open_to_work, timezone): one per skill a directory member
    holds, ``badge`` naming a counting badge that proves it, or NULL where the profile only declares it.

    The skill indexes pick the candidates; the directory's partial index then answers the profile filters
    without reading the profiles themselves.
    """
    marks = _marks(skills)
    users, ids = member_filter("b.user_id", user_ids)
    hits = (
        "SELECT b.user_id AS user_id, s.skill AS skill, coalesce(b.name, ?) AS badge"  # noqa: S608
        " FROM badge_skills s JOIN badges b ON b.id = s.badge_id"
        f" WHERE s.guild_id = ? AND s.skill IN ({marks}) AND {COUNTS}{users}"
    )
    params: list[object] = [UNTITLED, guild_id, *skills, stamp(now), *ids]
    if not verified_only:
        users, ids = member_filter("ps.user_id", user_ids)
        hits += (
            " UNION ALL SELECT ps.user_id, ps.skill, NULL FROM profile_skills ps"  # noqa: S608
            f" WHERE ps.guild_id = ? AND ps.skill IN ({marks}){users}"
        )
        params += [guild_id, *skills, *ids]
    sql = (
        "SELECT h.user_id, h.skill, h.badge, p.weekly_hours, p.open_to_work, p.timezone"  # noqa: S608
        f" FROM ({hits}) h JOIN profiles p ON p.guild_id = ? AND p.user_id = h.user_id AND p.directory = 1"
    )
    params.append(guild_id)
    if min_hours is not None:
        sql += " AND p.weekly_hours >= ?"
        params.append(min_hours)
    if open_to_work is not None:
        sql += " AND p.open_to_work = ?"
        params.append(int(open_to_work))
    return sql, params


async def shortlist(
    conn: aiosqlite.Connection,
    guild_id: int,
    skills: Sequence[str],
    now: datetime,
    *,
    verified_only: bool = False,
    min_hours: int | None = None,
    open_to_work: bool | None = None,
    distances: Mapping[str, int] | None = None,
    limit: int,
) -> tuple[list[int], int]:
    """The first ``limit`` directory members in ``rank_members``'s order, and how many matched in all.

    The order is computed here so that only the shortlist leaves the database: the number of asked skills
    proven by a badge, then declared only, then the time zone's distance (``distances``: minutes from the
    wished zone per zone name; unknown zones and no wish rank last), then weekly hours, then the user id.
    """
    if not skills:
        return [], 0
    sql, params = _hits(
        guild_id,
        skills,
        now,
        verified_only=verified_only,
        min_hours=min_hours,
        open_to_work=open_to_work,
        user_ids=None,
    )
    zones = list((distances or {}).items())
    zones_sql = join = order = ""
    if zones:
        zones_sql = f", zones (zone, distance) AS (VALUES {', '.join('(?, ?)' for _ in zones)})"
        params += [value for pair in zones for value in pair]
        join = " LEFT JOIN zones z ON z.zone = c.timezone"
        order = f" coalesce(z.distance, {NO_DISTANCE}),"
    async with conn.execute(
        f"WITH hits AS ({sql}){zones_sql},"  # noqa: S608
        " candidates AS (SELECT user_id, count(DISTINCT CASE WHEN badge IS NOT NULL THEN skill END)"
        " AS proven, count(DISTINCT skill) AS held, max(weekly_hours) AS hours, max(timezone) AS timezone"
        " FROM hits GROUP BY user_id)"
        f" SELECT c.user_id, count(*) OVER () FROM candidates c{join}"
        f" ORDER BY c.proven DESC, c.held - c.proven DESC,{order} coalesce(c.hours, -1) DESC, c.user_id"
        " LIMIT ?",
        [*params, limit],
    ) as cursor:
        rows = list(await cursor.fetchall())
    return [int(row[0]) for row in rows], int(rows[0][1]) if rows else 0


async def directory_members(
    conn: aiosqlite.Connection,
    guild_id: int,
    skills: Sequence[str],
    now: datetime,
    *,
    verified_only: bool = False,
    min_hours: int | None = None,
    open_to_work: bool | None = None,
    user_ids: Sequence[int] | None = None,
) -> list[DirectoryMember]:
    """Directory members of the guild (of ``user_ids``, or all) holding any of ``skills`` (canonical names),
    verified or declared. Only the asked skills are filled in.
    """
    if not skills:
        return []
    sql, params = _hits(
        guild_id,
        skills,
        now,
        verified_only=verified_only,
        min_hours=min_hours,
        open_to_work=open_to_work,
        user_ids=user_ids,
    )
    found: dict[int, tuple[dict[str, str], set[str], int | None, bool, str | None]] = {}
    async with conn.execute(sql, params) as cursor:
        for user_id, skill, badge, hours, open_flag, timezone in await cursor.fetchall():
            entry = found.get(user_id)
            if entry is None:
                entry = found[user_id] = ({}, set(), hours, bool(open_flag), timezone)
            if badge is None:
                entry[1].add(skill)
            else:
                # The alphabetically first badge names the evidence, so a reply never flickers between two.
                held = entry[0].get(skill)
                if held is None or badge < held:
                    entry[0][skill] = badge
    return [
        DirectoryMember(user_id, verified, frozenset(declared), hours, timezone, open_flag)
        for user_id, (verified, declared, hours, open_flag, timezone) in found.items()
    ]


async def evidence(conn: aiosqlite.Connection, guild_id: int, user_id: int, now: datetime) -> dict[str, str]:
    """Each skill of the member's verified badges, with the name of a badge proving it."""
    found: dict[str, str] = {}
    async with conn.execute(
        "SELECT s.skill, coalesce(b.name, ?) FROM badges b JOIN badge_skills s ON s.badge_id = b.id"  # noqa: S608
        f" WHERE b.guild_id = ? AND b.user_id = ? AND {COUNTS} ORDER BY 2",
        (UNTITLED, guild_id, user_id, stamp(now)),
    ) as cursor:
        for skill, badge in await cursor.fetchall():
            found.setdefault(skill, badge)
    return found


async def declared_skills(conn: aiosqlite.Connection, guild_id: int, user_id: int) -> set[str]:
    """The skills on the member's profile that the skill list knows."""
    async with conn.execute(
        "SELECT skill FROM profile_skills WHERE guild_id = ? AND user_id = ? AND known = 1",
        (guild_id, user_id),
    ) as cursor:
        return {row[0] for row in await cursor.fetchall()}


# The digest's week


async def new_badges(
    conn: aiosqlite.Connection, guild_id: int, since: datetime, until: datetime
) -> list[tuple[int, str]]:
    """Badges added in [since, until) that count at ``until``, oldest first."""
    async with conn.execute(
        "SELECT b.user_id, coalesce(b.name, ?) FROM badges b"  # noqa: S608
        f" WHERE b.guild_id = ? AND b.added_at >= ? AND b.added_at < ? AND {COUNTS}"
        " ORDER BY b.added_at, b.id",
        (UNTITLED, guild_id, stamp(since), stamp(until), stamp(until)),
    ) as cursor:
        return [(int(row[0]), str(row[1])) for row in await cursor.fetchall()]


async def completed_stacks(
    conn: aiosqlite.Connection, guild_id: int, since: datetime, until: datetime
) -> list[tuple[int, str]]:
    async with conn.execute(
        "SELECT c.user_id, s.name FROM stack_completions c JOIN stacks s ON s.id = c.stack_id"
        " WHERE c.guild_id = ? AND c.completed_at >= ? AND c.completed_at < ?"
        " ORDER BY c.completed_at, c.user_id",
        (guild_id, stamp(since), stamp(until)),
    ) as cursor:
        return [(int(row[0]), str(row[1])) for row in await cursor.fetchall()]


async def top_verified_skills(
    conn: aiosqlite.Connection, guild_id: int, since: datetime, until: datetime, limit: int
) -> list[tuple[str, int]]:
    """The skills most members proved with badges added in [since, until), known skills only."""
    async with conn.execute(
        "SELECT s.skill, count(DISTINCT b.user_id) AS holders FROM badges b"  # noqa: S608
        " JOIN badge_skills s ON s.badge_id = b.id"
        f" WHERE b.guild_id = ? AND b.added_at >= ? AND b.added_at < ? AND {COUNTS} AND s.known = 1"
        " GROUP BY s.skill ORDER BY holders DESC, s.skill LIMIT ?",
        (guild_id, stamp(since), stamp(until), stamp(until), limit),
    ) as cursor:
        return [(str(row[0]), int(row[1])) for row in await cursor.fetchall()]


async def top_searched_skills(
    conn: aiosqlite.Connection, guild_id: int, since: datetime, until: datetime, limit: int
) -> list[tuple[str, int]]:
    async with conn.execute(
        "SELECT skill, sum(count) AS searches FROM search_counts"
        " WHERE guild_id = ? AND hour >= ? AND hour < ? GROUP BY skill ORDER BY searches DESC, skill LIMIT ?",
        (guild_id, stamp(since), stamp(until), limit),
    ) as cursor:
        return [(str(row[0]), int(row[1])) for row in await cursor.fetchall()]


async def add_searches(conn: aiosqlite.Connection, counts: Mapping[tuple[int, datetime, str], int]) -> None:
    """Add ``counts`` of (guild, hour, skill) searches to the stored ones."""
    await conn.executemany(
        "INSERT INTO search_counts (guild_id, hour, skill, count) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (guild_id, hour, skill) DO UPDATE SET count = search_counts.count + excluded.count",
        [(guild_id, stamp(hour), skill, count) for (guild_id, hour, skill), count in counts.items()],
    )


async def prune_searches(conn: aiosqlite.Connection, before: datetime) -> None:
    await conn.execute("DELETE FROM search_counts WHERE hour < ?", (stamp(before),))


# The digest's schedule

_SETTINGS = "SELECT guild_id, channel_id, day, hour, last_slot, posting FROM digest_settings"


def _settings(row: Sequence[Any]) -> DigestSettings:
    return DigestSettings(
        int(row[0]), int(row[1]), DigestSchedule(int(row[2]), int(row[3])), parse_stamp(row[4]), bool(row[5])
    )


async def digest_settings(conn: aiosqlite.Connection, guild_id: int) -> DigestSettings | None:
    async with conn.execute(f"{_SETTINGS} WHERE guild_id = ?", (guild_id,)) as cursor:
        row = await cursor.fetchone()
    return _settings(row) if row else None


async def all_digest_settings(conn: aiosqlite.Connection) -> list[DigestSettings]:
    async with conn.execute(f"{_SETTINGS} ORDER BY guild_id") as cursor:
        return [_settings(row) for row in await cursor.fetchall()]


async def save_digest_settings(conn: aiosqlite.Connection, value: DigestSettings) -> None:
    await conn.execute(
        "INSERT INTO digest_settings (guild_id, channel_id, day, hour, last_slot, posting)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id) DO UPDATE SET channel_id = excluded.channel_id,"
        " day = excluded.day, hour = excluded.hour, last_slot = excluded.last_slot,"
        " posting = excluded.posting",
        (
            value.guild_id,
            value.channel_id,
            value.schedule.day,
            value.schedule.hour,
            None if value.last_slot is None else stamp(value.last_slot),
            int(value.posting),
        ),
    )


async def delete_digest_settings(conn: aiosqlite.Connection, guild_id: int) -> bool:
    cursor = await conn.execute("DELETE FROM digest_settings WHERE guild_id = ?", (guild_id,))
    return cursor.rowcount > 0


async def claim_slot(
    conn: aiosqlite.Connection, guild_id: int, slot: datetime, previous: datetime | None
) -> bool:
    """Mark ``slot`` as being posted, if the stored slot is still ``previous``; False if it moved on."""
    cursor = await conn.execute(
        "UPDATE digest_settings SET last_slot = ?, posting = 1"
        " WHERE guild_id = ? AND posting = 0 AND coalesce(last_slot, '') = ?",
        (stamp(slot), guild_id, "" if previous is None else stamp(previous)),
    )
    return cursor.rowcount > 0


async def end_posting(
    conn: aiosqlite.Connection, guild_id: int, slot: datetime, last_slot: datetime | None
) -> None:
    """The post of ``slot`` is over: keep ``slot`` (posted) or set the slot back (to be retried)."""
    await conn.execute(
        "UPDATE digest_settings SET last_slot = ?, posting = 0 WHERE guild_id = ? AND last_slot = ?",
        (None if last_slot is None else stamp(last_slot), guild_id, stamp(slot)),
    )
