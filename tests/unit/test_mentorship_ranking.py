"""Mentor ranking: hard filters, the weighted score, tie-breaking and the reasons members see."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.mentorship.hours import WorkingHours, overlap_hours
from bot.mentorship.ranking import MatchWeights, MenteeRequest, MentorCandidate, MentorPool, RankedMentor
from tests.support.mentorship import CATALOG, NOW, WEIGHTS, mentor, request

UTC_DAY = WorkingHours("UTC", 9, 17)
category_of = CATALOG.category


def ranked(mentors: list[MentorCandidate], wanted: MenteeRequest, limit: int = 5) -> list[RankedMentor]:
    return MentorPool(mentors, category_of=category_of).rank(wanted, weights=WEIGHTS, now=NOW, limit=limit)


def ids(results: list[RankedMentor]) -> list[int]:
    return [r.user_id for r in results]


def test_the_test_skills_share_a_category_and_figma_is_elsewhere() -> None:
    assert category_of("Python") == category_of("Rust") != category_of("Figma")


def test_hard_filters_leave_out_requester_paused_full_excluded_and_unrelated_mentors() -> None:
    mentors = [
        mentor(1, "Python"),
        mentor(101, "Python"),  # the requester
        mentor(2, "Python", paused=True),
        mentor(3, "Python", capacity=2, active_mentees=2),
        mentor(4, "Python"),  # excluded: blocked, declined recently or paired before
        mentor(5, "Figma"),  # nothing to do with Python
        mentor(6, "Rust"),  # same category: related
    ]
    assert ids(ranked(mentors, request(excluded_mentors=frozenset({4})), limit=10)) == [1, 6]


def test_verified_beats_declared_beats_related_and_scores_are_the_weights() -> None:
    mentors = [
        mentor(1, "Rust"),
        mentor(2, "Python"),
        mentor(3, "Python", verified_skills=frozenset({"Python"})),
    ]
    results = ranked(mentors, request())
    assert ids(results) == [3, 2, 1]
    spare = WEIGHTS.spare_capacity  # every mentor has all of their capacity free
    assert [r.score for r in results] == pytest.approx([10.0 + spare, 6.0 + spare, 2.5 + spare])
    assert [r.reasons[0] for r in results] == ["verified Python", "offers Python", "related: Rust"]


def test_skills_match_whatever_their_case_and_verified_counts_even_if_not_listed_as_offered() -> None:
    results = ranked([mentor(1, "python"), mentor(2, verified_skills=frozenset({"PYTHON"}))], request())
    assert ids(results) == [2, 1]
    assert results[0].reasons[0] == "verified Python"


def test_a_skill_outside_the_catalog_matches_only_mentors_who_offer_it() -> None:
    mentors = [mentor(1, "Underwater Basket Weaving"), mentor(2, "Python")]
    assert ids(ranked(mentors, request(skill="underwater basket weaving"))) == [1]


def test_overlap_counts_per_hour_up_to_eight_hours() -> None:
    mentors = [
        mentor(1, "Python", hours=WorkingHours("UTC", 13, 17)),
        mentor(2, "Python", hours=WorkingHours("UTC", 0, 24)),
        mentor(3, "Python", hours=WorkingHours("UTC", 8, 18)),
    ]
    results = ranked(mentors, request(hours=WorkingHours("UTC", 0, 24)))
    base = WEIGHTS.declared_skill + WEIGHTS.spare_capacity
    assert ids(results) == [2, 3, 1]
    assert [r.score for r in results] == pytest.approx([base + 8 * 0.5, base + 8 * 0.5, base + 4 * 0.5])
    assert [r.reasons[1] for r in results] == ["24 h overlap", "10 h overlap", "4 h overlap"]


def test_overlap_is_uncredited_and_explained_when_a_timezone_is_not_set() -> None:
    mentors = [
        mentor(1, "Python", hours=WorkingHours(None)),
        mentor(2, "Python", hours=UTC_DAY),
        mentor(3, "Python", hours=WorkingHours("UTC", 18, 22)),
    ]
    results = ranked(mentors, request(hours=UTC_DAY))
    assert ids(results) == [2, 1, 3]
    assert results[1].reasons == ("offers Python", "timezone not set", "0/2 mentees")
    assert results[2].reasons == ("offers Python", "no overlap", "0/2 mentees")
    # The member without a zone sees no overlap reason at all: it would be the same for everyone.
    assert ranked(mentors, request())[0].reasons == ("offers Python", "0/2 mentees")


def test_a_shared_language_counts_once_and_a_requested_language_alone_counts() -> None:
    mentors = [
        mentor(1, "Python", languages=frozenset({"english", "spanish"})),
        mentor(2, "Python", languages=frozenset({"german"})),
        mentor(3, "Python"),
    ]
    plain = ranked(mentors, request(languages=frozenset({"spanish", "english", "german"})))
    assert [r.score for r in plain] == pytest.approx([9.5, 9.5, 8.0])
    assert plain[0].reasons[1] == "speaks English"
    asked = ranked(mentors, request(language="german", languages=frozenset({"english"})))
    assert ids(asked) == [2, 1, 3]
    assert asked[0].reasons[1] == "speaks German" and asked[1].score == pytest.approx(8.0)


def test_spare_capacity_prefers_mentors_with_room() -> None:
    mentors = [
        mentor(1, "Python", capacity=3, active_mentees=2),
        mentor(2, "Python", capacity=3, active_mentees=1),
        mentor(3, "Python", capacity=1),
    ]
    results = ranked(mentors, request())
    assert ids(results) == [3, 2, 1]
    assert [r.score for r in results] == pytest.approx([8.0, 6 + 2 * 2 / 3, 6 + 2 / 3])
    assert [r.reasons[-1] for r in results] == ["0/1 mentees", "1/3 mentees", "2/3 mentees"]


@pytest.mark.parametrize(
    ("idle", "credit", "reason"),
    [
        (timedelta(hours=3), 1.0, "active today"),
        (timedelta(days=1), 1.0, "active today"),
        (timedelta(days=1.5), 1 - 0.5 / 29, "active 1 day ago"),
        (timedelta(days=15.5), 0.5, "active 15 days ago"),
        (timedelta(days=30), 0.0, None),
        (timedelta(days=400), 0.0, None),
        (None, 0.0, None),
    ],
)
def test_recent_activity_fades_from_a_day_to_thirty_days(
    idle: timedelta | None, credit: float, reason: str | None
) -> None:
    last_active = NOW - idle if idle is not None else None
    (result,) = ranked([mentor(1, "Python", last_active=last_active)], request())
    assert result.score == pytest.approx(8.0 + credit)
    assert (result.reasons[-1] == reason) if reason else result.reasons[-1] == "0/2 mentees"


def test_equal_scores_go_to_the_lower_user_id_and_limit_cuts_the_list() -> None:
    mentors = [mentor(user_id, "Python") for user_id in (50, 7, 31, 12, 9, 40, 8)]
    assert ids(ranked(mentors, request())) == [7, 8, 9, 12, 31]
    assert ids(ranked(list(reversed(mentors)), request(), limit=2)) == [7, 8]
    assert ranked(mentors, request(), limit=0) == []


def test_candidates_lists_every_eligible_mentor_best_first() -> None:
    mentors = [mentor(user_id, "Python" if user_id % 2 else "Rust") for user_id in range(1, 12)]
    pool = MentorPool(mentors, category_of=category_of)
    everyone = pool.candidates(request(), weights=WEIGHTS, now=NOW)
    assert ids(everyone) == [1, 3, 5, 7, 9, 11, 2, 4, 6, 8, 10]


def test_an_empty_pool_ranks_nobody() -> None:
    assert ranked([], request()) == []


def test_explain_joins_the_reasons() -> None:
    mentors = [
        mentor(
            1,
            "Python",
            verified_skills=frozenset({"Python"}),
            capacity=3,
            active_mentees=1,
            hours=WorkingHours("Europe/Madrid", 10, 15),
            languages=frozenset({"spanish"}),
        )
    ]
    (result,) = ranked(mentors, request(hours=WorkingHours("Europe/Berlin"), language="spanish"))
    assert result.explain() == "verified Python · 5 h overlap · speaks Spanish · 1/3 mentees"


def test_weights_from_config_change_the_order() -> None:
    mentors = [mentor(1, "Python"), mentor(2, "Rust", hours=WorkingHours("UTC", 13, 17))]
    wanted = request(hours=UTC_DAY)
    pool = MentorPool(mentors, category_of=category_of)
    assert ids(pool.rank(wanted, weights=WEIGHTS, now=NOW)) == [1, 2]
    hour_heavy = replace(WEIGHTS, overlap_per_hour=2.0)
    assert ids(pool.rank(wanted, weights=hour_heavy, now=NOW)) == [2, 1]


# A plain restatement of the documented score, to check the vectorised one against.
def reference_score(m: MentorCandidate, r: MenteeRequest, w: MatchWeights) -> float | None:
    if (
        m.user_id == r.user_id
        or m.paused
        or m.active_mentees >= m.capacity
        or m.user_id in r.excluded_mentors
    ):
        return None
    skill = r.skill.casefold()
    offered = {s.casefold() for s in m.skills | m.verified_skills}
    if skill in {s.casefold() for s in m.verified_skills}:
        score = w.verified_skill
    elif skill in offered:
        score = w.declared_skill
    elif category_of(r.skill) is not None and any(
        category_of(s) == category_of(r.skill) for s in m.skills | m.verified_skills
    ):
        score = w.related_skill
    else:
        return None
    score += w.overlap_per_hour * min(8.0, overlap_hours(r.hours, m.hours, on=NOW.date()))
    wanted = {r.language} if r.language else r.languages
    score += w.shared_language if wanted & m.languages else 0.0
    score += w.spare_capacity * (m.capacity - m.active_mentees) / m.capacity
    if m.last_active is not None:
        days = (NOW - m.last_active).total_seconds() / 86_400
        score += w.recent_activity * min(1.0, max(0.0, 1 - (days - 1) / 29))
    return score


SKILL_CHOICES = ("Python", "Rust", "Go", "Figma", "Sketch", "SQL", "Unlisted Craft")
hours_values = st.builds(
    WorkingHours,
    st.sampled_from((None, "UTC", "Asia/Tokyo", "America/Chicago", "Asia/Kolkata")),
    st.integers(0, 23),
    st.integers(1, 24),
)
languages = st.frozensets(st.sampled_from(("english", "spanish", "hindi")), max_size=2)
mentors_strategy = st.lists(
    st.builds(
        MentorCandidate,
        user_id=st.integers(1, 30),
        skills=st.frozensets(st.sampled_from(SKILL_CHOICES), max_size=3),
        verified_skills=st.frozensets(st.sampled_from(SKILL_CHOICES), max_size=2),
        capacity=st.integers(1, 5),
        active_mentees=st.integers(0, 5),
        hours=hours_values,
        languages=languages,
        last_active=st.one_of(
            st.none(), st.timedeltas(timedelta(0), timedelta(days=40)).map(lambda d: NOW - d)
        ),
        paused=st.booleans(),
    ),
    max_size=12,
    unique_by=lambda m: m.user_id,
)
requests_strategy = st.builds(
    MenteeRequest,
    request_id=st.just(1),
    user_id=st.integers(1, 30),
    skill=st.sampled_from(SKILL_CHOICES),
    language=st.one_of(st.none(), st.sampled_from(("english", "spanish", "hindi"))),
    hours=hours_values,
    languages=languages,
    excluded_mentors=st.frozensets(st.integers(1, 30), max_size=4),
)


@settings(max_examples=150, deadline=None)
@given(mentors_strategy, requests_strategy)
def test_ranking_agrees_with_the_documented_score(
    mentors: list[MentorCandidate], wanted: MenteeRequest
) -> None:
    expected = {m.user_id: s for m in mentors if (s := reference_score(m, wanted, WEIGHTS)) is not None}
    results = MentorPool(mentors, category_of=category_of).candidates(wanted, weights=WEIGHTS, now=NOW)
    assert {r.user_id: r.score for r in results} == pytest.approx(expected)
    assert [(-r.score, r.user_id) for r in results] == sorted((-r.score, r.user_id) for r in results)
    assert all(r.reasons for r in results)
