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

from bot.badges.store import COUNTS, parse_stamp, stamp
from bot.discovery.digest import DigestSchedule
from bot.discovery.model import DigestSettings
from bot.discovery.search import DirectoryMember
from bot.text import UNTITLED_BADGE

# Where a member whose time zone is unknown ranks: past the farthest real distance (half a day).
NO_DISTANCE = 12 * 60 + 1


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)


# A member's directory entry being read: (verified skill -> evidence badge, declared skills, weekly hours,
# open to work, time zone).
_Entry = tuple[dict[str, str], set[str], int | None, bool, str | None]


def _add_evidence(verified: dict[str, str], skill: str, badge: str) -> None:
    # The alphabetically first badge names the evidence, so a reply never flickers between two.
    if skill not in verified or badge < verified[skill]:
        verified[skill] = badge


# A directory row proves its skill while the badges behind it count (see ``COUNTS``); one parameter: now.
_PROVEN = "(proven = 1 AND (proven_until IS NULL OR proven_until > ?))"


async def directory_zones(conn: aiosqlite.Connection, guild_id: int) -> list[str]:
    """The time zones on directory members' profiles in the guild.

    Each step seeks the next zone in the index, so this costs one seek per zone, not one per member.
    """
    async with conn.execute(
        "WITH RECURSIVE zones (zone) AS ("
        " SELECT min(timezone) FROM profiles WHERE guild_id = ? AND directory = 1"
        " UNION ALL SELECT (SELECT min(timezone) FROM profiles"
        " WHERE guild_id = ? AND directory = 1 AND timezone > zones.zone) FROM zones WHERE zone IS NOT NULL"
        ") SELECT zone FROM zones WHERE zone IS NOT NULL",
        (guild_id, guild_id),
    ) as cursor:
        return [str(row[0]) for row in await cursor.fetchall()]


