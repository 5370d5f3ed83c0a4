"""Working hours and how much of the day two members share.

A member's working hours are a daily window in their own time zone. Comparing two members means
placing both windows on the same UTC timeline: the overlap is what the intro message shows in each
member's local time and what the ranking rewards.
"""

from __future__ import annotations

import functools
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot.errors import InvalidInput

_DAY = timedelta(days=1)
# Neighbouring days matter because a window in UTC+14 or UTC-12 lands on another UTC date.
_NEIGHBOUR_DAYS = (-1, 0, 1)


@dataclass(frozen=True, slots=True)
class WorkingHours:
    """A daily window of local hours; ``end <= start`` means the window crosses midnight."""

    timezone: str | None  # IANA name; None when the member has not set one
    start: int = 9
    end: int = 17

    def __post_init__(self) -> None:
        if not 0 <= self.start <= 23:
            raise InvalidInput("start", "must be a local hour from 0 to 23")
        if not 1 <= self.end <= 24:
            raise InvalidInput("end", "must be a local hour from 1 to 24")


@functools.lru_cache(maxsize=1024)
def _zone(name: str) -> zoneinfo.ZoneInfo | None:
    # A stored zone can disappear from tzdata between releases; it then counts as not set.
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


@functools.lru_cache(maxsize=65536)
def _shift(hours: WorkingHours, day: date) -> tuple[float, float] | None:
    """The window that starts on local ``day``, as UTC timestamps, or None without a usable zone."""
    zone = _zone(hours.timezone) if hours.timezone is not None else None
    if zone is None:
        return None
    start = datetime.combine(day, time(hours.start), zone)
    end_day = day if hours.end > hours.start else day + _DAY
    # Aware arithmetic is wall-clock arithmetic here, so hour 24 is the next local midnight even on DST days.
    end = datetime.combine(end_day, time(0), zone) + timedelta(hours=hours.end)
    return start.timestamp(), end.timestamp()


@functools.lru_cache(maxsize=65536)
def _overlaps(a: WorkingHours, b: WorkingHours, on: date) -> tuple[tuple[float, float], ...]:
    own = _shift(a, on)
    if own is None or _shift(b, on) is None:
        return ()
    pieces: list[tuple[float, float]] = []
    for offset in _NEIGHBOUR_DAYS:
        other = _shift(b, on + timedelta(days=offset))
        assert other is not None  # the zone was usable for ``on``, so it is for every day
        low, high = max(own[0], other[0]), min(own[1], other[1])
        if low < high:
            if pieces and pieces[-1][1] >= low:
                pieces[-1] = (pieces[-1][0], high)
            else:
                pieces.append((low, high))
    return tuple(pieces)


def has_zone(hours: WorkingHours) -> bool:
    """Whether ``hours`` has a time zone credcord can use (set, and known to tzdata)."""
    return hours.timezone is not None and _zone(hours.timezone) is not None


def overlap_windows(a: WorkingHours, b: WorkingHours, *, on: date) -> list[tuple[datetime, datetime]]:
    """The stretches of ``a``'s working day ``on`` that fall inside ``b``'s working hours (aware UTC).

    Empty when either time zone is unknown or the windows never meet.
    """
    return [
        (datetime.fromtimestamp(low, UTC), datetime.fromtimestamp(high, UTC))
        for low, high in _overlaps(a, b, on)
    ]


def overlap_hours(a: WorkingHours, b: WorkingHours, *, on: date) -> float:
    """How many hours of ``a``'s working day ``on`` fall inside ``b``'s working hours."""
    return sum(high - low for low, high in _overlaps(a, b, on)) / 3600


def describe_window(start: datetime, end: datetime, timezone: str | None) -> str:
    """A window in a member's local time, e.g. ``09:00–12:00 (Europe/Berlin)``."""
    zone = _zone(timezone) if timezone is not None else None
    if zone is None:
        return f"{start.astimezone(UTC):%H:%M}–{end.astimezone(UTC):%H:%M} UTC (timezone not set)"
    return f"{start.astimezone(zone):%H:%M}–{end.astimezone(zone):%H:%M} ({timezone})"
