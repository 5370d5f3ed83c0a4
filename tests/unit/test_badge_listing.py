"""A member's badges for reading: grouped by skill category, and as autocomplete choices."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.badges.listing import choices, group_by_category, primary_category, status_note
from bot.badges.model import Badge
from bot.skills import SkillCatalog
from bot.verification.verdict import Status

CATALOG = SkillCatalog.bundled()
NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)


def badge(
    badge_id: int,
    name: str | None,
    *skills: str,
    status: Status = Status.VALID,
    self_reported: bool = False,
    expires_at: datetime | None = None,
) -> Badge:
    return Badge(
        id=badge_id,
        guild_id=1,
        user_id=2,
        source="https://issuer.example/a",
        credential_id=f"https://issuer.example/a/{badge_id}",
        status=status,
        format="ob2-hosted",
        reason="verified",
        message="ok",
        name=name,
        issuer_name="Example Academy",
        issuer_url="https://issuer.example",
        issuer_host="issuer.example",
        image_url=None,
        skills=tuple(CATALOG.normalise(s) for s in skills),
        issued_at=None,
        expires_at=expires_at,
        self_reported=self_reported,
        added_at=NOW + timedelta(minutes=badge_id),
        last_checked_at=NOW,
        first_failed_at=None,
        showcase=None,
        congratulations=0,
    )


def test_a_badge_belongs_to_the_category_most_of_its_skills_are_in() -> None:
    assert primary_category(badge(1, "BI", "Tableau", "Power BI", "SQL")) == "Data"
    assert primary_category(badge(2, "Tie", "SQL", "Tableau")) == "Programming Languages"
    assert primary_category(badge(3, "Soft", "Being Nice To Cats")) == "Other"


def test_groups_are_labelled_with_their_skills_and_other_comes_last() -> None:
    groups = group_by_category(
        [
            badge(1, "Tableau Desktop", "Tableau", "Power BI"),
            badge(2, None, "Being Nice To Cats"),
            badge(3, "Advanced SQL", "postgres", "Tableau"),
            badge(4, "Docker Basics", "docker"),
        ]
    )
    assert [g.label for g in groups] == [
        "Data: PostgreSQL, Power BI, Tableau",
        "DevOps & Infrastructure: Docker",
        "Other: Being Nice To Cats",
    ]
    assert [b.id for b in groups[0].badges] == [3, 1]  # by name within a group
    assert groups[2].badges[0].title == "Untitled badge"


def test_status_notes_mark_badges_that_do_not_count() -> None:
    assert status_note(badge(1, "A"), NOW) == ""
    assert status_note(badge(1, "A", self_reported=True, status=Status.UNVERIFIABLE), NOW) == "self-reported"
    assert status_note(badge(1, "A", status=Status.UNVERIFIABLE), NOW) == "unverified"
    assert status_note(badge(1, "A", status=Status.REVOKED), NOW) == "revoked"
    assert status_note(badge(1, "A", expires_at=NOW), NOW) == "expired"


def test_choices_filter_newest_first_and_fit_discord_limits() -> None:
    badges = [badge(i, f"Badge {i} " + "x" * 120) for i in range(1, 31)]
    found = choices(badges, "", NOW)
    assert len(found) == 25 and found[0][0] == 30
    assert all(len(label) <= 100 for _, label in found)
    assert choices([badge(1, "SQL Basics"), badge(2, "Docker", status=Status.REVOKED)], "dock", NOW) == [
        (2, "Docker · Example Academy (revoked)")
    ]
    assert [i for i, _ in choices([badge(7, "A"), badge(8, "B")], "7", NOW)] == [7]
