"""SQL for pairings, check-ins, ratings, blocks, cohort rounds, statistics and member data.

Every function runs inside the caller's unit of work.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import aiosqlite

from bot.badges.store import parse_stamp, stamp, stamp_or_none
from bot.mentorship import store
from bot.mentorship.model import CheckinAnswer, Offer, Pairing, RoundStatus

_PAIRING_COLUMNS = (
    "id, guild_id, request_id, mentor_id, mentee_id, skill, goal, matched_at, thread_id, checkin_due_at,"
    " ended_at, ended_by, end_reason"
)


def _pairing(row: aiosqlite.Row) -> Pairing:
    matched, due = parse_stamp(row[7]), parse_stamp(row[9])
    assert matched is not None and due is not None
    return Pairing(
        id=row[0],
        guild_id=row[1],
        request_id=row[2],
        mentor_id=row[3],
        mentee_id=row[4],
        skill=row[5],
        goal=row[6],
        matched_at=matched,
        thread_id=row[8],
        checkin_due_at=due,
        ended_at=parse_stamp(row[10]),
        ended_by=row[11],
        end_reason=row[12],
    )


async def _pairings(conn: aiosqlite.Connection, where: str, params: Sequence[object]) -> list[Pairing]:
    async with conn.execute(
        f"SELECT {_PAIRING_COLUMNS} FROM mentorship_pairings WHERE {where} ORDER BY id",  # noqa: S608
        params,
    ) as cursor:
        return [_pairing(row) for row in await cursor.fetchall()]


async def create_pairing(
    conn: aiosqlite.Connection, offer: Offer, now: datetime, checkin_due: datetime
) -> Pairing:
    cursor = await conn.execute(
        "INSERT INTO mentorship_pairings (guild_id, request_id, mentor_id, mentee_id, skill, goal,"
        " matched_at, checkin_due_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            offer.guild_id,
            offer.request_id,
            offer.mentor_id,
            offer.mentee_id,
            offer.skill,
            offer.goal,
            stamp(now),
            stamp(checkin_due),
        ),
    )
    created = await pairing(conn, store.inserted_id(cursor))
    assert created is not None
    return created


async def pairing(conn: aiosqlite.Connection, pairing_id: int) -> Pairing | None:
    found = await _pairings(conn, "id = ?", (pairing_id,))
    return found[0] if found else None


async def active_count(conn: aiosqlite.Connection, guild_id: int, mentor_id: int) -> int:
    async with conn.execute(
        "SELECT count(*) FROM mentorship_pairings WHERE guild_id = ? AND mentor_id = ? AND ended_at IS NULL",
        (guild_id, mentor_id),
    ) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def active_pairings(conn: aiosqlite.Connection, guild_id: int, user_id: int) -> list[Pairing]:
    return await _pairings(
        conn,
        "guild_id = ? AND ended_at IS NULL AND (mentor_id = ? OR mentee_id = ?)",
        (guild_id, user_id, user_id),
    )


async def end_pairing(
    conn: aiosqlite.Connection, pairing_id: int, user_id: int, reason: str | None, now: datetime
) -> bool:
    cursor = await conn.execute(
        "UPDATE mentorship_pairings SET ended_at = ?, ended_by = ?, end_reason = ?"
        " WHERE id = ? AND ended_at IS NULL",
        (stamp(now), user_id, reason, pairing_id),
    )
    return cursor.rowcount > 0


async def record_thread(conn: aiosqlite.Connection, pairing_id: int, thread_id: int) -> None:
    await conn.execute("UPDATE mentorship_pairings SET thread_id = ? WHERE id = ?", (thread_id, pairing_id))


async def due_checkins(conn: aiosqlite.Connection, now: datetime) -> list[Pairing]:
    return await _pairings(
        conn, "ended_at IS NULL AND checkin_sent_at IS NULL AND checkin_due_at <= ?", (stamp(now),)
    )


async def mark_checkin_sent(conn: aiosqlite.Connection, pairing_id: int, now: datetime) -> None:
    await conn.execute(
        "UPDATE mentorship_pairings SET checkin_sent_at = ? WHERE id = ?", (stamp(now), pairing_id)
    )


async def record_checkin(
    conn: aiosqlite.Connection, pairing_id: int, user_id: int, answer: CheckinAnswer, now: datetime
) -> None:
    await conn.execute(
        "INSERT INTO mentorship_checkins (pairing_id, user_id, answer, answered_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (pairing_id, user_id) DO UPDATE SET answer = excluded.answer,"
        " answered_at = excluded.answered_at",
        (pairing_id, user_id, answer, stamp(now)),
    )


async def rate(
    conn: aiosqlite.Connection, pairing_id: int, user_id: int, rating: int, comment: str | None, now: datetime
) -> None:
    await conn.execute(
        "INSERT INTO mentorship_ratings (pairing_id, user_id, rating, comment, rated_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (pairing_id, user_id) DO UPDATE SET rating = excluded.rating,"
        " comment = excluded.comment, rated_at = excluded.rated_at",
        (pairing_id, user_id, rating, comment, stamp(now)),
    )


async def block(
    conn: aiosqlite.Connection, guild_id: int, user_id: int, blocked_id: int, now: datetime
) -> bool:
    cursor = await conn.execute(
        "INSERT INTO mentorship_blocks (guild_id, user_id, blocked_id, created_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        (guild_id, user_id, blocked_id, stamp(now)),
    )
    return cursor.rowcount > 0


# Rounds


async def create_round(
    conn: aiosqlite.Connection,
    guild_id: int,
    admin_id: int,
    pairs: Sequence[tuple[int, int, float, Sequence[str]]],
    now: datetime,
) -> int:
    """Store a previewed round: (request id, mentor id, score, reasons) per pair."""
    cursor = await conn.execute(
        "INSERT INTO mentorship_rounds (guild_id, created_by, status, created_at)"
        " VALUES (?, ?, 'preview', ?)",
        (guild_id, admin_id, stamp(now)),
    )
    round_id = store.inserted_id(cursor)
    await conn.executemany(
        "INSERT INTO mentorship_round_pairs (round_id, request_id, guild_id, mentor_id, score, reasons)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [
            (round_id, request_id, guild_id, mentor_id, score, store.REASON_SEPARATOR.join(reasons))
            for request_id, mentor_id, score, reasons in pairs
        ],
    )
    return round_id


async def round_info(conn: aiosqlite.Connection, round_id: int) -> tuple[int, RoundStatus] | None:
    """The round's guild and status."""
    async with conn.execute(
        "SELECT guild_id, status FROM mentorship_rounds WHERE id = ?", (round_id,)
    ) as cursor:
        row = await cursor.fetchone()
    return None if row is None else (int(row[0]), RoundStatus(row[1]))


