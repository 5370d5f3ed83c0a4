"""Ranking directory members for /find, the reasons shown, and the time zones a searcher may write."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.discovery.search import DirectoryMember, FindQuery, format_offset, parse_timezone, rank_members
from bot.errors import InvalidInput

WINTER = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
SUMMER = datetime(2026, 7, 15, 12, 0, tzinfo=UTC)


def member(
    user_id: int,
    verified: Mapping[str, str] | None = None,
    declared: tuple[str, ...] = (),
    hours: int | None = None,
    zone: str | None = None,
    open_to_work: bool = False,
) -> DirectoryMember:
    return DirectoryMember(user_id, verified or {}, frozenset(declared), hours, zone, open_to_work)


def ranked(query: FindQuery, *members: DirectoryMember, now: datetime = WINTER) -> list[int]:
    return [result.user_id for result in rank_members(query, members, now=now)]


def test_verified_coverage_ranks_before_declared_and_non_matches_are_left_out() -> None:
    people = [
        member(1, declared=("Python", "SQL")),
        member(2, verified={"Python": "AWS"}),
        member(3, verified={"Python": "AWS", "SQL": "Data"}),
        member(4, verified={"Python": "AWS"}, declared=("SQL",)),
        member(5, declared=("Figma",)),
        member(6, declared=("SQL",)),
    ]
    assert ranked(FindQuery(("Python", "SQL")), *people) == [3, 4, 2, 1, 6]


def test_verified_only_drops_members_who_only_declare_the_skill() -> None:
    people = [member(1, declared=("Python",)), member(2, verified={"Python": "AWS"}, declared=("SQL",))]
    results = rank_members(FindQuery(("Python", "SQL"), verified_only=True), people, now=WINTER)
    assert [r.user_id for r in results] == [2]
    assert "declares" not in results[0].reasons


def test_with_equal_skills_the_closer_time_zone_then_more_hours_then_lower_id_wins() -> None:
    people = [
        member(10, declared=("Python",), hours=40, zone="America/New_York"),  # UTC-5 in January
        member(11, declared=("Python",), hours=5, zone="Europe/Berlin"),  # UTC+1
        member(12, declared=("Python",), hours=20, zone="Europe/London"),  # UTC+0
        member(13, declared=("Python",), hours=20, zone="Europe/Lisbon"),  # UTC+0, same as 12
        member(14, declared=("Python",), hours=40),  # no zone: ranks after every known one
    ]
    assert ranked(FindQuery(("Python",), timezone="UTC+1"), *people) == [11, 12, 13, 10, 14]
    # Without a wished zone, hours decide.
    assert ranked(FindQuery(("Python",)), *people) == [10, 14, 12, 13, 11]


def test_time_zone_distance_wraps_around_the_date_line_and_follows_daylight_saving() -> None:
    people = [
        member(1, declared=("Go",), zone="Pacific/Auckland"),  # UTC+13 in January, +12 in July
        member(2, declared=("Go",), zone="Asia/Dubai"),  # UTC+4 all year
    ]
    # From UTC-10, Auckland is 1 hour away across the date line in January, 2 in July; Dubai is 10 away.
    assert ranked(FindQuery(("Go",), timezone="Pacific/Honolulu"), *people) == [1, 2]
    assert ranked(FindQuery(("Go",), timezone="Europe/Berlin"), *people, now=SUMMER) == [2, 1]


def test_filters_on_hours_and_open_to_work() -> None:
    people = [
        member(1, declared=("SQL",), hours=10, open_to_work=True),
        member(2, declared=("SQL",), hours=30),
        member(3, declared=("SQL",), open_to_work=True),
    ]
    assert ranked(FindQuery(("SQL",), min_hours=10), *people) == [2, 1]
    assert ranked(FindQuery(("SQL",), open_to_work=True), *people) == [1, 3]
    assert ranked(FindQuery(("SQL",), open_to_work=False), *people) == [2]


def test_skills_are_compared_by_their_canonical_names() -> None:
    assert ranked(FindQuery(("Python",)), member(1, verified={"Python": "b"})) == [1]
    assert ranked(FindQuery(("python",)), member(1, verified={"Python": "b"})) == []


def test_each_result_says_why() -> None:
    people = [
        member(
            7, verified={"Python": "AWS"}, declared=("SQL",), hours=12, zone="Europe/Paris", open_to_work=True
        ),
        member(8, declared=("SQL",)),
    ]
    results = rank_members(FindQuery(("Python", "SQL")), people, now=WINTER)
    assert [r.reasons for r in results] == [
        "verified Python via AWS badge · declares SQL · 12 h/week · UTC+1 · open to work",
        "declares SQL",
    ]


def test_a_long_badge_name_is_clipped_in_the_reason() -> None:
    result = rank_members(FindQuery(("Python",)), [member(1, verified={"Python": "B" * 500})], now=WINTER)[0]
    assert len(result.reasons) < 100 and "…" in result.reasons


def test_a_zone_unknown_to_the_tz_database_ranks_as_no_zone() -> None:
    people = [
        member(1, declared=("Go",), zone="Mars/Olympus_Mons"),
        member(2, declared=("Go",), zone="Asia/Tokyo"),
    ]
    results = rank_members(FindQuery(("Go",), timezone="UTC+9"), people, now=WINTER)
    assert [(r.user_id, r.reasons) for r in results] == [(2, "declares Go · UTC+9"), (1, "declares Go")]


@pytest.mark.parametrize("skills", [(), ("A", "B", "C", "D")])
def test_a_search_names_one_to_three_skills(skills: tuple[str, ...]) -> None:
    with pytest.raises(InvalidInput) as caught:
        rank_members(FindQuery(skills), [], now=WINTER)
    assert caught.value.field == "skill"


def test_the_same_members_always_rank_in_the_same_order() -> None:
    people = [member(n, declared=("Python",), hours=10) for n in (5, 3, 9, 1)]
    assert ranked(FindQuery(("Python",)), *people) == [1, 3, 5, 9]
    assert ranked(FindQuery(("Python",)), *reversed(people)) == [1, 3, 5, 9]


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("UTC", timedelta(0)),
        ("gmt", timedelta(0)),
        ("UTC+1", timedelta(hours=1)),
        ("UTC -5", timedelta(hours=-5)),
        ("UTC−3", timedelta(hours=-3)),
        ("UTC+5:30", timedelta(hours=5, minutes=30)),
        ("UTC+0545", timedelta(hours=5, minutes=45)),
        ("GMT+14", timedelta(hours=14)),
        ("Asia/Kolkata", timedelta(hours=5, minutes=30)),
    ],
)
def test_a_searcher_may_write_an_iana_zone_or_a_utc_offset(text: str, offset: timedelta) -> None:
    assert parse_timezone(text).utcoffset(WINTER) == offset


@pytest.mark.parametrize(
    "text", ["UTC+15", "UTC+5:75", "Atlantis", "America", "../etc/passwd", "x" * 5000, "", "UTC+"]
)
def test_an_unknown_time_zone_is_refused_naming_the_field(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_timezone(text)
    assert caught.value.field == "timezone"


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        (UTC, "UTC"),
        (timezone(timedelta(hours=-3)), "UTC-3"),
        (parse_timezone("Asia/Kathmandu"), "UTC+5:45"),
    ],
)
def test_offsets_are_shown_compactly(zone: timezone, expected: str) -> None:
    assert format_offset(zone, WINTER) == expected
