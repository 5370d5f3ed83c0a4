"""The weekly digest: when it is due, and what it says.

A schedule names a weekday and a UTC hour; each week has one *slot* at that
time. The poster remembers the last slot it posted. ``due_slot`` answers "post
now?" for any polling interval: the current slot is due until it is recorded,
so a slot missed while the bot was down is posted late, once, and a slot already
posted never comes back. Weeks missed entirely fold into the next post (its
window starts at the last posted slot), so no activity goes unreported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.errors import InvalidInput
from bot.text import safe

# Each section becomes an embed field (1024 characters); six of them and a title stay under the
# 6000-character embed total with room for the poster's own header.
MAX_SECTION_CHARS = 900
MAX_SECTION_LINES = 10
MAX_LINE_NAME = 80


@dataclass(frozen=True, slots=True)
class DigestSchedule:
    day: int
    hour: int

    def __post_init__(self) -> None:
        if not 0 <= self.day <= 6:
            raise InvalidInput("day", "must be 0 (Monday) to 6 (Sunday)")
        if not 0 <= self.hour <= 23:
            raise InvalidInput("hour", "must be an hour of the day in UTC, 0 to 23")


def slot_for(schedule: DigestSchedule, now: datetime) -> datetime:
    """The most recent slot at or before ``now`` (aware UTC)."""
    now = now.astimezone(UTC)
    this_week = (now - timedelta(days=now.weekday())).replace(
        hour=schedule.hour, minute=0, second=0, microsecond=0
    )
    slot = this_week + timedelta(days=schedule.day)
    return slot if slot <= now else slot - timedelta(weeks=1)


def due_slot(schedule: DigestSchedule, now: datetime, last_posted: datetime | None) -> datetime | None:
    """The slot to post now, or None when the current slot is already posted.

    ``last_posted`` is the slot recorded by the last post (None: never posted, so the current slot is
    due at once). After a schedule change the new slot is due only if it falls after the last post,
    so a change never yields two digests in one week.
    """
    slot = slot_for(schedule, now)
    if last_posted is not None and last_posted.astimezone(UTC) >= slot:
        return None
    return slot


@dataclass(frozen=True, slots=True)
class DigestData:
    """One window's activity; the top lists count members who proved a skill, and searches for it."""

    since: datetime
    until: datetime
    new_badges: tuple[tuple[int, str], ...]
    completed_stacks: tuple[tuple[int, str], ...]
    new_mentors: tuple[int, ...]
    open_requests: tuple[tuple[int, str], ...]
    top_verified_skills: tuple[tuple[str, int], ...]
    top_searched_skills: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class DigestSection:
    title: str
    lines: tuple[str, ...]


def compose_digest(data: DigestData) -> tuple[DigestSection, ...]:
    """The digest's sections, empty ones left out (an empty tuple is a quiet week).

    Badge, stack and skill names are escaped and clipped; members appear only as ``<@id>``. Each
    section has at most ``MAX_SECTION_LINES`` lines within ``MAX_SECTION_CHARS``; the last line
    says how many more there were.
    """
    candidates = (
        ("New verified badges", [f"<@{user}> · {_name(badge)}" for user, badge in data.new_badges]),
        ("Completed stacks", [f"<@{user}> · {_name(stack)}" for user, stack in data.completed_stacks]),
        ("Newly available mentors", [f"<@{user}>" for user in data.new_mentors]),
        ("Open mentor requests", [f"<@{user}> · {_name(skill)}" for user, skill in data.open_requests]),
        (
            "Most common verified skills",
            [_count(skill, n, "member", "members") for skill, n in data.top_verified_skills],
        ),
        (
            "Most searched skills",
            [_count(skill, n, "search", "searches") for skill, n in data.top_searched_skills],
        ),
    )
    return tuple(DigestSection(title, _bounded(lines)) for title, lines in candidates if lines)


def _name(text: str) -> str:
    return safe(" ".join(text.split()), MAX_LINE_NAME)


def _count(skill: str, count: int, one: str, many: str) -> str:
    return f"{_name(skill)} · {count} {one if count == 1 else many}"


def _bounded(lines: list[str]) -> tuple[str, ...]:
    kept: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        rest = len(lines) - index
        last = rest == 1
        # Room for this line and, unless it is the last, the "and N more" line after it.
        tail = 0 if last else len(f"… and {rest - 1} more") + 1
        lines_after = len(kept) + (1 if last else 2)
        if lines_after > MAX_SECTION_LINES or used + len(line) + 1 + tail > MAX_SECTION_CHARS:
            kept.append(f"… and {rest} more")
            break
        kept.append(line)
        used += len(line) + 1
    return tuple(kept)