def _distance(distances: Mapping[str, int]) -> tuple[str, list[object]]:
    """A directory row's distance from the wished zone, as SQL: ``distances`` per zone name, others last.

    The CASE picks the zone name's length first, so a row is compared with the few names of its length
    rather than with every zone of the guild; comparing for equality only, it answers alike under any
    collation.
    """
    by_length: dict[int, list[tuple[str, int]]] = {}
    for zone, distance in distances.items():
        by_length.setdefault(len(zone), []).append((zone, distance))
    if not by_length:
        return str(NO_DISTANCE), []
    branches = []
    params: list[object] = []
    for length, zones in by_length.items():
        names = " ".join("WHEN ? THEN ?" for _ in zones)
        branches.append(f"WHEN ? THEN CASE timezone {names} ELSE {NO_DISTANCE} END")
        params += [length, *(value for pair in zones for value in pair)]
    return f"CASE length(timezone) {' '.join(branches)} ELSE {NO_DISTANCE} END", params


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
    wished zone per zone name; zones not named and no wish rank last), then weekly hours, then the user id.
    One search reads one range of the directory's index per skill, and no badge or profile. When enough
    members prove every asked skill, the shortlist comes from them alone and the count from merging the
    ranges, so the members are never grouped.
    """
    skills = list(dict.fromkeys(skills))
    if not skills:
        return [], 0
    moment = stamp(now)
    distance, distance_params = _distance(distances or {})
    matches = _PROVEN if verified_only else f"({_PROVEN} OR declared = 1)"
    # A member's rows all carry their profile's hours and availability, so each row can be filtered alone.
    listing = ""
    listing_params: list[object] = []
    if min_hours is not None:
        listing += " AND coalesce(weekly_hours, 0) >= ?"
        listing_params.append(min_hours)
    if open_to_work is not None:
        listing += " AND open_to_work = ?"
        listing_params.append(int(open_to_work))
    if len(skills) > 1:
        found = await _proven_in_all(
            conn, guild_id, skills, moment, listing, listing_params, (distance, distance_params), limit
        )
        if found is not None:
            return found, await _matched(conn, guild_id, skills, moment, matches, listing, listing_params)
    where = f"guild_id = ? AND skill IN ({_marks(skills)}) AND {matches}{listing}"
    where_params: list[object] = [guild_id, *skills, moment, *listing_params]
    proven = f"CASE WHEN {_PROVEN} THEN 1 ELSE 0 END"
    if len(skills) == 1:
        # A member has one row per skill, so no grouping; and reading the rows again for the count costs
        # less than storing them.
        members = (
            f"SELECT user_id, {proven} AS proven, 1 - {proven} AS declared, {distance} AS distance,"  # noqa: S608
            f" coalesce(weekly_hours, -1) AS hours FROM directory_skills WHERE {where}"
        )
        cte = "hits AS NOT MATERIALIZED"
    else:
        members = (
            f"SELECT user_id, sum({proven}) AS proven, sum(1 - {proven}) AS declared,"  # noqa: S608
            f" max({distance}) AS distance, max(coalesce(weekly_hours, -1)) AS hours"
            f" FROM directory_skills WHERE {where} GROUP BY user_id"
        )
        # Grouping costs most of a search: the groups are stored once and counted from there.
        cte = "hits AS MATERIALIZED"
    async with conn.execute(
        f"WITH {cte} ({members}) SELECT user_id, (SELECT count(*) FROM hits) FROM hits"  # noqa: S608
        " ORDER BY proven DESC, declared DESC, distance, hours DESC, user_id LIMIT ?",
        [moment, moment, *distance_params, *where_params, limit],
    ) as cursor:
        rows = list(await cursor.fetchall())
    return [int(row[0]) for row in rows], int(rows[0][1]) if rows else 0


# One skill's rows of a member of the directory, ordered by member: one range of the search index.
_SKILL_ROWS = "SELECT user_id FROM directory_skills WHERE guild_id = ? AND skill = ? AND "


def _merged(skills: Sequence[str], operator: str, condition: str) -> str:
    """Members having a row that meets ``condition`` for every (INTERSECT) or any (UNION) of ``skills``.

    A subquery's ORDER BY is dropped unless a LIMIT comes with it; kept, it lets SQLite merge the skills'
    index ranges in member order (EXPLAIN QUERY PLAN: MERGE) instead of building a temporary B-tree.
    """
    return f" {operator} ".join(f"{_SKILL_ROWS}{condition}" for _ in skills) + " ORDER BY 1 LIMIT -1"


async def _proven_in_all(
    conn: aiosqlite.Connection,
    guild_id: int,
    skills: Sequence[str],
    moment: str,
    listing: str,
    listing_params: Sequence[object],
    distance: tuple[str, list[object]],
    limit: int,
) -> list[int] | None:
    """The shortlist when enough members prove every asked skill, else None.

    Such members outrank everyone else and declare none of the skills beyond their proofs, so they rank
    among themselves by distance, hours and user id alone, and a common skill's thousands of other holders
    need not be grouped.
    """
    order, order_params = distance
    # CROSS JOIN keeps the merged members as the outer loop: one seek each for their hours and zone.
    async with conn.execute(
        f"SELECT d.user_id, {order} AS distance"  # noqa: S608
        f" FROM ({_merged(skills, 'INTERSECT', _PROVEN + listing)}) AS tier"
        " CROSS JOIN directory_skills d ON d.guild_id = ? AND d.skill = ? AND d.user_id = tier.user_id"
        " ORDER BY distance, coalesce(d.weekly_hours, -1) DESC, d.user_id LIMIT ?",
        [
            *order_params,
            *(value for skill in skills for value in (guild_id, skill, moment, *listing_params)),
            guild_id,
            skills[0],
            limit,
        ],
    ) as cursor:
        found = [int(row[0]) for row in await cursor.fetchall()]
    return found if len(found) == limit else None


async def _matched(
    conn: aiosqlite.Connection,
    guild_id: int,
    skills: Sequence[str],
    moment: str,
    matches: str,
    listing: str,
    listing_params: Sequence[object],
) -> int:
    """How many members match any of ``skills``."""
    async with conn.execute(
        f"SELECT count(*) FROM ({_merged(skills, 'UNION', matches + listing)})",  # noqa: S608
        [value for skill in skills for value in (guild_id, skill, moment, *listing_params)],
    ) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


def _until(moment: str, until: str | None) -> bool:
    """Whether a stored expiry (None: never) is still ahead of ``moment``, as ``_PROVEN`` reads it."""
    return until is None or until > moment


async def shortlisted_members(
    conn: aiosqlite.Connection,
    guild_id: int,
    skills: Sequence[str],
    user_ids: Sequence[int],
    now: datetime,
    *,
    verified_only: bool = False,
) -> list[DirectoryMember]:
    """The directory entries of ``user_ids`` for the asked ``skills``, as ``rank_members`` reads them."""
    if not skills or not user_ids:
        return []
    moment = stamp(now)
    found: dict[int, _Entry] = {}
    # Members whose first-titled badge for a skill has expired while another badge still proves it.
    stale: set[int] = set()
    async with conn.execute(
        "SELECT user_id, skill, declared, proven, proven_until, evidence, evidence_until, weekly_hours,"  # noqa: S608
        " open_to_work, timezone FROM directory_skills"
        f" WHERE guild_id = ? AND skill IN ({_marks(skills)}) AND user_id IN ({_marks(user_ids)})",
        [guild_id, *skills, *user_ids],
    ) as cursor:
        for row in await cursor.fetchall():
            user_id, skill, declared, proven, proven_until, evidence, evidence_until, *listing = row
            hours, open_flag, timezone = listing
            entry = found.setdefault(user_id, ({}, set(), hours, bool(open_flag), timezone))
            if declared and not verified_only:
                entry[1].add(skill)
            # The evidence never outlasts the proof, so a lapsed proof needs no second look.
            if proven and _until(moment, proven_until):
                if _until(moment, evidence_until):
                    entry[0][skill] = evidence
                else:
                    stale.add(user_id)
    if stale:
        await _evidence_from_badges(conn, guild_id, skills, found, sorted(stale), moment)
    return [
        DirectoryMember(user_id, verified, frozenset(declared), hours, timezone, open_flag)
        for user_id, (verified, declared, hours, open_flag, timezone) in found.items()
    ]


async def _evidence_from_badges(
    conn: aiosqlite.Connection,
    guild_id: int,
    skills: Sequence[str],
    found: dict[int, _Entry],
    user_ids: Sequence[int],
    moment: str,
) -> None:
    """Name the evidence of ``user_ids`` again from their badges that count at ``moment``."""
    for user_id in user_ids:
        found[user_id][0].clear()
    # CROSS JOIN keeps the members' badges as the outer loop, whatever the planner knows of the data.
    async with conn.execute(
        "SELECT b.user_id, s.skill, coalesce(b.name, ?) FROM badges b CROSS JOIN badge_skills s"  # noqa: S608
        f" WHERE b.guild_id = ? AND b.user_id IN ({_marks(user_ids)}) AND {COUNTS}"
        f" AND s.badge_id = b.id AND s.skill IN ({_marks(skills)})",
        [UNTITLED_BADGE, guild_id, *user_ids, moment, *skills],
    ) as cursor:
        for user_id, skill, badge in await cursor.fetchall():
            _add_evidence(found[user_id][0], skill, badge)


async def directory_members(
    conn: aiosqlite.Connection, guild_id: int, skills: Sequence[str], now: datetime
) -> list[DirectoryMember]:
    """Directory members of the guild holding any of ``skills`` (canonical names), verified or declared,
    read from their badges and profiles. Only the asked skills are filled in.
    """
    if not skills:
        return []
    marks = _marks(skills)
    found: dict[int, _Entry] = {}
    async with conn.execute(
        "SELECT h.user_id, h.skill, h.badge, p.weekly_hours, p.open_to_work, p.timezone FROM ("  # noqa: S608
        " SELECT b.user_id AS user_id, s.skill AS skill, coalesce(b.name, ?) AS badge"
        " FROM badge_skills s JOIN badges b ON b.id = s.badge_id"
        f" WHERE s.guild_id = ? AND s.skill IN ({marks}) AND {COUNTS}"
        " UNION ALL SELECT ps.user_id, ps.skill, NULL FROM profile_skills ps"
        f" WHERE ps.guild_id = ? AND ps.skill IN ({marks})"
        ") h JOIN profiles p ON p.guild_id = ? AND p.user_id = h.user_id AND p.directory = 1",
        [UNTITLED_BADGE, guild_id, *skills, stamp(now), guild_id, *skills, guild_id],
    ) as cursor:
        for user_id, skill, badge, hours, open_flag, timezone in await cursor.fetchall():
            entry = found.setdefault(user_id, ({}, set(), hours, bool(open_flag), timezone))
            if badge is None:
                entry[1].add(skill)
            else:
                _add_evidence(entry[0], skill, badge)
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
        (UNTITLED_BADGE, guild_id, user_id, stamp(now)),
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
        (UNTITLED_BADGE, guild_id, stamp(since), stamp(until), stamp(until)),
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
