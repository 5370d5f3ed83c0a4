"""Role coverage weighting and the ranking of credential suggestions."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date
from types import MappingProxyType

import pytest

from bot.discovery.catalog import Catalog, CredentialProgram, Role, RoleSkill
from bot.discovery.coverage import DECLARED_CREDIT, role_coverage, suggest_credentials
from bot.skills import SkillCatalog

SKILLS = SkillCatalog.bundled()

ROLE = Role(
    "analyst",
    "Analyst",
    "Reads data.",
    (
        RoleSkill("SQL", 3.0, True),
        RoleSkill("Python", 2.0, True),
        RoleSkill("Tableau", 1.0, False),
        RoleSkill("Microsoft Excel", 2.0, True),
        RoleSkill("Communication", 2.0, False),
    ),
)
BASE = CredentialProgram(
    key="base",
    name="Base",
    provider="X",
    url="https://example.org",
    skills=(),
    format="per_program",
    cost_min=100.0,
    cost_max=100.0,
    currency="USD",
    cost_unit="program",
    weeks_min=4.0,
    weeks_max=4.0,
    assessed_project=False,
    stacks_into=None,
    as_of=date(2025, 6, 1),
)


def offer(key: str, *skills: str, cost: float = 100.0, weeks: float = 4.0) -> CredentialProgram:
    if cost == 0:
        return replace(
            BASE,
            key=key,
            skills=skills,
            format="free",
            cost_unit="none",
            cost_min=0.0,
            cost_max=0.0,
            weeks_min=weeks,
            weeks_max=weeks,
        )
    return replace(
        BASE, key=key, skills=skills, cost_min=cost, cost_max=cost, weeks_min=weeks, weeks_max=weeks
    )


def catalog(*programs: CredentialProgram) -> Catalog:
    return Catalog(MappingProxyType({ROLE.key: ROLE}), programs)


def test_verified_skills_count_fully_declared_ones_half_and_missing_ones_not_at_all() -> None:
    coverage = role_coverage(
        ROLE, verified={"SQL": "AWS Data badge"}, declared={"Python", "SQL"}, skills=SKILLS
    )
    states = {skill.skill: (skill.state, skill.evidence) for skill in coverage.skills}
    assert states == {
        "SQL": ("verified", "AWS Data badge"),
        "Python": ("declared", None),
        "Microsoft Excel": ("missing", None),
        "Tableau": ("missing", None),
        "Communication": ("missing", None),
    }
    assert coverage.percent == pytest.approx(100 * (3 + DECLARED_CREDIT * 2) / 10)


def test_any_spelling_the_skill_list_knows_counts() -> None:
    coverage = role_coverage(
        ROLE, verified={"postgres": "x", "excel": "Excel badge"}, declared={" PYTHON "}, skills=SKILLS
    )
    states = {skill.skill: skill.state for skill in coverage.skills}
    assert states["Microsoft Excel"] == "verified" and states["Python"] == "declared"
    assert states["SQL"] == "missing"


def test_full_and_empty_coverage() -> None:
    everything = {skill.skill: "badge" for skill in ROLE.skills}
    assert role_coverage(ROLE, verified=everything, declared=(), skills=SKILLS).percent == 100
    assert role_coverage(ROLE, verified={}, declared=(), skills=SKILLS).percent == 0
    declared_only = role_coverage(ROLE, verified={}, declared=list(everything), skills=SKILLS)
    assert declared_only.percent == pytest.approx(100 * DECLARED_CREDIT)


def test_skills_are_listed_required_first_then_by_state_and_weight() -> None:
    coverage = role_coverage(
        ROLE, verified={"Python": "b", "Communication": "c"}, declared={"Tableau"}, skills=SKILLS
    )
    assert [(s.skill, s.required, s.state) for s in coverage.skills] == [
        ("Python", True, "verified"),
        ("SQL", True, "missing"),
        ("Microsoft Excel", True, "missing"),
        ("Communication", False, "verified"),
        ("Tableau", False, "declared"),
    ]


def test_coverage_by_category_sums_earned_and_total_weight_heaviest_first() -> None:
    coverage = role_coverage(
        ROLE, verified={"Python": "b"}, declared={"Tableau", "Communication"}, skills=SKILLS
    )
    assert coverage.by_category() == [
        ("Programming Languages", 2.0, 5.0),  # Python verified, SQL missing
        ("Data", 0.5, 3.0),  # Tableau declared (1 x 0.5), Microsoft Excel missing
        ("Consulting & Soft Skills", 1.0, 2.0),
    ]
    assert sum(earned for _, earned, _ in coverage.by_category()) / 10 * 100 == pytest.approx(
        coverage.percent
    )


def test_suggestions_rank_by_missing_weight_per_cost_and_name_what_they_close() -> None:
    coverage = role_coverage(ROLE, verified={"SQL": "b"}, declared={"Python"}, skills=SKILLS)
    found = suggest_credentials(
        coverage,
        catalog(
            offer("excel-course", "Microsoft Excel", cost=100),  # 2 / 100
            offer("sql-course", "SQL", cost=10),  # SQL is verified: nothing to close
            offer("python-course", "Python", cost=10),  # Python is declared, not missing
            offer("bundle", "Tableau", "Communication", "Microsoft Excel", cost=300),  # 5 / 300
            offer("tableau-course", "Tableau", cost=20),  # 1 / 20
        ),
    )
    assert [s.program.key for s in found] == ["tableau-course", "excel-course", "bundle"]
    bundle = found[2]
    assert bundle.covers == ("Microsoft Excel", "Communication", "Tableau")
    assert bundle.weight_covered == 5.0
    assert bundle.per_cost == pytest.approx(5 / 300)
    assert bundle.per_week == pytest.approx(5 / 4)


def test_free_programs_rank_first_best_per_week_among_them() -> None:
    coverage = role_coverage(ROLE, verified={}, declared=(), skills=SKILLS)
    found = suggest_credentials(
        coverage,
        catalog(
            offer("cheap-and-broad", "SQL", "Python", "Microsoft Excel", cost=1),
            offer("free-slow", "SQL", cost=0, weeks=12),
            offer("free-fast", "Tableau", cost=0, weeks=1),
        ),
    )
    assert [s.program.key for s in found] == ["free-fast", "free-slow", "cheap-and-broad"]
    assert math.isinf(found[0].per_cost)


def test_ties_fall_to_more_weight_then_lower_cost_then_key() -> None:
    coverage = role_coverage(ROLE, verified={}, declared=(), skills=SKILLS)
    found = suggest_credentials(
        coverage,
        catalog(
            offer("b-python", "Python", cost=100, weeks=2),  # 2 per 100, 1 per week
            offer("a-python", "Python", cost=100, weeks=2),  # identical: key decides
            offer(
                "sql-excel", "SQL", "Microsoft Excel", cost=250, weeks=5
            ),  # 5 per 250, 1 per week, more weight
            offer("free-tableau", "Tableau", cost=0, weeks=1),
            offer("free-comms", "Communication", cost=0, weeks=2),  # same per week, more weight
        ),
    )
    assert [s.program.key for s in found] == [
        "free-comms",
        "free-tableau",
        "sql-excel",
        "a-python",
        "b-python",
    ]


def test_monthly_programs_are_compared_by_their_total_estimated_cost() -> None:
    coverage = role_coverage(ROLE, verified={}, declared=(), skills=SKILLS)
    monthly = replace(
        BASE,
        key="monthly",
        skills=("SQL",),
        format="subscription",
        cost_unit="month",
        cost_min=50.0,
        cost_max=50.0,
        weeks_min=26.0,
        weeks_max=26.0,
    )
    found = suggest_credentials(coverage, catalog(monthly, offer("exam", "SQL", cost=250)))
    # Six months at $50 is $300: the $250 exam is better value.
    assert [s.program.key for s in found] == ["exam", "monthly"]
    assert found[1].per_cost == pytest.approx(3 / 300)


def test_suggestions_stop_at_the_limit_and_vanish_when_nothing_is_missing() -> None:
    programs = [offer(f"p{n}", "SQL", cost=10 + n) for n in range(8)]
    nothing = role_coverage(ROLE, verified={}, declared=(), skills=SKILLS)
    assert [s.program.key for s in suggest_credentials(nothing, catalog(*programs), limit=3)] == [
        "p0",
        "p1",
        "p2",
    ]
    everything = role_coverage(ROLE, verified={s.skill: "b" for s in ROLE.skills}, declared=(), skills=SKILLS)
    assert suggest_credentials(everything, catalog(*programs)) == []