async def round_pairs(
    conn: aiosqlite.Connection, round_id: int
) -> list[tuple[int, int, float, tuple[str, ...]]]:
    async with conn.execute(
        "SELECT request_id, mentor_id, score, reasons FROM mentorship_round_pairs WHERE round_id = ?"
        " ORDER BY score DESC, request_id",
        (round_id,),
    ) as cursor:
        return [
            (int(r), int(m), float(s), tuple(text.split(store.REASON_SEPARATOR)) if text else ())
            for r, m, s, text in await cursor.fetchall()
        ]


async def decide_round(conn: aiosqlite.Connection, round_id: int, status: RoundStatus, now: datetime) -> bool:
    """Publish or discard a previewed round; False when it was already decided."""
    cursor = await conn.execute(
        "UPDATE mentorship_rounds SET status = ?, decided_at = ? WHERE id = ? AND status = 'preview'",
        (status, stamp(now), round_id),
    )
    return cursor.rowcount > 0


# Statistics


async def _scalar(conn: aiosqlite.Connection, query: str, params: Sequence[object]) -> Any:
    async with conn.execute(query, params) as cursor:
        row = await cursor.fetchone()
    return row[0] if row else None


async def counts(conn: aiosqlite.Connection, guild_id: int) -> dict[str, Any]:
    """The figures behind ``/mentor stats``."""
    requests = await _scalar(conn, "SELECT count(*) FROM mentorship_requests WHERE guild_id = ?", (guild_id,))
    open_requests = await _scalar(
        conn,
        "SELECT count(*) FROM mentorship_requests"
        " WHERE guild_id = ? AND status IN ('open', 'offering', 'queued')",
        (guild_id,),
    )
    async with conn.execute(
        "SELECT status, created_at, answered_at FROM mentorship_offers"
        " WHERE guild_id = ? AND status IN ('accepted', 'declined', 'expired')",
        (guild_id,),
    ) as cursor:
        answered = list(await cursor.fetchall())
    waits = []
    for status, created, done in answered:
        start, end = parse_stamp(created), parse_stamp(done)
        if status == "accepted" and start is not None and end is not None:
            waits.append((end - start).total_seconds() / 3600)
    active = await _scalar(
        conn, "SELECT count(*) FROM mentorship_pairings WHERE guild_id = ? AND ended_at IS NULL", (guild_id,)
    )
    ended = await _scalar(
        conn,
        "SELECT count(*) FROM mentorship_pairings WHERE guild_id = ? AND ended_at IS NOT NULL",
        (guild_id,),
    )
    checkins: dict[CheckinAnswer, int] = dict.fromkeys(CheckinAnswer, 0)
    async with conn.execute(
        "SELECT c.answer, count(*) FROM mentorship_checkins c"
        " JOIN mentorship_pairings p ON p.id = c.pairing_id WHERE p.guild_id = ? GROUP BY c.answer",
        (guild_id,),
    ) as cursor:
        for answer, count in await cursor.fetchall():
            checkins[CheckinAnswer(answer)] = int(count)
    average = await _scalar(
        conn,
        "SELECT avg(g.rating) FROM mentorship_ratings g JOIN mentorship_pairings p ON p.id = g.pairing_id"
        " WHERE p.guild_id = ?",
        (guild_id,),
    )
    return {
        "requests": int(requests),
        "open_requests": int(open_requests),
        "offers_answered": len(answered),
        "offers_accepted": len(waits),
        "median_accept_hours": statistics.median(waits) if waits else None,
        "active_pairings": int(active),
        "ended_pairings": int(ended),
        "checkins": checkins,
        "average_rating": None if average is None else float(average),
    }


