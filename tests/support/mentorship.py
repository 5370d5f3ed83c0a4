"""Mentors and requests for the matching core's tests: plain values, nothing stored."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.mentorship.hours import WorkingHours
from bot.mentorship.ranking import MatchWeights, MenteeRequest, MentorCandidate
from bot.skills import SkillCatalog

CATALOG = SkillCatalog.bundled()
NOW = datetime(2026, 7, 1, 12, tzinfo=UTC)
WEIGHTS = MatchWeights()


def mentor(user_id: int, *skills: str, capacity: int = 2, **changes: object) -> MentorCandidate:
    """A mentor offering ``skills``, free all week, with no mentees yet."""
    base = MentorCandidate(
        user_id=user_id,
        skills=frozenset(skills),
        verified_skills=frozenset(),
        capacity=capacity,
        active_mentees=0,
        hours=WorkingHours(None),
        languages=frozenset(),
        last_active=None,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def request(request_id: int = 1, skill: str = "Python", **changes: object) -> MenteeRequest:
    """Member ``100 + request_id`` asking for ``skill``, free all week, excluding nobody."""
    base = MenteeRequest(
        request_id=request_id,
        user_id=100 + request_id,
        skill=skill,
        language=None,
        hours=WorkingHours(None),
        languages=frozenset(),
        excluded_mentors=frozenset(),
    )
    return replace(base, **changes)  # type: ignore[arg-type]
