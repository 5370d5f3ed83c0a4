"""Ranking mentors for a request: hard filters, then a weighted score that explains itself.

Nothing here knows Discord or the database: storage hands in plain candidates and requests, and the
same scoring serves one member's top five and a whole cohort round. Scores are computed with numpy
over many mentors at once, so ranking stays fast with thousands of mentors; the reasons shown to the
member are written only for the few mentors actually shown or paired.

Hard filters: not the requester, not paused, capacity left, not in the request's excluded mentors,
and some skill relation (verified, declared, or another skill in the same category).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
from numpy.typing import NDArray

from bot.mentorship.hours import WorkingHours, has_zone, overlap_hours

MAX_OVERLAP_HOURS = 8.0
_FULLY_ACTIVE_DAYS = 1.0
_INACTIVE_DAYS = 30.0
_SECONDS_PER_DAY = 86_400.0

# How a mentor's skills relate to the requested one; the order is the order of preference.
_NO_RELATION = 0
_RELATED = 1
_DECLARED = 2
_VERIFIED = 3


@dataclass(frozen=True, slots=True)
class MatchWeights:
    """How much each part of a match counts; ``[mentorship.weights]`` in the config overrides these."""

    verified_skill: float = 10.0
    declared_skill: float = 6.0
    related_skill: float = 2.5  # mentor offers a different skill in the requested skill's category
    overlap_per_hour: float = 0.5  # counted up to 8 hours
    shared_language: float = 1.5
    spare_capacity: float = 2.0  # times the fraction of capacity still free
    recent_activity: float = 1.0  # full when active in the last day, fading to 0 over 30 days
    min_round_score: float = 6.0  # rounds leave people unmatched rather than pair them below this


@dataclass(frozen=True, slots=True)
class MentorCandidate:
    """A member offering mentorship, as storage sees them now."""

    user_id: int
    skills: frozenset[str]  # offered skills (canonical names when known)
    verified_skills: frozenset[str]  # the subset proven by a verified badge
    capacity: int  # 1-5
    active_mentees: int
    hours: WorkingHours
    languages: frozenset[str]  # lower-cased
    last_active: datetime | None
    paused: bool = False


@dataclass(frozen=True, slots=True)
class MenteeRequest:
    """An open request for a mentor in one skill."""

    request_id: int
    user_id: int
    skill: str
    language: str | None  # the language the member asked for, lower-cased; it alone then counts
    hours: WorkingHours
    languages: frozenset[str]  # lower-cased
    excluded_mentors: frozenset[int]  # blocked either way, declined recently, or paired before


@dataclass(frozen=True, slots=True)
class RankedMentor:
    """One suggested mentor with the reasons it ranks where it does.

    Reasons quote skill and language names as members wrote them: escape them where they are shown.
    """

    user_id: int
    score: float
    reasons: tuple[str, ...]  # ("verified Python", "5 h overlap", "speaks Spanish", "1/3 mentees")

    def explain(self) -> str:
        return " · ".join(self.reasons)


@dataclass(frozen=True, slots=True)
class Facts:
    """What scoring knows about request × mentor pairs, as arrays of shape (requests, mentors)."""

    relation: NDArray[np.int8]  # 0 none (or filtered out), 1 related, 2 declared, 3 verified
    overlap: NDArray[np.float64]  # shared working hours; NaN when either time zone is unknown
    language: NDArray[np.bool_]  # a language in common (the requested one, when there is one)


@dataclass(frozen=True, slots=True)
class Shortlist:
    """Each request's best eligible mentors, best first, as arrays of shape (requests, limit).

    Rows with fewer eligible mentors than ``limit`` are padded with score ``-inf``.
    """

    columns: NDArray[np.intp]  # indices into ``MentorPool.mentors``
    scores: NDArray[np.float64]
    facts: Facts


def _key(skill: str) -> str:
    return skill.casefold()


def _display_language(language: str) -> str:
    return language[:1].upper() + language[1:]


def _format_hours(hours: float) -> str:
    return f"{hours:.1f}".removesuffix(".0")


class MentorPool:
    """Indexes mentors by skill and category so ranking one request touches only related mentors.

    Paused and full mentors are left out when the pool is built: they can never be suggested.
    """

    def __init__(
        self, mentors: Iterable[MentorCandidate], *, category_of: Callable[[str], str | None]
    ) -> None:
        self.mentors = tuple(
            sorted(
                (m for m in mentors if not m.paused and m.active_mentees < m.capacity),
                key=lambda m: m.user_id,
            )
        )
        self._category_of = category_of
        self._column_of = {m.user_id: column for column, m in enumerate(self.mentors)}
        self.free_slots = np.array([m.capacity - m.active_mentees for m in self.mentors], dtype=np.int64)
        self._spare = self.free_slots / np.array([m.capacity for m in self.mentors], dtype=np.float64)
        self._last_active = np.array(
            [m.last_active.timestamp() if m.last_active else -np.inf for m in self.mentors], dtype=np.float64
        )
        offered: dict[str, set[int]] = {}
        verified: dict[str, set[int]] = {}
        in_category: dict[str, set[int]] = {}
        spoken: dict[str, set[int]] = {}
        profiles: dict[WorkingHours, int] = {}
        for column, mentor in enumerate(self.mentors):
            for skill in mentor.skills | mentor.verified_skills:
                offered.setdefault(_key(skill), set()).add(column)
                category = category_of(skill)
                if category is not None:
                    in_category.setdefault(category, set()).add(column)
            for skill in mentor.verified_skills:
                verified.setdefault(_key(skill), set()).add(column)
            for language in mentor.languages:
                spoken.setdefault(language, set()).add(column)
            profiles.setdefault(mentor.hours, len(profiles))
        self._offered = {key: _indices(columns) for key, columns in offered.items()}
        self._verified = {key: _indices(columns) for key, columns in verified.items()}
        self._in_category = {key: _indices(columns) for key, columns in in_category.items()}
        self._spoken = {key: _indices(columns) for key, columns in spoken.items()}
        # Mentors share a handful of (zone, hours) profiles, so overlaps are computed per profile.
        self._profiles = tuple(profiles)
        self._profile_of = np.array([profiles[m.hours] for m in self.mentors], dtype=np.intp)

    def rank(
        self, request: MenteeRequest, *, weights: MatchWeights, now: datetime, limit: int = 5
    ) -> list[RankedMentor]:
        """The best ``limit`` eligible mentors for ``request``, best first."""
        shortlist = self._shortlist([request], self._related_columns(request), weights, now, limit)
        return [
            self.explain(request, shortlist, 0, rank, now)
            for rank in range(shortlist.columns.shape[1])
            if np.isfinite(shortlist.scores[0, rank])
        ]

    def candidates(
        self, request: MenteeRequest, *, weights: MatchWeights, now: datetime
    ) -> list[RankedMentor]:
        """Every eligible mentor for ``request``, best first."""
        return self.rank(request, weights=weights, now=now, limit=len(self.mentors))

    def shortlist(
        self, requests: Sequence[MenteeRequest], *, weights: MatchWeights, now: datetime, limit: int
    ) -> Shortlist:
        """The best ``limit`` eligible mentors of every request, scored together."""
        return self._shortlist(requests, np.arange(len(self.mentors), dtype=np.intp), weights, now, limit)

    def explain(
        self, request: MenteeRequest, shortlist: Shortlist, row: int, rank: int, now: datetime
    ) -> RankedMentor:
        """The ``rank``-th mentor of ``request``'s shortlist row, with the reasons for its score."""
        mentor = self.mentors[int(shortlist.columns[row, rank])]
        facts = shortlist.facts
        reasons = [self._skill_reason(request, mentor, int(facts.relation[row, rank]))]
        hours = float(facts.overlap[row, rank])
        # Without a zone of their own the member would read the same "no overlap" on every mentor.
        if has_zone(request.hours):
            if np.isnan(hours):
                reasons.append("timezone not set")
            else:
                reasons.append(f"{_format_hours(hours)} h overlap" if hours > 0 else "no overlap")
        if facts.language[row, rank]:
            shared = request.language or min(request.languages & mentor.languages)
            reasons.append(f"speaks {_display_language(shared)}")
        reasons.append(f"{mentor.active_mentees}/{mentor.capacity} mentees")
        if mentor.last_active is not None:
            days = (now - mentor.last_active).total_seconds() / _SECONDS_PER_DAY
            if days <= _FULLY_ACTIVE_DAYS:
                reasons.append("active today")
            elif days < _INACTIVE_DAYS:
                whole = int(days)
                reasons.append(f"active {whole} day{'' if whole == 1 else 's'} ago")
        return RankedMentor(mentor.user_id, float(shortlist.scores[row, rank]), tuple(reasons))

    def _skill_reason(self, request: MenteeRequest, mentor: MentorCandidate, relation: int) -> str:
        if relation == _VERIFIED:
            return f"verified {request.skill}"
        if relation == _DECLARED:
            return f"offers {request.skill}"
        category = self._category_of(request.skill)
        related = sorted(
            (s for s in mentor.skills | mentor.verified_skills if self._category_of(s) == category), key=_key
        )
        return f"related: {related[0]}"

    def _related_columns(self, request: MenteeRequest) -> NDArray[np.intp]:
        parts = [self._offered.get(_key(request.skill), _NONE)]
        category = self._category_of(request.skill)
        if category is not None:
            parts.append(self._in_category.get(category, _NONE))
        return np.union1d(*parts) if len(parts) > 1 else parts[0]

    def _shortlist(
        self,
        requests: Sequence[MenteeRequest],
        columns: NDArray[np.intp],
        weights: MatchWeights,
        now: datetime,
        limit: int,
    ) -> Shortlist:
        facts = self._facts(requests, columns, now.date())
        scores = self._scores(facts, columns, weights, now)
        best = _best(scores, max(0, min(limit, len(columns))))
        return Shortlist(
            columns=columns[best],
            scores=np.take_along_axis(scores, best, axis=1),
            facts=Facts(
                relation=np.take_along_axis(facts.relation, best, axis=1),
                overlap=np.take_along_axis(facts.overlap, best, axis=1),
                language=np.take_along_axis(facts.language, best, axis=1),
            ),
        )

    def _facts(self, requests: Sequence[MenteeRequest], columns: NDArray[np.intp], on: date) -> Facts:
        # Requests repeat skills, hours and languages, so each distinct value is worked out once
        # and the per-request rows are gathered from those.
        skills: dict[str, int] = {}
        hours: dict[WorkingHours, int] = {}
        languages: dict[frozenset[str], int] = {}
        skill_of = np.empty(len(requests), dtype=np.intp)
        hours_of = np.empty(len(requests), dtype=np.intp)
        languages_of = np.empty(len(requests), dtype=np.intp)
        for row, request in enumerate(requests):
            skill_of[row] = skills.setdefault(request.skill, len(skills))
            hours_of[row] = hours.setdefault(request.hours, len(hours))
            wanted = frozenset((request.language,)) if request.language else request.languages
            languages_of[row] = languages.setdefault(wanted, len(languages))
        width = len(columns)
        relation_table = np.array([self._relation_row(skill)[columns] for skill in skills], dtype=np.int8)
        profiles = self._profile_of[columns]
        overlap_table = np.array([self._overlap_by_profile(h, on)[profiles] for h in hours], dtype=np.float64)
        language_table = np.array(
            [self._language_row(wanted)[columns] for wanted in languages], dtype=np.bool_
        )
        relation = relation_table.reshape(len(skills), width)[skill_of]
        for row, request in enumerate(requests):
            for user_id in request.excluded_mentors | {request.user_id}:
                column = self._column_of.get(user_id)
                # ``columns`` is sorted, so a binary search finds where an excluded mentor sits.
                index = int(np.searchsorted(columns, column)) if column is not None else width
                if index < width and columns[index] == column:
                    relation[row, index] = _NO_RELATION
        return Facts(
            relation,
            overlap_table.reshape(len(hours), width)[hours_of],
            language_table.reshape(len(languages), width)[languages_of],
        )

    def _relation_row(self, skill: str) -> NDArray[np.int8]:
        row = np.zeros(len(self.mentors), dtype=np.int8)
        category = self._category_of(skill)
        if category is not None:
            row[self._in_category.get(category, _NONE)] = _RELATED
        row[self._offered.get(_key(skill), _NONE)] = _DECLARED
        row[self._verified.get(_key(skill), _NONE)] = _VERIFIED
        return row

    def _overlap_by_profile(self, hours: WorkingHours, on: date) -> NDArray[np.float64]:
        if not has_zone(hours):
            return np.full(len(self._profiles), np.nan)
        return np.array(
            [overlap_hours(hours, other, on=on) if has_zone(other) else np.nan for other in self._profiles],
            dtype=np.float64,
        )

    def _language_row(self, wanted: frozenset[str]) -> NDArray[np.bool_]:
        row = np.zeros(len(self.mentors), dtype=np.bool_)
        for language in wanted:
            row[self._spoken.get(language, _NONE)] = True
        return row

    def _scores(
        self, facts: Facts, columns: NDArray[np.intp], weights: MatchWeights, now: datetime
    ) -> NDArray[np.float64]:
        by_relation = np.array(
            [0.0, weights.related_skill, weights.declared_skill, weights.verified_skill], dtype=np.float64
        )
        idle_days = (now.timestamp() - self._last_active[columns]) / _SECONDS_PER_DAY
        activity = np.clip(
            1.0 - (idle_days - _FULLY_ACTIVE_DAYS) / (_INACTIVE_DAYS - _FULLY_ACTIVE_DAYS), 0.0, 1.0
        )
        per_mentor = weights.spare_capacity * self._spare[columns] + weights.recent_activity * activity
        overlap = np.minimum(facts.overlap, MAX_OVERLAP_HOURS)
        overlap[np.isnan(overlap)] = 0.0
        scores = (
            by_relation[facts.relation]
            + weights.overlap_per_hour * overlap
            + weights.shared_language * facts.language
            + per_mentor
        )
        return np.where(facts.relation > _NO_RELATION, scores, -np.inf)


