"""Cohort rounds: the exact optimum under capacity, the score floor, and what greedy pairing misses."""

from __future__ import annotations

import functools
import itertools
import random
from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment  # type: ignore[import-untyped]

from bot.mentorship import rounds
from bot.mentorship.hours import WorkingHours
from bot.mentorship.ranking import MatchWeights, MenteeRequest, MentorCandidate, MentorPool
from bot.mentorship.rounds import RoundPlan, plan_round
from tests.support import mentorship
from tests.support.mentorship import CATALOG, NOW, WEIGHTS, request

SKILLS = ("Python", "Rust", "Go", "Figma", "Sketch", "SQL")
ZONES = (None, "UTC", "Asia/Tokyo", "America/Chicago")
# Rounds are mostly about capacity, so a mentor here takes one mentee unless a test says otherwise.
mentor = functools.partial(mentorship.mentor, capacity=1)


def plan(
    requests: list[MenteeRequest], mentors: list[MentorCandidate], weights: MatchWeights = WEIGHTS
) -> RoundPlan:
    return plan_round(requests, MentorPool(mentors, category_of=CATALOG.category), weights=weights, now=NOW)


def pair_scores(
    requests: list[MenteeRequest], mentors: list[MentorCandidate], weights: MatchWeights = WEIGHTS
) -> dict[tuple[int, int], float]:
    """Every pair a round may make, scored by the on-demand ranking."""
    pool = MentorPool(mentors, category_of=CATALOG.category)
    return {
        (r.request_id, ranked.user_id): ranked.score
        for r in requests
        for ranked in pool.candidates(r, weights=weights, now=NOW)
        if ranked.score >= weights.min_round_score
    }


def assert_valid(result: RoundPlan, requests: list[MenteeRequest], mentors: list[MentorCandidate]) -> None:
    scores = pair_scores(requests, mentors)
    slots = {m.user_id: m.capacity - m.active_mentees for m in mentors}
    for pair in result.pairs:
        assert pair.score == pytest.approx(scores[pair.request_id, pair.mentor_id])
        slots[pair.mentor_id] -= 1
    assert min(slots.values(), default=0) >= 0
    mentee_mentor = [(p.mentee_id, p.mentor_id) for p in result.pairs]
    assert len(set(mentee_mentor)) == len(mentee_mentor)
    paired = [p.request_id for p in result.pairs]
    assert len(set(paired)) == len(paired)
    assert sorted(paired + list(result.unmatched)) == sorted(r.request_id for r in requests)
    assert result.total_score == pytest.approx(sum(p.score for p in result.pairs))


def brute_force_best(requests: list[MenteeRequest], mentors: list[MentorCandidate]) -> float:
    scores = pair_scores(requests, mentors)
    slots = {m.user_id: m.capacity - m.active_mentees for m in mentors}
    options = [[None, *(m.user_id for m in mentors if (r.request_id, m.user_id) in scores)] for r in requests]
    best = 0.0
    for choice in itertools.product(*options):
        used = [m for m in choice if m is not None]
        mentee_mentor = [(r.user_id, m) for r, m in zip(requests, choice, strict=True) if m is not None]
        if any(used.count(m) > slots[m] for m in used) or len(set(mentee_mentor)) < len(mentee_mentor):
            continue
        best = max(
            best, sum(scores[r.request_id, m] for r, m in zip(requests, choice, strict=True) if m is not None)
        )
    return best


def random_world(seed: int, requests: int, mentors: int) -> tuple[list[MenteeRequest], list[MentorCandidate]]:
    rng = random.Random(seed)

    def hours() -> WorkingHours:
        return WorkingHours(rng.choice(ZONES), rng.randint(0, 23), rng.randint(1, 24))

    mentor_list = []
    for user_id in range(1, mentors + 1):
        skills = frozenset(rng.sample(SKILLS, rng.randint(1, 3)))
        capacity = rng.randint(1, 3)
        mentor_list.append(
            mentor(
                user_id,
                *skills,
                capacity=capacity,
                active_mentees=rng.randint(0, capacity - 1),
                verified_skills=frozenset(s for s in skills if rng.random() < 0.4),
                hours=hours(),
                languages=frozenset(rng.sample(("english", "spanish"), rng.randint(0, 2))),
                last_active=NOW - timedelta(days=rng.random() * 35),
            )
        )
    request_list = [
        request(
            request_id,
            rng.choice(SKILLS),
            # One request per member; some members are mentors themselves, asking for help elsewhere.
            user_id=rng.choice((request_id, request_id + 100)),
            hours=hours(),
            languages=frozenset(rng.sample(("english", "spanish"), rng.randint(0, 2))),
            excluded_mentors=frozenset({rng.randint(1, mentors)}) if rng.random() < 0.3 else frozenset(),
        )
        for request_id in range(1, requests + 1)
    ]
    return request_list, mentor_list


@pytest.mark.parametrize("seed", range(40))
def test_small_rounds_reach_the_brute_force_optimum(seed: int) -> None:
    requests, mentors = random_world(seed, requests=random.Random(seed).randint(1, 6), mentors=3)
    result = plan(requests, mentors)
    assert_valid(result, requests, mentors)
    assert result.total_score == pytest.approx(brute_force_best(requests, mentors))


