"""Ranking directory members for ``/find``.

Order: members proving more of the asked skills with a badge come first; then
those declaring more of them; then the closer time zone (when the searcher gave
one); then more weekly hours; then the lower user id, so equal members always
come out in the same order. Filters (``verified_only``, ``min_hours``,
``open_to_work``) drop members before ranking.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo

from bot.errors import InvalidInput
from bot.profiles.model import timezones
from bot.text import clip

MAX_QUERY_SKILLS = 3
# Badge names are issuer text of any length; a reason stays one short line.
MAX_REASON_BADGE = 60
_OFFSET = re.compile(r"^(?:UTC|GMT)\s*(?:([+\-−])\s*(\d{1,2})(?::?(\d{2}))?)?$", re.IGNORECASE)
_HALF_DAY_MINUTES = 12 * 60


@dataclass(frozen=True, slots=True)
class DirectoryMember:
    user_id: int
    verified: Mapping[str, str]
    declared: frozenset[str]
    weekly_hours: int | None
    timezone: str | None
    open_to_work: bool


@dataclass(frozen=True, slots=True)
class FindQuery:
    skills: tuple[str, ...]
    verified_only: bool = False
    timezone: str | None = None
    min_hours: int | None = None
    open_to_work: bool | None = None


@dataclass(frozen=True, slots=True)
class FindResult:
    user_id: int
    reasons: str


def parse_timezone(text: str) -> tzinfo:
    """An IANA zone (``Europe/Berlin``) or a fixed offset (``UTC``, ``UTC+1``, ``UTC-5:30``, ``GMT+2``)."""
    cleaned = text.strip()
    match = _OFFSET.fullmatch(cleaned)
    if match:
        sign, hours, minutes = match.groups()
        if sign is None:
            return UTC
        offset = timedelta(hours=int(hours), minutes=int(minutes or 0))
        if offset > timedelta(hours=14) or int(minutes or 0) >= 60:
            raise InvalidInput("timezone", f"{cleaned[:20]!r} is not a UTC offset between -14 and +14")
        return timezone(offset if sign == "+" else -offset)
    # Only names from the tz database: anything else would be looked up as a file path.
    if cleaned not in timezones():
        raise InvalidInput("timezone", f"{cleaned[:60]!r} is not a time zone: write Europe/Berlin or UTC+1")
    return zoneinfo.ZoneInfo(cleaned)


def format_offset(zone: tzinfo, now: datetime) -> str:
    """``UTC``, ``UTC+1`` or ``UTC-5:30``: the zone's offset at ``now``."""
    minutes = _offset_minutes(zone, now)
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def _offset_minutes(zone: tzinfo, now: datetime) -> int:
    offset = now.astimezone(zone).utcoffset() or timedelta(0)
    return int(offset.total_seconds() // 60)


def rank_members(query: FindQuery, members: Iterable[DirectoryMember], *, now: datetime) -> list[FindResult]:
    """Members matching at least one asked skill, best first (see the module docstring).

    Skill names must be the curated list's canonical names on both sides (exact comparison keeps a
    search over thousands of candidates fast). ``reasons`` is plain text holding issuer-written
    badge names: escape it before showing it.
    """
    if not 1 <= len(query.skills) <= MAX_QUERY_SKILLS:
        raise InvalidInput("skill", f"search for 1 to {MAX_QUERY_SKILLS} skills")
    wanted = list(dict.fromkeys(query.skills))
    wanted_offset = _offset_minutes(parse_timezone(query.timezone), now) if query.timezone else None
    # Members share a handful of zones: each is resolved once per search.
    zones: dict[str, tuple[str, int] | None] = {}
    ranked: list[tuple[tuple[int, int, int, int, int], FindResult]] = []
    for member in members:
        if query.min_hours is not None and (member.weekly_hours or 0) < query.min_hours:
            continue
        if query.open_to_work is not None and member.open_to_work != query.open_to_work:
            continue
        verified = [(skill, member.verified[skill]) for skill in wanted if skill in member.verified]
        declared = [
            skill
            for skill in wanted
            if not query.verified_only and skill not in member.verified and skill in member.declared
        ]
        if not verified and not declared:
            continue
        place = _place(member.timezone, now, zones)
        distance = _HALF_DAY_MINUTES + 1
        if wanted_offset is not None and place is not None:
            apart = abs(place[1] - wanted_offset) % (2 * _HALF_DAY_MINUTES)
            distance = min(apart, 2 * _HALF_DAY_MINUTES - apart)
        hours = -1 if member.weekly_hours is None else member.weekly_hours
        key = (-len(verified), -len(declared), distance, -hours, member.user_id)
        reasons = _reasons(verified, declared, member, place[0] if place else None)
        ranked.append((key, FindResult(member.user_id, reasons)))
    ranked.sort(key=lambda pair: pair[0])
    return [result for _, result in ranked]


def _place(
    name: str | None, now: datetime, seen: dict[str, tuple[str, int] | None]
) -> tuple[str, int] | None:
    """A member's zone as (shown offset, offset in minutes) at ``now``, or None when unknown."""
    if not name:
        return None
    if name not in seen:
        try:
            zone = parse_timezone(name)
        except InvalidInput:
            # A zone removed from the tz database since the member saved it: rank as unknown.
            seen[name] = None
        else:
            seen[name] = (format_offset(zone, now), _offset_minutes(zone, now))
    return seen[name]


def _reasons(
    verified: list[tuple[str, str]], declared: list[str], member: DirectoryMember, offset: str | None
) -> str:
    parts = [
        f"verified {skill} via {clip(' '.join(badge.split()), MAX_REASON_BADGE)} badge"
        for skill, badge in verified
    ]
    if declared:
        parts.append("declares " + ", ".join(declared))
    if member.weekly_hours is not None:
        parts.append(f"{member.weekly_hours} h/week")
    if offset is not None:
        parts.append(offset)
    if member.open_to_work:
        parts.append("open to work")
    return " · ".join(parts)
