"""SQL for mentors, requests and the offers sent to mentors. Every function runs in the caller's unit of work.

Pairings, check-ins, ratings, blocks, rounds and statistics are in ``pairing_store``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiosqlite

from bot.badges.model import skill_key
from bot.badges.store import member_filter, parse_stamp, stamp, stamp_or_none, verified_skills
from bot.mentorship.model import (
    DECLINE_MEMORY_DAYS,
    Mentor,
    MentorRequest,
    Offer,
    OfferStatus,
    RequestStatus,
)
from bot.skills import SkillCatalog, SkillMatch

_OPEN = "('open', 'offering', 'queued')"
REASON_SEPARATOR = "\n"


@dataclass(frozen=True, slots=True)
class MemberFacts:
    """What a member's profile says about when and in which languages they can meet."""

    timezone: str | None
    languages: frozenset[str]  # lower-cased


def inserted_id(cursor: aiosqlite.Cursor) -> int:
    """The id of the row the cursor's INSERT just added."""
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def _time(text: str) -> datetime:
    moment = parse_stamp(text)
    assert moment is not None
    return moment


# Settings


async def channel(conn: aiosqlite.Connection, guild_id: int) -> int | None:
    async with conn.execute(
        "SELECT channel_id FROM mentorship_settings WHERE guild_id = ?", (guild_id,)
    ) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row and row[0] is not None else None


async def set_channel(conn: aiosqlite.Connection, guild_id: int, channel_id: int | None) -> None:
    await conn.execute(
        "INSERT INTO mentorship_settings (guild_id, channel_id) VALUES (?, ?)"
        " ON CONFLICT (guild_id) DO UPDATE SET channel_id = excluded.channel_id",
        (guild_id, channel_id),
    )


# Members' profiles, as the ranking sees them


async def member_facts(
    conn: aiosqlite.Connection, guild_id: int, user_ids: Sequence[int] | None
) -> dict[int, MemberFacts]:
    """Time zone and languages from each member's profile (members without one are left out)."""
    members, ids = member_filter("user_id", user_ids)
    zones: dict[int, str | None] = {}
    async with conn.execute(
        f"SELECT user_id, timezone FROM profiles WHERE guild_id = ?{members}",  # noqa: S608
        [guild_id, *ids],
    ) as cursor:
        async for user_id, timezone in cursor:
            zones[user_id] = timezone
    languages: dict[int, set[str]] = {}
    async with conn.execute(
        f"SELECT user_id, language FROM profile_languages WHERE guild_id = ?{members}",  # noqa: S608
        [guild_id, *ids],
    ) as cursor:
        async for user_id, language in cursor:
            languages.setdefault(user_id, set()).add(language.casefold())
    return {
        user_id: MemberFacts(zones.get(user_id), frozenset(languages.get(user_id, ())))
        for user_id in zones.keys() | languages.keys()
    }


async def profile_skills(
    conn: aiosqlite.Connection, guild_id: int, user_id: int, catalog: SkillCatalog
) -> list[SkillMatch]:
    async with conn.execute(
        "SELECT skill, known FROM profile_skills WHERE guild_id = ? AND user_id = ? ORDER BY position",
        (guild_id, user_id),
    ) as cursor:
        return [catalog.stored(name, bool(known)) for name, known in await cursor.fetchall()]


# Mentors


async def save_mentor(
    conn: aiosqlite.Connection,
    guild_id: int,
    user_id: int,
    skills: Sequence[SkillMatch],
    capacity: int,
    note: str | None,
    now: datetime,
) -> None:
    """Start offering, or change an existing offer (its start date and pause are kept)."""
    await conn.execute(
        "INSERT INTO mentors (guild_id, user_id, capacity, note, started_at, last_active_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, user_id) DO UPDATE SET"
        " capacity = excluded.capacity, note = excluded.note, last_active_at = excluded.last_active_at",
        (guild_id, user_id, capacity, note, stamp(now), stamp(now)),
    )
    await conn.execute("DELETE FROM mentor_skills WHERE guild_id = ? AND user_id = ?", (guild_id, user_id))
    await conn.executemany(
        "INSERT INTO mentor_skills (guild_id, user_id, position, skill, known) VALUES (?, ?, ?, ?, ?)",
        [(guild_id, user_id, i, s.name, int(s.known)) for i, s in enumerate(skills)],
    )


async def set_pause(
    conn: aiosqlite.Connection,
    guild_id: int,
    user_id: int,
    paused_at: datetime | None,
    until: datetime | None,
) -> bool:
    cursor = await conn.execute(
        "UPDATE mentors SET paused_at = ?, paused_until = ? WHERE guild_id = ? AND user_id = ?",
        (stamp_or_none(paused_at), stamp_or_none(until), guild_id, user_id),
    )
    return cursor.rowcount > 0


