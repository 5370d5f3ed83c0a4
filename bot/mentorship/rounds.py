"""Cohort rounds: pair many open requests with mentor capacity at once, maximising the total score.

The round is an assignment problem. Every mentor contributes one column per free slot, every request
one row, and every request also gets a private "stay unmatched" column worth nothing, so leaving
someone unmatched is always possible and always beats a pair below ``min_round_score``. SciPy's sparse
Jonker–Volgenant solver (the sparse form of ``linear_sum_assignment``) then finds the exact optimum
over the candidate pairs. The candidates are each request's best ``SHORTLIST`` eligible mentors, so
every eligible mentor in small pools; cutting the long tail in large pools keeps a 5,000 × 1,000 round
under a second, and on the benchmark's data (bench/matching.py) it does not lower the total score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_array  # type: ignore[import-untyped]
from scipy.sparse.csgraph import min_weight_full_bipartite_matching  # type: ignore[import-untyped]

from bot.mentorship.ranking import MatchWeights, MenteeRequest, MentorPool

SHORTLIST = 40


@dataclass(frozen=True, slots=True)
class RoundPair:
    request_id: int
    mentee_id: int
    mentor_id: int
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RoundPlan:
    pairs: tuple[RoundPair, ...]
    unmatched: tuple[int, ...]  # request_ids left without a mentor
    total_score: float
    average_score: float | None
    worst_score: float | None


def plan_round(
    requests: Sequence[MenteeRequest], pool: MentorPool, *, weights: MatchWeights, now: datetime
) -> RoundPlan:
    """The pairing of ``requests`` with the pool's free capacity that has the highest total score.

    Pairs scoring below ``weights.min_round_score`` are never made. A member with several open
    requests is paired once per pass, and never twice with the same mentor.
    """
    free_slots = pool.free_slots.copy()
    paired_with: dict[int, frozenset[int]] = {}
    pairs: list[RoundPair] = []
    for batch in _one_request_per_member(requests):
        batch = [
            replace(r, excluded_mentors=r.excluded_mentors | paired_with[r.user_id])
            if r.user_id in paired_with
            else r
            for r in batch
        ]
        for pair, column in _assign(batch, pool, free_slots, weights, now):
            free_slots[column] -= 1
            paired_with[pair.mentee_id] = paired_with.get(pair.mentee_id, frozenset()) | {pair.mentor_id}
            pairs.append(pair)
    paired_requests = {pair.request_id for pair in pairs}
    scores = [pair.score for pair in pairs]
    return RoundPlan(
        pairs=tuple(pairs),
        unmatched=tuple(r.request_id for r in requests if r.request_id not in paired_requests),
        total_score=sum(scores),
        average_score=sum(scores) / len(scores) if scores else None,
        worst_score=min(scores) if scores else None,
    )


def _one_request_per_member(requests: Sequence[MenteeRequest]) -> list[list[MenteeRequest]]:
    # One assignment cannot forbid a mentor taking two requests of the same member, so a member's
    # further requests wait for a later pass that excludes the mentors already given to them.
    batches: list[list[MenteeRequest]] = []
    seen: dict[int, int] = {}
    for request in requests:
        depth = seen.get(request.user_id, 0)
        seen[request.user_id] = depth + 1
        if depth == len(batches):
            batches.append([])
        batches[depth].append(request)
    return batches


def _assign(
    requests: Sequence[MenteeRequest],
    pool: MentorPool,
    free_slots: NDArray[np.int64],
    weights: MatchWeights,
    now: datetime,
) -> list[tuple[RoundPair, int]]:
    shortlist = pool.shortlist(requests, weights=weights, now=now, limit=SHORTLIST)
    if shortlist.columns.shape[1] == 0:
        return []  # the pool has nobody with capacity
    usable = (shortlist.scores >= weights.min_round_score) & (free_slots[shortlist.columns] > 0)
    rows, ranks = np.nonzero(usable)
    mentors = shortlist.columns[rows, ranks]
    scores = shortlist.scores[rows, ranks]
    # A mentor never needs more slot columns than the requests that could use them.
    slots = np.minimum(free_slots, np.bincount(mentors, minlength=len(free_slots)))
    first_slot = np.cumsum(slots) - slots
    copies = slots[mentors]
    edge_of_copy = np.repeat(np.arange(len(mentors)), copies)
    copy_index = np.arange(len(edge_of_copy)) - np.repeat(np.cumsum(copies) - copies, copies)
    slot_columns = first_slot[mentors][edge_of_copy] + copy_index
    total_slots = int(slots.sum())
    # The solver minimises positive costs: a pair costs ``ceiling - score``, staying unmatched ``ceiling``.
    ceiling = float(scores.max(initial=0.0)) + 1.0
    count = len(requests)
    graph = csr_array(
        (
            np.concatenate([ceiling - scores[edge_of_copy], np.full(count, ceiling)]),
            (
                np.concatenate([rows[edge_of_copy], np.arange(count)]),
                np.concatenate([slot_columns, total_slots + np.arange(count)]),
            ),
        ),
        shape=(count, total_slots + count),
    )
    matched_rows, matched_columns = min_weight_full_bipartite_matching(graph)
    paired = matched_columns < total_slots
    matched_rows = matched_rows[paired]
    matched_mentors = np.repeat(np.arange(len(slots)), slots)[matched_columns[paired]]
    # Each mentor appears once in a shortlist row, so its position there is where the row equals it.
    matched_ranks = np.argmax(shortlist.columns[matched_rows] == matched_mentors[:, None], axis=1)
    assigned: list[tuple[RoundPair, int]] = []
    for row, rank, mentor in zip(matched_rows, matched_ranks, matched_mentors, strict=True):
        request = requests[int(row)]
        ranked = pool.explain(request, shortlist, int(row), int(rank), now)
        pair = RoundPair(request.request_id, request.user_id, ranked.user_id, ranked.score, ranked.reasons)
        assigned.append((pair, int(mentor)))
    return assigned
