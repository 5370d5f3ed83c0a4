"""SQL for member profiles and the member directory. Every function runs inside the caller's unit of work."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiosqlite

from bot.profiles.model import CleanText, Profile, ProfileOptions
from bot.skills import SkillCatalog
from bot.text import UNTITLED_BADGE


async def ensure_member(conn: aiosqlite.Connection, guild_id: int, user_id: int, now: datetime) -> None:
    await conn.execute(
        "INSERT INTO members (guild_id, user_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        (guild_id, user_id, now.isoformat()),
    )


async def load(
    conn: aiosqlite.Connection, guild_id: int, user_id: int, catalog: SkillCatalog
) -> Profile | None:
    async with conn.execute(
        "SELECT headline, bio, portfolio_url, timezone, weekly_hours, rate_min, rate_max, rate_currency,"
        " open_to_work, directory, updated_at FROM profiles WHERE guild_id = ? AND user_id = ?",
        (guild_id, user_id),
    ) as cursor:
        row = await cursor.fetchone()
    if row is None:
        return None
    key = (guild_id, user_id)
    async with conn.execute(
        "SELECT skill, known FROM profile_skills WHERE guild_id = ? AND user_id = ? ORDER BY position", key
    ) as cursor:
        skill_rows = await cursor.fetchall()
    async with conn.execute(
        "SELECT language FROM profile_languages WHERE guild_id = ? AND user_id = ? ORDER BY position", key
    ) as cursor:
        languages = tuple(r[0] for r in await cursor.fetchall())
    async with conn.execute(
        "SELECT email FROM profile_emails WHERE guild_id = ? AND user_id = ? ORDER BY email", key
    ) as cursor:
        emails = tuple(r[0] for r in await cursor.fetchall())
    skills = [catalog.stored(name, bool(known)) for name, known in skill_rows]
    return Profile(
        guild_id=guild_id,
        user_id=user_id,
        headline=row[0],
        bio=row[1],
        portfolio_url=row[2],
        timezone=row[3],
        weekly_hours=row[4],
        rate_min=row[5],
        rate_max=row[6],
        rate_currency=row[7],
        open_to_work=bool(row[8]),
        directory=bool(row[9]),
        skills=tuple(skills),
        languages=languages,
        emails=emails,
        updated_at=datetime.fromisoformat(row[10]),
    )


async def save(
    conn: aiosqlite.Connection,
    guild_id: int,
    user_id: int,
    text: CleanText,
    options: ProfileOptions,
    current: Profile | None,
    now: datetime,
) -> None:
    def pick(new: Any, field: str) -> Any:
        if new is not None:
            return new
        return getattr(current, field) if current is not None else None

    await ensure_member(conn, guild_id, user_id, now)
    await conn.execute(
        "INSERT INTO profiles (guild_id, user_id, headline, bio, portfolio_url, timezone, weekly_hours,"
        " rate_min, rate_max, rate_currency, open_to_work, directory, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (guild_id, user_id) DO UPDATE SET headline = excluded.headline, bio = excluded.bio,"
        " portfolio_url = excluded.portfolio_url, timezone = excluded.timezone,"
        " weekly_hours = excluded.weekly_hours, rate_min = excluded.rate_min, rate_max = excluded.rate_max,"
        " rate_currency = excluded.rate_currency, open_to_work = excluded.open_to_work,"
        " directory = excluded.directory, updated_at = excluded.updated_at",
        (
            guild_id,
            user_id,
            text.headline,
            text.bio,
            text.portfolio_url,
            pick(options.timezone, "timezone"),
            pick(options.weekly_hours, "weekly_hours"),
            pick(options.rate_min, "rate_min"),
            pick(options.rate_max, "rate_max"),
            pick(options.rate_currency, "rate_currency"),
            int(bool(pick(options.open_to_work, "open_to_work"))),
            int(bool(pick(options.directory, "directory"))),
            now.isoformat(),
        ),
    )
    key = (guild_id, user_id)
    await conn.execute("DELETE FROM profile_skills WHERE guild_id = ? AND user_id = ?", key)
    await conn.executemany(
        "INSERT INTO profile_skills (guild_id, user_id, position, skill, known) VALUES (?, ?, ?, ?, ?)",
        [(guild_id, user_id, i, s.name, int(s.known)) for i, s in enumerate(text.skills)],
    )
    await conn.execute("DELETE FROM profile_languages WHERE guild_id = ? AND user_id = ?", key)
    await conn.executemany(
        "INSERT INTO profile_languages (guild_id, user_id, position, language) VALUES (?, ?, ?, ?)",
        [(guild_id, user_id, i, lang) for i, lang in enumerate(text.languages)],
    )
    if options.emails is not None:
        await conn.execute("DELETE FROM profile_emails WHERE guild_id = ? AND user_id = ?", key)
        await conn.executemany(
            "INSERT INTO profile_emails (guild_id, user_id, email) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            [(guild_id, user_id, email) for email in options.emails],
        )
    await refresh_directory(conn, guild_id, user_id)


async def delete_member(conn: aiosqlite.Connection, guild_id: int, user_id: int) -> bool:
    cursor = await conn.execute("DELETE FROM members WHERE guild_id = ? AND user_id = ?", (guild_id, user_id))
    return cursor.rowcount > 0


# A member's rows in ``directory_skills`` (see migrations/0006_directory.sql) come from the profile and the
# badges. A badge proves a skill as in ``Badge.counts_at``: verified and not self-reported; its expiry is
# stored and checked by each search, because time passes without any write.
_PROVING_BADGES = (
    "SELECT s.skill, coalesce(b.name, ?), b.expires_at FROM badges b JOIN badge_skills s ON s.badge_id = b.id"
    " WHERE b.guild_id = ? AND b.user_id = ? AND b.status = 'VALID' AND b.self_reported = 0"
)


def _latest(expiries: list[str | None]) -> str | None:
    """The last of these expiry stamps; None when one never expires (or there are none)."""
    return None if not expiries or None in expiries else max(e for e in expiries if e is not None)


async def refresh_directory(conn: aiosqlite.Connection, guild_id: int, user_id: int) -> None:
    """Rebuild the member's directory rows: one per skill their profile declares or a badge proves, and
    none unless they opted into the directory.

    Every write that changes a member's profile or badges calls this in the same unit of work, so
    ``/find`` never sees the directory out of step with them.
    """
    key = (guild_id, user_id)
    await conn.execute("DELETE FROM directory_skills WHERE guild_id = ? AND user_id = ?", key)
    async with conn.execute(
        "SELECT weekly_hours, open_to_work, timezone FROM profiles"
        " WHERE guild_id = ? AND user_id = ? AND directory = 1",
        key,
    ) as cursor:
        listing = await cursor.fetchone()
    if listing is None:
        return
    async with conn.execute(
        "SELECT skill FROM profile_skills WHERE guild_id = ? AND user_id = ?", key
    ) as cursor:
        declared = {str(row[0]) for row in await cursor.fetchall()}
    proofs: dict[str, list[tuple[str, str | None]]] = {}
    async with conn.execute(_PROVING_BADGES, (UNTITLED_BADGE, *key)) as cursor:
        for skill, title, expires in await cursor.fetchall():
            proofs.setdefault(skill, []).append((title, expires))
    rows = []
    for skill in sorted(declared | proofs.keys()):
        proving = proofs.get(skill, [])
        # The alphabetically first title names the evidence, so a reply never flickers between two.
        evidence = min((title for title, _ in proving), default=None)
        rows.append(
            (
                guild_id,
                skill,
                user_id,
                int(skill in declared),
                int(bool(proving)),
                _latest([expires for _, expires in proving]),
                evidence,
                _latest([expires for title, expires in proving if title == evidence]),
                *listing,
            )
        )
    await conn.executemany(
        "INSERT INTO directory_skills (guild_id, skill, user_id, declared, proven, proven_until, evidence,"
        " evidence_until, weekly_hours, open_to_work, timezone) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
