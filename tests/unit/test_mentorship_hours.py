"""Working hours: overlaps on the UTC timeline, across midnight and DST, and how windows are shown."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import InvalidInput
from bot.mentorship.hours import WorkingHours, describe_window, has_zone, overlap_hours, overlap_windows

SUMMER = date(2026, 7, 1)
WINTER = date(2026, 1, 15)
ZONES = ("Europe/Berlin", "America/New_York", "Asia/Tokyo", "Asia/Kathmandu", "Pacific/Kiritimati", "UTC")


def utc(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def test_berlin_and_new_york_office_hours_share_two_hours_in_summer() -> None:
    berlin, new_york = WorkingHours("Europe/Berlin"), WorkingHours("America/New_York")
    assert overlap_windows(berlin, new_york, on=SUMMER) == [(utc(SUMMER, 13), utc(SUMMER, 15))]
    assert overlap_hours(berlin, new_york, on=SUMMER) == 2.0
    assert overlap_hours(new_york, berlin, on=SUMMER) == 2.0


def test_a_window_crossing_midnight_meets_a_day_window_elsewhere() -> None:
    tokyo_night = WorkingHours("Asia/Tokyo", 22, 6)  # 13:00-21:00 UTC
    berlin = WorkingHours("Europe/Berlin")  # 07:00-15:00 UTC in summer
    assert overlap_windows(berlin, tokyo_night, on=SUMMER) == [(utc(SUMMER, 13), utc(SUMMER, 15))]
    assert overlap_hours(tokyo_night, berlin, on=SUMMER) == 2.0


def test_hour_24_ends_the_window_at_the_next_local_midnight() -> None:
    evening = WorkingHours("UTC", 20, 24)
    assert overlap_windows(evening, WorkingHours("UTC", 0, 24), on=WINTER) == [
        (utc(WINTER, 20), datetime(2026, 1, 16, tzinfo=UTC))
    ]


def test_a_round_the_clock_window_overlaps_a_whole_working_day_as_one_stretch() -> None:
    always = WorkingHours("Asia/Kathmandu", 0, 24)
    assert overlap_hours(always, WorkingHours("America/New_York"), on=WINTER) == 8.0
    assert len(overlap_windows(always, WorkingHours("UTC", 0, 24), on=WINTER)) == 1


def test_daylight_saving_changes_the_overlap() -> None:
    berlin, new_york = WorkingHours("Europe/Berlin"), WorkingHours("America/New_York")
    assert overlap_hours(berlin, new_york, on=WINTER) == 2.0
    # Between the US (8 March) and EU (29 March) switches the gap is five hours, not six.
    assert overlap_hours(berlin, new_york, on=date(2026, 3, 16)) == 3.0


def test_an_unknown_or_unusable_zone_gives_no_overlap() -> None:
    for unknown in (WorkingHours(None), WorkingHours("Mars/Olympus_Mons")):
        assert not has_zone(unknown)
        assert overlap_hours(unknown, WorkingHours("UTC", 0, 24), on=SUMMER) == 0.0
        assert overlap_windows(WorkingHours("UTC", 0, 24), unknown, on=SUMMER) == []
    assert has_zone(WorkingHours("Asia/Tokyo"))


def test_windows_that_never_meet_have_no_overlap() -> None:
    assert overlap_windows(WorkingHours("UTC", 1, 5), WorkingHours("UTC", 6, 10), on=SUMMER) == []


@pytest.mark.parametrize(
    ("start", "end", "field"), [(-1, 17, "start"), (24, 17, "start"), (9, 0, "end"), (9, 25, "end")]
)
def test_out_of_range_hours_are_refused(start: int, end: int, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        WorkingHours("UTC", start, end)
    assert caught.value.field == field


def test_windows_are_described_in_each_members_local_time() -> None:
    start, end = utc(SUMMER, 13), utc(SUMMER, 15)
    assert describe_window(start, end, "Europe/Berlin") == "15:00–17:00 (Europe/Berlin)"
    assert describe_window(start, end, "America/New_York") == "09:00–11:00 (America/New_York)"
    assert describe_window(start, end, None) == "13:00–15:00 UTC (timezone not set)"


hours_strategy = st.builds(
    WorkingHours, st.sampled_from(ZONES), st.integers(min_value=0, max_value=23), st.integers(1, 24)
)


@given(hours_strategy, hours_strategy, st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)))
def test_overlap_never_exceeds_either_window_and_windows_lie_inside_both(
    a: WorkingHours, b: WorkingHours, on: date
) -> None:
    windows = overlap_windows(a, b, on=on)
    total = overlap_hours(a, b, on=on)
    assert total == pytest.approx(sum((high - low).total_seconds() for low, high in windows) / 3600)
    # A DST change can stretch a local day to 25 hours.
    assert 0 <= total <= 25
    for low, high in windows:
        assert low < high and low.tzinfo is UTC and high.tzinfo is UTC
    for earlier, later in itertools.pairwise(windows):
        assert earlier[1] < later[0]