async def delete_mentor(conn: aiosqlite.Connection, guild_id: int, user_id: int) -> bool:
    cursor = await conn.execute("DELETE FROM mentors WHERE guild_id = ? AND user_id = ?", (guild_id, user_id))
    return cursor.rowcount > 0


async def touch(conn: aiosqlite.Connection, guild_id: int, user_id: int, now: datetime) -> None:
    """The member did something in the mentorship: it counts as recent activity if they mentor."""
    await conn.execute(
        "UPDATE mentors SET last_active_at = ? WHERE guild_id = ? AND user_id = ?",
        (stamp(now), guild_id, user_id),
    )


async def mentors(
    conn: aiosqlite.Connection,
    guild_id: int,
    catalog: SkillCatalog,
    now: datetime,
    user_ids: Sequence[int] | None = None,
) -> list[Mentor]:
    """The guild's mentors (or those of ``user_ids``) with their skills, verified skills and load."""
    members, ids = member_filter("user_id", user_ids)
    async with conn.execute(
        "SELECT user_id, capacity, note, paused_at, paused_until, started_at, last_active_at"  # noqa: S608
        f" FROM mentors WHERE guild_id = ?{members} ORDER BY user_id",
        [guild_id, *ids],
    ) as cursor:
        rows = list(await cursor.fetchall())
    if not rows:
        return []
    found = [int(row[0]) for row in rows]
    members, ids = member_filter("user_id", found)
    skills: dict[int, list[SkillMatch]] = {}
    async with conn.execute(
        f"SELECT user_id, skill, known FROM mentor_skills WHERE guild_id = ?{members}"  # noqa: S608
        " ORDER BY user_id, position",
        [guild_id, *ids],
    ) as cursor:
        async for user_id, name, known in cursor:
            skills.setdefault(user_id, []).append(catalog.stored(name, bool(known)))
    load: dict[int, int] = {}
    mentor_members, mentor_ids = member_filter("mentor_id", found)
    async with conn.execute(
        "SELECT mentor_id, count(*) FROM mentorship_pairings"  # noqa: S608
        f" WHERE guild_id = ? AND ended_at IS NULL{mentor_members} GROUP BY mentor_id",
        [guild_id, *mentor_ids],
    ) as cursor:
        async for user_id, count in cursor:
            load[user_id] = count
    proven = await verified_skills(conn, guild_id, found, now)
    out = []
    for user_id, capacity, note, paused_at, paused_until, started_at, last_active_at in rows:
        offered = tuple(skills.get(user_id, ()))
        badge_keys = {skill_key(name) for name in proven.get(user_id, ())}
        out.append(
            Mentor(
                guild_id=guild_id,
                user_id=user_id,
                skills=offered,
                verified=frozenset(s.name for s in offered if skill_key(s.name) in badge_keys),
                capacity=capacity,
                active_mentees=load.get(user_id, 0),
                note=note,
                paused_at=parse_stamp(paused_at),
                paused_until=parse_stamp(paused_until),
                started_at=_time(started_at),
                last_active_at=_time(last_active_at),
            )
        )
    return out


async def mentor(
    conn: aiosqlite.Connection, guild_id: int, user_id: int, catalog: SkillCatalog, now: datetime
) -> Mentor | None:
    found = await mentors(conn, guild_id, catalog, now, [user_id])
    return found[0] if found else None


async def new_mentors(
    conn: aiosqlite.Connection, guild_id: int, since: datetime, until: datetime
) -> list[int]:
    async with conn.execute(
        "SELECT user_id FROM mentors WHERE guild_id = ? AND started_at >= ? AND started_at < ?"
        " ORDER BY started_at, user_id",
        (guild_id, stamp(since), stamp(until)),
    ) as cursor:
        return [int(row[0]) for row in await cursor.fetchall()]


# Requests

_REQUEST_COLUMNS = (
    "id, guild_id, user_id, skill, known, goal, language, ask_again, status, created_at, closed_at"
)


def _request(row: aiosqlite.Row, catalog: SkillCatalog) -> MentorRequest:
    return MentorRequest(
        id=row[0],
        guild_id=row[1],
        user_id=row[2],
        skill=catalog.stored(row[3], bool(row[4])),
        goal=row[5],
        language=row[6],
        ask_again=bool(row[7]),
        status=RequestStatus(row[8]),
        created_at=_time(row[9]),
        closed_at=parse_stamp(row[10]),
    )


