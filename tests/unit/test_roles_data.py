"""The bundled roles and credential catalog keep the promises the skill map relies on."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from typing import Any

import pytest

from bot.discovery.catalog import Catalog, load_catalog
from bot.discovery.coverage import role_coverage, suggest_credentials
from bot.skills import SkillCatalog

SKILLS = SkillCatalog.bundled()


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(SKILLS)


def _raw(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((resources.files("bot") / "data" / name).read_text(encoding="utf-8"))
    return loaded


def test_about_thirty_roles_ship_including_those_the_issue_names(catalog: Catalog) -> None:
    assert 28 <= len(catalog.roles) <= 40
    for name in (
        "Data Analyst",
        "Cloud Engineer",
        "UX Designer",
        "Full-Stack Developer",
        "Digital Marketer",
        "Technical Writer",
        "DevOps Engineer",
        "Cybersecurity Analyst",
        "Project Manager",
        "Bookkeeper",
    ):
        assert catalog.role(name) is not None, name


def test_role_files_name_skills_exactly_as_the_curated_list_does() -> None:
    # The loader would accept aliases; the shipped files use canonical names so they read as displayed.
    written = [skill["skill"] for role in _raw("roles.json")["roles"] for skill in role["skills"]]
    written += [skill for program in _raw("credentials.json")["programs"] for skill in program["skills"]]
    not_canonical = sorted(
        {name for name in written if (found := SKILLS.lookup(name)) is None or found.name != name}
    )
    assert not_canonical == []


def test_every_role_has_required_skills_that_outweigh_the_nice_to_haves(catalog: Catalog) -> None:
    for role in catalog.roles.values():
        required = [skill for skill in role.skills if skill.required]
        assert len(required) >= 3, role.key
        assert len(role.skills) - len(required) >= 3, role.key
        # Required skills outweigh the nice-to-haves, or the percentage would mislead.
        assert sum(s.weight for s in required) > sum(s.weight for s in role.skills if not s.required), (
            role.key
        )


def test_a_member_with_nothing_gets_credential_suggestions_for_every_role(catalog: Catalog) -> None:
    for role in catalog.roles.values():
        coverage = role_coverage(role, verified={}, declared=(), skills=SKILLS)
        assert coverage.percent == 0
        assert suggest_credentials(coverage, catalog), role.key


def test_the_catalog_covers_the_providers_and_formats_the_issue_names(catalog: Catalog) -> None:
    providers = " ".join(program.provider for program in catalog.programs)
    for provider in (
        "Google",
        "Amazon Web Services",
        "Microsoft",
        "Salesforce",
        "IBM",
        "Coursera",
        "edX",
        "Udacity",
        "LinkedIn Learning",
        "FutureLearn",
    ):
        assert provider in providers, provider
    assert {program.format for program in catalog.programs} == {"subscription", "per_program", "free"}
    assert any("MicroMasters" in program.name for program in catalog.programs)
    assert any(program.stacks_into for program in catalog.programs)
    assert any(program.assessed_project for program in catalog.programs)


@pytest.mark.parametrize(
    ("provider", "low", "high"),
    [
        # The published ranges the catalog starts from (per month, or per program for MicroMasters).
        ("(Coursera)", 39, 79),
        ("(edX)", 600, 1500),
        ("Udacity", 249, 399),
        ("LinkedIn Learning", 20, 40),
    ],
)
def test_costs_stay_within_the_published_ranges(
    catalog: Catalog, provider: str, low: float, high: float
) -> None:
    priced = [program for program in catalog.programs if provider in program.provider]
    assert priced
    for program in priced:
        assert low <= program.cost_min <= program.cost_max <= high, program.key


def test_every_program_dates_its_price_and_keys_are_unique(catalog: Catalog) -> None:
    keys = [program.key for program in catalog.programs]
    assert len(keys) == len(set(keys))
    for program in catalog.programs:
        assert date(2024, 1, 1) <= program.as_of <= date.today(), program.key
        assert program.currency == "USD"
        assert program.url.startswith("https://")
