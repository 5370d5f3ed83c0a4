"""SQL for stored badges. Every function runs inside the caller's unit of work or snapshot.

Some statements are assembled from this module's constant column lists and conditions (marked S608);
every value still travels as a parameter.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import aiosqlite

from bot.badges.intake import BadgeRecord
from bot.badges.model import Badge, ShowcaseMessage
from bot.badges.policy import CheckOutcome, CheckState
from bot.profiles.store import refresh_directory
from bot.skills import SkillCatalog, SkillMatch
from bot.verification.verdict import Status


def stamp(moment: datetime) -> str:
    """Fixed-width UTC text, so stored times order correctly as text."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def stamp_or_none(moment: datetime | None) -> str | None:
    return None if moment is None else stamp(moment)


def parse_stamp(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def member_filter(column: str, user_ids: Sequence[int] | None) -> tuple[str, list[int]]:
    """An ``AND column IN (…)`` clause and its parameters for ``user_ids``; nothing for everyone."""
    if user_ids is None:
        return "", []
    if not user_ids:
        return " AND 1 = 0", []
    return f" AND {column} IN ({', '.join('?' for _ in user_ids)})", list(user_ids)


# The condition for a badge that counts at a moment (the one parameter); see ``Badge.counts_at``.
COUNTS = "b.status = 'VALID' AND b.self_reported = 0 AND (b.expires_at IS NULL OR b.expires_at > ?)"

_COLUMNS = (
    "b.id, b.guild_id, b.user_id, b.source, b.credential_id, b.status, b.format, b.reason, b.message,"
    " b.name, b.issuer_name, b.issuer_url, b.issuer_host, b.image_url, b.issued_at, b.expires_at,"
    " b.self_reported, b.added_at, b.last_checked_at, b.first_failed_at, b.showcase_channel_id,"
    " b.showcase_message_id, (SELECT count(*) FROM congratulations c WHERE c.badge_id = b.id)"
)


def _badge(row: Sequence[Any], skills: tuple[SkillMatch, ...]) -> Badge:
    channel, message = row[20], row[21]
    added, checked = parse_stamp(row[17]), parse_stamp(row[18])
    assert added is not None and checked is not None
    return Badge(
        id=row[0],
        guild_id=row[1],
        user_id=row[2],
        source=row[3],
        credential_id=row[4],
        status=Status(row[5]),
        format=row[6],
        reason=row[7],
        message=row[8],
        name=row[9],
        issuer_name=row[10],
        issuer_url=row[11],
        issuer_host=row[12],
        image_url=row[13],
        skills=skills,
        issued_at=parse_stamp(row[14]),
        expires_at=parse_stamp(row[15]),
        self_reported=bool(row[16]),
        added_at=added,
        last_checked_at=checked,
        first_failed_at=parse_stamp(row[19]),
        showcase=ShowcaseMessage(channel, message) if channel is not None and message is not None else None,
        congratulations=row[22],
    )


async def _skills(
    conn: aiosqlite.Connection, where: str, params: Sequence[Any], catalog: SkillCatalog
) -> dict[int, list[SkillMatch]]:
    found: dict[int, list[SkillMatch]] = {}
    async with conn.execute(
        f"SELECT s.badge_id, s.skill, s.known FROM badge_skills s JOIN badges b ON b.id = s.badge_id"  # noqa: S608
        f" WHERE {where} ORDER BY s.badge_id, s.position",
        params,
    ) as cursor:
        async for badge_id, name, known in cursor:
            found.setdefault(badge_id, []).append(catalog.stored(name, bool(known)))
    return found


async def _load(
    conn: aiosqlite.Connection, where: str, params: Sequence[Any], catalog: SkillCatalog
) -> list[Badge]:
    async with conn.execute(
        f"SELECT {_COLUMNS} FROM badges b WHERE {where} ORDER BY b.id",  # noqa: S608
        params,
    ) as cursor:
        rows = await cursor.fetchall()
    if not rows:
        return []
    skills = await _skills(conn, where, params, catalog)
    return [_badge(row, tuple(skills.get(row[0], ()))) for row in rows]


async def load_badge(conn: aiosqlite.Connection, badge_id: int, catalog: SkillCatalog) -> Badge | None:
    found = await _load(conn, "b.id = ?", (badge_id,), catalog)
    return found[0] if found else None


async def member_badges(
    conn: aiosqlite.Connection, guild_id: int, user_id: int, catalog: SkillCatalog
) -> list[Badge]:
    return await _load(conn, "b.guild_id = ? AND b.user_id = ?", (guild_id, user_id), catalog)


async def count_badges(conn: aiosqlite.Connection, guild_id: int, user_id: int) -> int:
    async with conn.execute(
        "SELECT count(*) FROM badges WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
    ) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def claimed_by(conn: aiosqlite.Connection, guild_id: int, credential_id: str) -> tuple[int, int] | None:
    """The (badge id, owner) already holding ``credential_id`` in the guild."""
    async with conn.execute(
        "SELECT id, user_id FROM badges WHERE guild_id = ? AND credential_id = ?", (guild_id, credential_id)
    ) as cursor:
        row = await cursor.fetchone()
    return (int(row[0]), int(row[1])) if row else None


_RECORD_FIELDS = (
    "source, recheck, check_host, credential_id, status, format, reason, message, name, issuer_name,"
    " issuer_url, issuer_host, image_url, issued_at, expires_at, self_reported, verdict"
)


def _record_values(record: BadgeRecord) -> tuple[Any, ...]:
    return (
        record.source,
        record.recheck,
        record.check_host,
        record.credential_id,
        record.status.value,
        record.format,
        record.reason,
        record.message,
        record.name,
        record.issuer_name,
        record.issuer_url,
        record.issuer_host,
        record.image_url,
        stamp_or_none(record.issued_at),
        stamp_or_none(record.expires_at),
        int(record.self_reported),
        record.verdict_json,
    )


async def _write_skills(
    conn: aiosqlite.Connection, badge_id: int, guild_id: int, skills: Iterable[SkillMatch]
) -> None:
    await conn.execute("DELETE FROM badge_skills WHERE badge_id = ?", (badge_id,))
    await conn.executemany(
        "INSERT INTO badge_skills (badge_id, guild_id, position, skill, known) VALUES (?, ?, ?, ?, ?)",
        [(badge_id, guild_id, i, s.name, int(s.known)) for i, s in enumerate(skills)],
    )


async def insert_badge(
    conn: aiosqlite.Connection, guild_id: int, user_id: int, record: BadgeRecord, now: datetime
) -> int:
    async with conn.execute(
        f"INSERT INTO badges (guild_id, user_id, {_RECORD_FIELDS}, added_at, last_checked_at)"  # noqa: S608
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (guild_id, user_id, *_record_values(record), stamp(now), stamp(now)),
    ) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    badge_id = int(row[0])
    await _write_skills(conn, badge_id, guild_id, record.skills)
    await refresh_directory(conn, guild_id, user_id)
    return badge_id


async def replace_badge(
    conn: aiosqlite.Connection, badge_id: int, guild_id: int, user_id: int, record: BadgeRecord, now: datetime
) -> None:
    """The owner added the credential again: keep its id, post and congratulations, renew the rest."""
    assignments = ", ".join(f"{name.strip()} = ?" for name in _RECORD_FIELDS.split(","))
    await conn.execute(
        f"UPDATE badges SET {assignments}, last_checked_at = ?, first_failed_at = NULL WHERE id = ?",  # noqa: S608
        (*_record_values(record), stamp(now), badge_id),
    )
    await _write_skills(conn, badge_id, guild_id, record.skills)
    await refresh_directory(conn, guild_id, user_id)


async def delete_badge(conn: aiosqlite.Connection, badge_id: int) -> None:
    async with conn.execute(
        "DELETE FROM badges WHERE id = ? RETURNING guild_id, user_id", (badge_id,)
    ) as cursor:
        owner = await cursor.fetchone()
    if owner is not None:
        await refresh_directory(conn, int(owner[0]), int(owner[1]))


async def set_showcase(conn: aiosqlite.Connection, badge_id: int, post: ShowcaseMessage | None) -> bool:
    cursor = await conn.execute(
        "UPDATE badges SET showcase_channel_id = ?, showcase_message_id = ? WHERE id = ?",
        (post.channel_id if post else None, post.message_id if post else None, badge_id),
    )
    return cursor.rowcount > 0


async def congratulate(conn: aiosqlite.Connection, badge_id: int, user_id: int, now: datetime) -> bool:
    cursor = await conn.execute(
        "INSERT INTO congratulations (badge_id, user_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        (badge_id, user_id, stamp(now)),
    )
    return cursor.rowcount > 0


async def owner_of(conn: aiosqlite.Connection, badge_id: int) -> tuple[int, int] | None:
    """The (guild, owner) of a badge."""
    async with conn.execute("SELECT guild_id, user_id FROM badges WHERE id = ?", (badge_id,)) as cursor:
        row = await cursor.fetchone()
    return (int(row[0]), int(row[1])) if row else None


async def congratulation_count(conn: aiosqlite.Connection, badge_id: int) -> int:
    async with conn.execute("SELECT count(*) FROM congratulations WHERE badge_id = ?", (badge_id,)) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def verified_skills(
    conn: aiosqlite.Connection, guild_id: int, user_ids: Sequence[int] | None, now: datetime
) -> dict[int, set[str]]:
    """Skills of the badges that count at ``now``, per member (of ``user_ids``, or everyone in the guild)."""
    members, ids = member_filter("b.user_id", user_ids)
    found: dict[int, set[str]] = {user_id: set() for user_id in user_ids or ()}
    async with conn.execute(
        "SELECT DISTINCT b.user_id, s.skill FROM badge_skills s JOIN badges b ON b.id = s.badge_id"  # noqa: S608
        f" WHERE b.guild_id = ? AND {COUNTS}{members}",
        [guild_id, stamp(now), *ids],
    ) as cursor:
        async for user_id, skill in cursor:
            found.setdefault(user_id, set()).add(skill)
    return found


async def export_rows(conn: aiosqlite.Connection, guild_id: int, user_id: int) -> list[dict[str, Any]]:
    """Each of the member's badges with the verdict it was added with, for a data export."""
    async with conn.execute(
        "SELECT id, source, credential_id, status, reason, self_reported, added_at, last_checked_at, verdict"
        " FROM badges WHERE guild_id = ? AND user_id = ? ORDER BY id",
        (guild_id, user_id),
    ) as cursor:
        rows = await cursor.fetchall()
    return [
        {
            "id": row[0],
            "source": row[1],
            "credential_id": row[2],
            "status": row[3],
            "reason": row[4],
            "self_reported": bool(row[5]),
            "added_at": row[6],
            "last_checked_at": row[7],
            "verdict": json.loads(row[8]),
        }
        for row in rows
    ]


async def congratulated_by(conn: aiosqlite.Connection, guild_id: int, user_id: int) -> list[int]:
    """The badges in the guild the member has congratulated."""
    async with conn.execute(
        "SELECT c.badge_id FROM congratulations c JOIN badges b ON b.id = c.badge_id"
        " WHERE b.guild_id = ? AND c.user_id = ? ORDER BY c.badge_id",
        (guild_id, user_id),
    ) as cursor:
        return [int(row[0]) for row in await cursor.fetchall()]


async def forget_member(conn: aiosqlite.Connection, guild_id: int, user_id: int) -> list[ShowcaseMessage]:
    """Delete the member's badges and congratulations in the guild; returns their badges' posts."""
    async with conn.execute(
        "SELECT showcase_channel_id, showcase_message_id FROM badges WHERE guild_id = ? AND user_id = ?"
        " AND showcase_message_id IS NOT NULL ORDER BY id",
        (guild_id, user_id),
    ) as cursor:
        posts = [ShowcaseMessage(int(row[0]), int(row[1])) for row in await cursor.fetchall()]
    await conn.execute("DELETE FROM badges WHERE guild_id = ? AND user_id = ?", (guild_id, user_id))
    await conn.execute(
        "DELETE FROM congratulations WHERE user_id = ?"
        " AND badge_id IN (SELECT id FROM badges WHERE guild_id = ?)",
        (user_id, guild_id),
    )
    await refresh_directory(conn, guild_id, user_id)
    return posts


# Re-verification


_CHECK_COLUMNS = (
    "id, guild_id, user_id, recheck, check_host, status, reason, message, self_reported, expires_at,"
    " first_failed_at"
)


def _check_state(row: Sequence[Any]) -> CheckState:
    return CheckState(
        id=row[0],
        guild_id=row[1],
        user_id=row[2],
        recheck=row[3],
        check_host=row[4],
        status=Status(row[5]),
        reason=row[6],
        message=row[7],
        self_reported=bool(row[8]),
        expires_at=parse_stamp(row[9]),
        first_failed_at=parse_stamp(row[10]),
    )


async def check_state(conn: aiosqlite.Connection, badge_id: int) -> CheckState | None:
    async with conn.execute(f"SELECT {_CHECK_COLUMNS} FROM badges WHERE id = ?", (badge_id,)) as cursor:  # noqa: S608
        row = await cursor.fetchone()
    return _check_state(row) if row else None


async def due_for_check(
    conn: aiosqlite.Connection, checked_before: datetime, skip_hosts: Sequence[str], limit: int
) -> list[CheckState]:
    """Badges that can still change status, least recently checked first, skipping backed-off hosts."""
    sql = (
        f"SELECT {_CHECK_COLUMNS} FROM badges"  # noqa: S608
        " WHERE status IN ('VALID', 'UNVERIFIABLE') AND recheck IS NOT NULL AND last_checked_at <= ?"
    )
    params: list[Any] = [stamp(checked_before)]
    if skip_hosts:
        sql += f" AND (check_host IS NULL OR check_host NOT IN ({', '.join('?' for _ in skip_hosts)}))"
        params.extend(skip_hosts)
    sql += " ORDER BY last_checked_at, id LIMIT ?"
    params.append(limit)
    async with conn.execute(sql, params) as cursor:
        return [_check_state(row) for row in await cursor.fetchall()]


async def expired_by_date(conn: aiosqlite.Connection, now: datetime, limit: int) -> list[CheckState]:
    """Verified badges whose expiry date has passed, found without asking their issuers."""
    async with conn.execute(
        f"SELECT {_CHECK_COLUMNS} FROM badges"  # noqa: S608
        " WHERE status = 'VALID' AND expires_at <= ? ORDER BY expires_at, id LIMIT ?",
        (stamp(now), limit),
    ) as cursor:
        return [_check_state(row) for row in await cursor.fetchall()]


async def record_check(
    conn: aiosqlite.Connection, badge_id: int, outcome: CheckOutcome, now: datetime
) -> None:
    """Store a re-check's outcome. A changed status changes what the badge proves: the caller then
    refreshes the owner's directory rows (``reverify.record_outcome`` does)."""
    await conn.execute(
        "UPDATE badges SET status = ?, reason = ?, message = ?, first_failed_at = ?, last_checked_at = ?"
        " WHERE id = ?",
        (
            outcome.status.value,
            outcome.reason,
            outcome.message,
            stamp_or_none(outcome.first_failed_at),
            stamp(now),
            badge_id,
        ),
    )