async def create_request(
    conn: aiosqlite.Connection,
    guild_id: int,
    user_id: int,
    skill: SkillMatch,
    goal: str | None,
    language: str | None,
    ask_again: bool,
    now: datetime,
) -> int:
    cursor = await conn.execute(
        "INSERT INTO mentorship_requests (guild_id, user_id, skill, known, goal, language, ask_again, status,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?)",
        (guild_id, user_id, skill.name, int(skill.known), goal, language, int(ask_again), stamp(now)),
    )
    return inserted_id(cursor)


async def request(conn: aiosqlite.Connection, request_id: int, catalog: SkillCatalog) -> MentorRequest | None:
    async with conn.execute(
        f"SELECT {_REQUEST_COLUMNS} FROM mentorship_requests WHERE id = ?",  # noqa: S608
        (request_id,),
    ) as cursor:
        row = await cursor.fetchone()
    return None if row is None else _request(row, catalog)


async def open_request(
    conn: aiosqlite.Connection, guild_id: int, user_id: int, catalog: SkillCatalog
) -> MentorRequest | None:
    async with conn.execute(
        f"SELECT {_REQUEST_COLUMNS} FROM mentorship_requests"  # noqa: S608
        f" WHERE guild_id = ? AND user_id = ? AND status IN {_OPEN}",
        (guild_id, user_id),
    ) as cursor:
        row = await cursor.fetchone()
    return None if row is None else _request(row, catalog)


async def requests_with_status(
    conn: aiosqlite.Connection, guild_id: int, statuses: Sequence[RequestStatus], catalog: SkillCatalog
) -> list[MentorRequest]:
    marks = ", ".join("?" for _ in statuses)
    async with conn.execute(
        f"SELECT {_REQUEST_COLUMNS} FROM mentorship_requests"  # noqa: S608
        f" WHERE guild_id = ? AND status IN ({marks}) ORDER BY id",
        [guild_id, *statuses],
    ) as cursor:
        return [_request(row, catalog) for row in await cursor.fetchall()]


async def set_request_status(
    conn: aiosqlite.Connection, request_id: int, status: RequestStatus, now: datetime
) -> None:
    closed = stamp(now) if status in (RequestStatus.MATCHED, RequestStatus.CANCELLED) else None
    await conn.execute(
        "UPDATE mentorship_requests SET status = ?, closed_at = ? WHERE id = ?", (status, closed, request_id)
    )


async def excluded_mentors(
    conn: aiosqlite.Connection, request: MentorRequest, now: datetime
) -> frozenset[int]:
    """Mentors the ranking must skip for ``request``.

    Blocked either way; declined this member in the last 30 days; already asked for this request; and,
    unless the member asked again explicitly, paired with this member before.
    """
    since = stamp(now - timedelta(days=DECLINE_MEMORY_DAYS))
    guild, member = request.guild_id, request.user_id
    query = (
        "SELECT blocked_id FROM mentorship_blocks WHERE guild_id = ? AND user_id = ?"
        " UNION SELECT user_id FROM mentorship_blocks WHERE guild_id = ? AND blocked_id = ?"
        " UNION SELECT o.mentor_id FROM mentorship_offers o JOIN mentorship_requests r ON r.id = o.request_id"
        "  WHERE r.guild_id = ? AND r.user_id = ? AND o.status = 'declined' AND o.answered_at >= ?"
        " UNION SELECT mentor_id FROM mentorship_offers WHERE request_id = ?"
    )
    params: list[object] = [guild, member, guild, member, guild, member, since, request.id]
    if not request.ask_again:
        query += " UNION SELECT mentor_id FROM mentorship_pairings WHERE guild_id = ? AND mentee_id = ?"
        params += [guild, member]
    async with conn.execute(query, params) as cursor:
        return frozenset(int(row[0]) for row in await cursor.fetchall())


async def open_requests(conn: aiosqlite.Connection, guild_id: int) -> list[tuple[int, str]]:
    async with conn.execute(
        f"SELECT user_id, skill FROM mentorship_requests WHERE guild_id = ? AND status IN {_OPEN}"  # noqa: S608
        " ORDER BY id",
        (guild_id,),
    ) as cursor:
        return [(int(user_id), str(skill)) for user_id, skill in await cursor.fetchall()]


# Offers

_OFFER_COLUMNS = (
    "o.id, o.guild_id, o.request_id, o.mentor_id, r.user_id, r.skill, r.goal, o.score, o.reasons, o.status,"
    " o.reason, o.created_at, o.expires_at, o.reminded_at, o.answered_at, o.channel_id, o.message_id"
)
_OFFERS = (
    f"SELECT {_OFFER_COLUMNS} FROM mentorship_offers o"  # noqa: S608
    " JOIN mentorship_requests r ON r.id = o.request_id"
)