def test_the_optimum_differs_from_pairing_the_best_match_first() -> None:
    mentors = [
        mentor(1, "Python", "Rust", verified_skills=frozenset({"Python"})),
        mentor(2, "Python", "Figma"),
    ]
    requests = [request(1, "Python"), request(2, "Rust")]
    scores = pair_scores(requests, mentors)
    # Greedy takes the best pair first (request 1 with the verified mentor, 12) and request 2 then has
    # nobody: Figma is not related to Rust. The optimum gives up two points to pair both.
    assert scores == pytest.approx({(1, 1): 12.0, (1, 2): 8.0, (2, 1): 8.0})
    result = plan(requests, mentors)
    assert {(p.request_id, p.mentor_id) for p in result.pairs} == {(1, 2), (2, 1)}
    assert result.total_score == pytest.approx(16.0) and result.unmatched == ()
    assert result.average_score == pytest.approx(8.0) and result.worst_score == pytest.approx(8.0)


def test_pairs_below_the_floor_stay_unmatched() -> None:
    mentors = [mentor(1, "Rust")]  # related only: 2.5 + 2 spare = 4.5
    requests = [request(1, "Python")]
    assert plan(requests, mentors).unmatched == (1,)
    lenient = plan(requests, mentors, replace(WEIGHTS, min_round_score=4.5))
    assert [(p.request_id, p.mentor_id) for p in lenient.pairs] == [(1, 1)]
    assert lenient.pairs[0].reasons == ("related: Rust", "0/1 mentees")


def test_remaining_capacity_limits_a_mentor_and_paused_mentors_take_nobody() -> None:
    mentors = [
        mentor(1, "Python", capacity=3, active_mentees=1),
        mentor(2, "Python", capacity=5, paused=True),
    ]
    requests = [request(i, "Python") for i in range(1, 5)]
    result = plan(requests, mentors)
    assert [p.mentor_id for p in result.pairs] == [1, 1]
    assert len(result.unmatched) == 2


def test_a_member_with_two_requests_never_gets_the_same_mentor_twice() -> None:
    mentors = [
        mentor(1, "Python", "SQL", capacity=3, verified_skills=frozenset({"Python", "SQL"})),
        mentor(2, "SQL"),
    ]
    requests = [request(1, "Python", user_id=50), request(2, "SQL", user_id=50)]
    result = plan(requests, mentors)
    assert sorted((p.request_id, p.mentor_id) for p in result.pairs) == [(1, 1), (2, 2)]
    alone = plan(requests, mentors[:1])
    assert [(p.request_id, p.mentor_id) for p in alone.pairs] == [(1, 1)] and alone.unmatched == (2,)


def test_nobody_is_paired_with_themselves_or_an_excluded_mentor() -> None:
    mentors = [mentor(1, "Python"), mentor(2, "Python")]
    requests = [request(1, "Python", user_id=1), request(2, "Python", excluded_mentors=frozenset({2}))]
    result = plan(requests, mentors)
    assert {(p.request_id, p.mentor_id) for p in result.pairs} == {(1, 2), (2, 1)}


def test_an_empty_round_has_no_averages() -> None:
    result = plan([], [mentor(1, "Python")])
    assert result == RoundPlan((), (), 0.0, None, None)
    assert plan([request(1, "Python")], []).unmatched == (1,)


def dense_optimum(requests: list[MenteeRequest], mentors: list[MentorCandidate]) -> float:
    """The textbook formulation: a dense cost matrix over capacity slots plus an unmatched column each."""
    scores = pair_scores(requests, mentors)
    slots = [m.user_id for m in mentors for _ in range(m.capacity - m.active_mentees)]
    cost = np.full((len(requests), len(slots) + len(requests)), 1e9)
    for row, r in enumerate(requests):
        cost[row, len(slots) + row] = 0.0
        for column, mentor_id in enumerate(slots):
            if (r.request_id, mentor_id) in scores:
                cost[row, column] = -scores[r.request_id, mentor_id]
    rows, columns = linear_sum_assignment(cost)
    return float(-cost[rows, columns][columns < len(slots)].sum())


@pytest.mark.parametrize("seed", range(5))
def test_larger_rounds_match_the_dense_assignment(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    requests, mentors = random_world(seed, requests=60, mentors=25)
    monkeypatch.setattr(rounds, "SHORTLIST", len(mentors))
    result = plan(requests, mentors)
    assert_valid(result, requests, mentors)
    assert result.total_score == pytest.approx(dense_optimum(requests, mentors))


def test_shortlists_shorter_than_the_pool_still_give_a_valid_round(monkeypatch: pytest.MonkeyPatch) -> None:
    requests, mentors = random_world(11, requests=60, mentors=25)
    monkeypatch.setattr(rounds, "SHORTLIST", 3)
    result = plan(requests, mentors)
    assert_valid(result, requests, mentors)
    assert result.pairs and result.total_score <= dense_optimum(requests, mentors) + 1e-9
