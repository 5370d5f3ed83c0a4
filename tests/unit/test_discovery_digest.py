"""The weekly digest's slot arithmetic (never twice, never skipped) and its bounded, safe text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.discovery.digest import (
    MAX_SECTION_CHARS,
    MAX_SECTION_LINES,
    DigestData,
    DigestSchedule,
    compose_digest,
    due_slot,
    slot_for,
)
from bot.errors import InvalidInput
from bot.text import EMBED_FIELD_VALUE, EMBED_TOTAL

MONDAY_9 = DigestSchedule(day=0, hour=9)
# 2026-11-16 is a Monday.
SLOT = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (SLOT, SLOT),
        (SLOT + timedelta(microseconds=1), SLOT),
        (SLOT - timedelta(microseconds=1), SLOT - timedelta(weeks=1)),
        (SLOT + timedelta(days=6, hours=23), SLOT),
        (SLOT + timedelta(weeks=1), SLOT + timedelta(weeks=1)),
        # 09:30 in Berlin is 08:30 UTC, still before the 09:00 UTC slot.
        (datetime(2026, 11, 16, 9, 30, tzinfo=timezone(timedelta(hours=1))), SLOT - timedelta(weeks=1)),
    ],
)
def test_the_slot_is_the_latest_scheduled_time_at_or_before_now(now: datetime, expected: datetime) -> None:
    assert slot_for(MONDAY_9, now) == expected


def test_slots_on_other_days_of_the_week() -> None:
    sunday_23 = DigestSchedule(day=6, hour=23)
    assert slot_for(sunday_23, SLOT) == datetime(2026, 11, 15, 23, 0, tzinfo=UTC)
    wednesday_0 = DigestSchedule(day=2, hour=0)
    assert slot_for(wednesday_0, SLOT) == datetime(2026, 11, 11, 0, 0, tzinfo=UTC)
    assert slot_for(wednesday_0, datetime(2026, 11, 18, 0, 0, tzinfo=UTC)) == datetime(
        2026, 11, 18, tzinfo=UTC
    )


def test_a_slot_is_due_once_and_then_not_again_that_week() -> None:
    assert due_slot(MONDAY_9, SLOT, None) == SLOT
    assert due_slot(MONDAY_9, SLOT + timedelta(minutes=1), SLOT) is None
    assert due_slot(MONDAY_9, SLOT + timedelta(days=6, hours=23), SLOT) is None
    assert due_slot(MONDAY_9, SLOT + timedelta(weeks=1), SLOT) == SLOT + timedelta(weeks=1)


def test_a_slot_missed_while_down_is_posted_late_once() -> None:
    last = SLOT - timedelta(weeks=1)
    back_up = SLOT + timedelta(days=2, hours=5)
    assert due_slot(MONDAY_9, back_up, last) == SLOT
    assert due_slot(MONDAY_9, back_up + timedelta(hours=1), SLOT) is None


def test_weeks_missed_entirely_fold_into_one_post() -> None:
    last = SLOT - timedelta(weeks=3)
    assert due_slot(MONDAY_9, SLOT + timedelta(hours=1), last) == SLOT


def test_changing_the_schedule_never_yields_two_posts_in_one_week() -> None:
    friday_17 = DigestSchedule(day=4, hour=17)
    # Posted Monday; moved to Friday that same week: Friday is after Monday's post, so Friday is due.
    assert due_slot(friday_17, SLOT + timedelta(days=4, hours=8), SLOT) == SLOT + timedelta(days=4, hours=8)
    # Posted Monday; moved to the previous Friday's time: that slot is older than the post, so wait.
    assert due_slot(friday_17, SLOT + timedelta(hours=1), SLOT) is None


@settings(max_examples=60, deadline=None)
@given(
    day=st.integers(0, 6),
    hour=st.integers(0, 23),
    start=st.datetimes(datetime(2024, 1, 1), datetime(2030, 1, 1)),
    steps=st.lists(st.integers(1, 36 * 60), min_size=1, max_size=120),
)
def test_polling_at_any_rhythm_posts_every_slot_passed_at_most_once(
    day: int, hour: int, start: datetime, steps: list[int]
) -> None:
    """However irregularly the task wakes (restarts, long outages), no slot is posted twice and the
    latest slot passed is always posted by the next wake-up."""
    schedule = DigestSchedule(day, hour)
    now = start.replace(tzinfo=UTC)
    last: datetime | None = slot_for(schedule, now)
    posted: list[datetime] = []
    for minutes in steps:
        now += timedelta(minutes=minutes)
        slot = due_slot(schedule, now, last)
        if slot is not None:
            assert slot <= now and slot.weekday() == day and slot.hour == hour and slot.minute == 0
            posted.append(slot)
            last = slot
        assert last == slot_for(schedule, now)
    assert posted == sorted(set(posted))


@pytest.mark.parametrize(
    ("day", "hour", "field"), [(7, 9, "day"), (-1, 9, "day"), (0, 24, "hour"), (0, -1, "hour")]
)
def test_a_schedule_outside_the_week_is_refused(day: int, hour: int, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        DigestSchedule(day, hour)
    assert caught.value.field == field


def data(**changes: object) -> DigestData:
    values: dict[str, object] = {
        "since": SLOT - timedelta(weeks=1),
        "until": SLOT,
        "new_badges": (),
        "completed_stacks": (),
        "new_mentors": (),
        "open_requests": (),
        "top_verified_skills": (),
        "top_searched_skills": (),
    }
    values.update(changes)
    return DigestData(**values)  # type: ignore[arg-type]


def test_a_digest_lists_each_kind_of_news_under_its_title() -> None:
    sections = compose_digest(
        data(
            new_badges=((1, "AWS Cloud Practitioner"),),
            completed_stacks=((2, "Data Analyst"),),
            new_mentors=(3,),
            open_requests=((4, "Python"),),
            top_verified_skills=(("SQL", 5), ("Python", 1)),
            top_searched_skills=(("Figma", 2),),
        )
    )
    assert [(s.title, s.lines) for s in sections] == [
        ("New verified badges", ("<@1> · AWS Cloud Practitioner",)),
        ("Completed stacks", ("<@2> · Data Analyst",)),
        ("Newly available mentors", ("<@3>",)),
        ("Open mentor requests", ("<@4> · Python",)),
        ("Most common verified skills", ("SQL · 5 members", "Python · 1 member")),
        ("Most searched skills", ("Figma · 2 searches",)),
    ]


def test_a_quiet_week_has_no_sections_and_empty_kinds_are_left_out() -> None:
    assert compose_digest(data()) == ()
    assert [s.title for s in compose_digest(data(new_mentors=(5,)))] == ["Newly available mentors"]


def test_issuer_text_is_escaped_and_cannot_mention_anyone() -> None:
    (section,) = compose_digest(data(new_badges=((1, "@everyone **free** [prize](https://x)"),)))
    (line,) = section.lines
    assert line.startswith("<@1> · ")
    assert "@everyone" not in line and "**" not in line and "](" not in line


def test_long_sections_are_bounded_and_say_how_many_more() -> None:
    many = tuple((n, "Badge " + "x" * 300) for n in range(500))
    sections = compose_digest(
        data(
            new_badges=many,
            completed_stacks=many,
            open_requests=many,
            new_mentors=tuple(range(500)),
            top_verified_skills=tuple((f"S{n}", n) for n in range(30)),
            top_searched_skills=tuple((f"S{n}", n) for n in range(30)),
        )
    )
    assert len(sections) == 6
    total = 0
    for section in sections:
        text = "\n".join(section.lines)
        assert len(section.lines) <= MAX_SECTION_LINES
        assert len(text) <= MAX_SECTION_CHARS <= EMBED_FIELD_VALUE
        assert section.lines[-1].startswith("… and ") and section.lines[-1].endswith(" more")
        total += len(text) + len(section.title)
    assert total < EMBED_TOTAL - 500
    mentors = next(s for s in sections if s.title == "Newly available mentors")
    assert mentors.lines[-1] == f"… and {500 - (MAX_SECTION_LINES - 1)} more"


def test_a_section_that_fits_exactly_needs_no_more_line() -> None:
    (section,) = compose_digest(data(new_mentors=tuple(range(MAX_SECTION_LINES))))
    assert len(section.lines) == MAX_SECTION_LINES and "more" not in section.lines[-1]