def _offer(row: aiosqlite.Row) -> Offer:
    return Offer(
        id=row[0],
        guild_id=row[1],
        request_id=row[2],
        mentor_id=row[3],
        mentee_id=row[4],
        skill=row[5],
        goal=row[6],
        score=row[7],
        reasons=tuple(row[8].split(REASON_SEPARATOR)) if row[8] else (),
        status=OfferStatus(row[9]),
        reason=row[10],
        created_at=_time(row[11]),
        expires_at=_time(row[12]),
        reminded_at=parse_stamp(row[13]),
        answered_at=parse_stamp(row[14]),
        channel_id=row[15],
        message_id=row[16],
    )


async def _offers(conn: aiosqlite.Connection, where: str, params: Sequence[object]) -> list[Offer]:
    async with conn.execute(f"{_OFFERS} WHERE {where} ORDER BY o.id", params) as cursor:
        return [_offer(row) for row in await cursor.fetchall()]


async def create_offer(
    conn: aiosqlite.Connection,
    request: MentorRequest,
    mentor_id: int,
    score: float,
    reasons: Sequence[str],
    now: datetime,
    lifetime: timedelta,
) -> Offer:
    cursor = await conn.execute(
        "INSERT INTO mentorship_offers (guild_id, request_id, mentor_id, score, reasons, status, created_at,"
        " remind_at, expires_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?)",
        (
            request.guild_id,
            request.id,
            mentor_id,
            score,
            REASON_SEPARATOR.join(r.replace(REASON_SEPARATOR, " ") for r in reasons),
            stamp(now),
            stamp(now + lifetime / 2),
            stamp(now + lifetime),
        ),
    )
    created = await offer(conn, inserted_id(cursor))
    assert created is not None
    return created


async def offer(conn: aiosqlite.Connection, offer_id: int) -> Offer | None:
    found = await _offers(conn, "o.id = ?", (offer_id,))
    return found[0] if found else None


async def pending_for_request(conn: aiosqlite.Connection, request_id: int) -> list[Offer]:
    return await _offers(conn, "o.request_id = ? AND o.status = 'pending'", (request_id,))


async def pending_for_mentor(conn: aiosqlite.Connection, guild_id: int, mentor_id: int) -> list[Offer]:
    return await _offers(
        conn, "o.guild_id = ? AND o.mentor_id = ? AND o.status = 'pending'", (guild_id, mentor_id)
    )


async def pending_between(conn: aiosqlite.Connection, guild_id: int, one: int, other: int) -> list[Offer]:
    return await _offers(
        conn,
        "o.guild_id = ? AND o.status = 'pending' AND ((o.mentor_id = ? AND r.user_id = ?)"
        " OR (o.mentor_id = ? AND r.user_id = ?))",
        (guild_id, one, other, other, one),
    )


async def due_reminders(conn: aiosqlite.Connection, now: datetime) -> list[Offer]:
    return await _offers(
        conn,
        "o.status = 'pending' AND o.reminded_at IS NULL AND o.remind_at <= ? AND o.expires_at > ?",
        (stamp(now), stamp(now)),
    )


async def due_expiries(conn: aiosqlite.Connection, now: datetime) -> list[Offer]:
    return await _offers(conn, "o.status = 'pending' AND o.expires_at <= ?", (stamp(now),))


async def mark_reminded(conn: aiosqlite.Connection, offer_id: int, now: datetime) -> None:
    await conn.execute("UPDATE mentorship_offers SET reminded_at = ? WHERE id = ?", (stamp(now), offer_id))


async def answer_offer(
    conn: aiosqlite.Connection, offer_id: int, status: OfferStatus, now: datetime, reason: str | None = None
) -> bool:
    """Close a pending offer; False when it was no longer pending (someone else got there first)."""
    cursor = await conn.execute(
        "UPDATE mentorship_offers SET status = ?, reason = ?, answered_at = ?"
        " WHERE id = ? AND status = 'pending'",
        (status, reason, stamp(now), offer_id),
    )
    return cursor.rowcount > 0


async def record_offer_message(
    conn: aiosqlite.Connection, offer_id: int, channel_id: int, message_id: int
) -> None:
    await conn.execute(
        "UPDATE mentorship_offers SET channel_id = ?, message_id = ? WHERE id = ?",
        (channel_id, message_id, offer_id),
    )


async def offers_of_member(conn: aiosqlite.Connection, guild_id: int, user_id: int) -> list[Offer]:
    """Every offer made for the member's requests or to the member as a mentor, for a data export."""
    return await _offers(
        conn, "o.guild_id = ? AND (o.mentor_id = ? OR r.user_id = ?)", (guild_id, user_id, user_id)
    )