# Member data


async def export_member(conn: aiosqlite.Connection, guild_id: int, user_id: int) -> dict[str, Any]:
    """Everything the mentorship stores about the member in this guild, as JSON-ready values."""
    mentor_rows: list[dict[str, Any]] = []
    async with conn.execute(
        "SELECT capacity, note, paused_at, paused_until, started_at, last_active_at FROM mentors"
        " WHERE guild_id = ? AND user_id = ?",
        (guild_id, user_id),
    ) as cursor:
        for capacity, note, paused_at, paused_until, started_at, last_active_at in await cursor.fetchall():
            mentor_rows.append(
                {
                    "capacity": capacity,
                    "note": note,
                    "paused_at": paused_at,
                    "paused_until": paused_until,
                    "started_at": started_at,
                    "last_active_at": last_active_at,
                }
            )
    async with conn.execute(
        "SELECT skill FROM mentor_skills WHERE guild_id = ? AND user_id = ? ORDER BY position",
        (guild_id, user_id),
    ) as cursor:
        skills = [row[0] for row in await cursor.fetchall()]
    for row in mentor_rows:
        row["skills"] = skills
    async with conn.execute(
        "SELECT id, skill, goal, language, ask_again, status, created_at, closed_at FROM mentorship_requests"
        " WHERE guild_id = ? AND user_id = ? ORDER BY id",
        (guild_id, user_id),
    ) as cursor:
        requests = [
            dict(
                zip(
                    ("id", "skill", "goal", "language", "ask_again", "status", "created_at", "closed_at"),
                    row,
                    strict=True,
                )
            )
            for row in await cursor.fetchall()
        ]
    offers = [
        {
            "id": o.id,
            "request_id": o.request_id,
            "role": "mentor" if o.mentor_id == user_id else "mentee",
            "mentor_id": str(o.mentor_id),
            "mentee_id": str(o.mentee_id),
            "status": o.status.value,
            "reason": o.reason if o.mentor_id == user_id else None,
            "created_at": o.created_at.isoformat(),
            "answered_at": stamp_or_none(o.answered_at),
        }
        for o in await store.offers_of_member(conn, guild_id, user_id)
    ]
    pairings = await _pairings(
        conn, "guild_id = ? AND (mentor_id = ? OR mentee_id = ?)", (guild_id, user_id, user_id)
    )
    async with conn.execute(
        "SELECT pairing_id, answer, answered_at FROM mentorship_checkins WHERE user_id = ? AND pairing_id IN"
        " (SELECT id FROM mentorship_pairings WHERE guild_id = ?)",
        (user_id, guild_id),
    ) as cursor:
        checkins = [{"pairing_id": p, "answer": a, "answered_at": t} for p, a, t in await cursor.fetchall()]
    async with conn.execute(
        "SELECT pairing_id, rating, comment, rated_at FROM mentorship_ratings"
        " WHERE user_id = ? AND pairing_id IN (SELECT id FROM mentorship_pairings WHERE guild_id = ?)",
        (user_id, guild_id),
    ) as cursor:
        ratings = [
            {"pairing_id": p, "rating": r, "comment": c, "rated_at": t}
            for p, r, c, t in await cursor.fetchall()
        ]
    async with conn.execute(
        "SELECT blocked_id, created_at FROM mentorship_blocks WHERE guild_id = ? AND user_id = ?",
        (guild_id, user_id),
    ) as cursor:
        blocks = [{"member_id": str(b), "created_at": t} for b, t in await cursor.fetchall()]
    return {
        "mentor": mentor_rows[0] if mentor_rows else None,
        "requests": requests,
        "offers": offers,
        "pairings": [
            {
                "id": p.id,
                "role": "mentor" if p.mentor_id == user_id else "mentee",
                "partner_id": str(p.partner_of(user_id)),
                "skill": p.skill,
                "goal": p.goal,
                "matched_at": p.matched_at.isoformat(),
                "ended_at": stamp_or_none(p.ended_at),
                "end_reason": p.end_reason if p.ended_by == user_id else None,
            }
            for p in pairings
        ],
        "checkins": checkins,
        "ratings": ratings,
        "blocks": blocks,
    }