_NONE = np.zeros(0, dtype=np.intp)


def _best(scores: NDArray[np.float64], limit: int) -> NDArray[np.intp]:
    """Per row, the positions of the ``limit`` highest scores, best first.

    Equal scores keep position order, which is user id order because the pool is sorted by user id;
    that holds across the cut too, so a tie at the last place goes to the lower user id.
    """
    rows, width = scores.shape
    if limit == 0:
        return np.zeros((rows, 0), dtype=np.intp)
    if limit == width:
        best = np.broadcast_to(np.arange(width), (rows, width))
    else:
        cost = -scores
        cut = np.partition(cost, limit - 1, axis=1)[:, limit - 1 : limit]
        better = cost < cut
        tied = cost == cut
        room = limit - better.sum(axis=1)
        chosen = better | tied
        # Only rows with more ties at the cut than places left need the ties counted off in order.
        crowded = np.flatnonzero(tied.sum(axis=1) > room)
        chosen[crowded] = better[crowded] | (
            tied[crowded] & (np.cumsum(tied[crowded], axis=1, dtype=np.int32) <= room[crowded, None])
        )
        best = np.nonzero(chosen)[1].reshape(rows, limit)
    order = np.lexsort((best, -np.take_along_axis(scores, best, axis=1)), axis=1)
    return np.take_along_axis(best, order, axis=1)


def _indices(columns: set[int]) -> NDArray[np.intp]:
    return np.array(sorted(columns), dtype=np.intp)
