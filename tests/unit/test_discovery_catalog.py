"""The role and credential catalog: the admin's override file, its errors, lookups and cost estimates."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.discovery.catalog import CatalogError, CredentialProgram, load_catalog
from bot.errors import ConfigError
from bot.skills import SkillCatalog

SKILLS = SkillCatalog.bundled()

ROLE = """
[[roles]]
key = "{key}"
name = "{name}"
summary = "Keeps the lights on."
skills = [
    {{ skill = "python", weight = 2, required = true }},
    {{ skill = "Docker", weight = 1, required = false }},
]
"""

PROGRAM = """
[[programs]]
key = "{key}"
name = "Evening Python"
provider = "City College"
url = "https://example.org/python"
skills = ["Python", "postgres"]
format = "per_program"
cost_min = 300
cost_max = 450
currency = "USD"
cost_unit = "program"
weeks_min = 6
weeks_max = 8
assessed_project = true
as_of = 2025-06-01
"""


def program(**changes: object) -> CredentialProgram:
    values: dict[str, object] = {
        "key": "p",
        "name": "P",
        "provider": "X",
        "url": "https://example.org",
        "skills": ("Python",),
        "format": "subscription",
        "cost_min": 39.0,
        "cost_max": 49.0,
        "currency": "USD",
        "cost_unit": "month",
        "weeks_min": 12.0,
        "weeks_max": 26.0,
        "assessed_project": False,
        "stacks_into": None,
        "as_of": date(2025, 6, 1),
    }
    values.update(changes)
    return CredentialProgram(**values)  # type: ignore[arg-type]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "catalog.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_override_file_adds_entries_and_replaces_them_by_key(tmp_path: Path) -> None:
    bundled = load_catalog(SKILLS)
    path = write(
        tmp_path,
        ROLE.format(key="data-analyst", name="Data Analyst")
        + ROLE.format(key="server-keeper", name="Server Keeper")
        + PROGRAM.format(key="google-data-analytics")
        + PROGRAM.format(key="evening-python"),
    )

    catalog = load_catalog(SKILLS, path)

    assert len(catalog.roles) == len(bundled.roles) + 1
    assert len(catalog.programs) == len(bundled.programs) + 1
    replaced = catalog.roles["data-analyst"]
    assert replaced.summary == "Keeps the lights on."
    # Aliases are accepted in the file and stored as the curated list's canonical names.
    assert [(s.skill, s.weight, s.required) for s in replaced.skills] == [
        ("Python", 2.0, True),
        ("Docker", 1.0, False),
    ]
    by_key = {p.key: p for p in catalog.programs}
    assert by_key["google-data-analytics"].provider == "City College"
    assert by_key["evening-python"].skills == ("Python", "PostgreSQL")
    assert by_key["evening-python"].as_of == date(2025, 6, 1)
    assert by_key["evening-python"].stacks_into is None


def test_an_empty_override_file_changes_nothing(tmp_path: Path) -> None:
    catalog = load_catalog(SKILLS, write(tmp_path, "# nothing yet\n"))
    assert catalog == load_catalog(SKILLS)


def _program_with(field: str, value: str) -> str:
    lines = [line for line in PROGRAM.format(key="bad").splitlines() if not line.startswith(f"{field} =")]
    return "\n".join(lines) + (f"\n{field} = {value}\n" if value else "\n")


GO = '{ skill = "Go", weight = 1, required = true }'


def _role_with(skills: str) -> str:
    return f'[[roles]]\nkey = "bad"\nname = "Bad"\nsummary = "x"\nskills = [{skills}]\n'


@pytest.mark.parametrize(
    ("text", "entry", "field"),
    [
        (
            _role_with('{ skill = "Underwater Basket Weaving", weight = 1, required = true }'),
            "roles[0] (bad)",
            "skills[0].skill",
        ),
        (
            _role_with('{ skill = "Python", weight = 0, required = true }'),
            "roles[0] (bad)",
            "skills[0].weight",
        ),
        (_role_with('{ skill = "Python", weight = 1 }'), "roles[0] (bad)", "skills[0].required"),
        (_role_with('{ skill = "Python", weight = 1, required = false }'), "roles[0] (bad)", "skills"),
        (
            _role_with(GO + ", " + GO.replace('"Go"', '"golang"')),
            "roles[0] (bad)",
            "skills[1].skill",
        ),
        (_role_with(""), "roles[0] (bad)", "skills"),
        (
            '[[roles]]\nkey = "Not A Slug"\nname = "x"\nsummary = "x"\nskills = []\n',
            "roles[0] (Not A Slug)",
            "key",
        ),
        ('[[roles]]\nkey = "x"\nsummary = "x"\nskills = []\n', "roles[0] (x)", "name"),
        (
            _role_with('{ skill = "Python", weight = 1, required = true }') + 'colour = "red"\n',
            "roles[0] (bad)",
            "'colour'",
        ),
        (_program_with("format", '"weekly"'), "programs[0] (bad)", "format"),
        (_program_with("cost_unit", '"month"'), "programs[0] (bad)", "cost_unit"),
        (_program_with("cost_max", "100"), "programs[0] (bad)", "cost_max"),
        (_program_with("cost_min", '"cheap"'), "programs[0] (bad)", "cost_min"),
        (_program_with("currency", '"EUR"'), "programs[0] (bad)", "currency"),
        (_program_with("currency", '"dollars"'), "programs[0] (bad)", "currency"),
        (_program_with("weeks_max", "2"), "programs[0] (bad)", "weeks_max"),
        (_program_with("weeks_min", "0"), "programs[0] (bad)", "weeks_min"),
        (_program_with("url", '"http://example.org/python"'), "programs[0] (bad)", "url"),
        (_program_with("as_of", '"last spring"'), "programs[0] (bad)", "as_of"),
        (_program_with("as_of", ""), "programs[0] (bad)", "as_of"),
        (_program_with("assessed_project", '"yes"'), "programs[0] (bad)", "assessed_project"),
        (_program_with("skills", '["Python", "Knitting"]'), "programs[0] (bad)", "skills[1]"),
        (
            _program_with("format", '"free"').replace('cost_unit = "program"', 'cost_unit = "none"'),
            "programs[0] (bad)",
            "cost_max",
        ),
        (PROGRAM.format(key="twice") + PROGRAM.format(key="twice"), "programs[1] (twice)", "key"),
        ("[[programs]]\n", "programs[0]", "key"),
    ],
)
def test_a_bad_entry_stops_loading_with_one_line_naming_file_entry_and_field(
    tmp_path: Path, text: str, entry: str, field: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(CatalogError) as caught:
        load_catalog(SKILLS, path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: {entry}: ")
    assert field in message.split(": ", 2)[2]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[[roles]\nkey = 1\n", "not valid TOML"),
        ("[badges]\nx = 1\n", "[badges] is not known"),
        ('roles = "all of them"\n', "roles must be an array of tables"),
        ("roles = [1]\n", "roles[0]: must be a table"),
    ],
)
def test_a_malformed_file_is_one_line_naming_the_file(tmp_path: Path, text: str, problem: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(CatalogError) as caught:
        load_catalog(SKILLS, path)
    assert str(caught.value).startswith(f"{path}: ")
    assert problem in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_missing_override_file_is_a_config_error_that_stops_start_up(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"catalog\.toml: catalog file not found$"):
        load_catalog(SKILLS, tmp_path / "catalog.toml")


def test_a_new_role_may_not_take_the_name_of_another(tmp_path: Path) -> None:
    path = write(tmp_path, ROLE.format(key="analyst-of-data", name="data  analyst"))
    with pytest.raises(
        CatalogError, match=r"roles \(analyst-of-data\): name: .* already the name of 'data-analyst'"
    ):
        load_catalog(SKILLS, path)


def test_roles_are_found_by_key_or_name_ignoring_case_and_spacing() -> None:
    catalog = load_catalog(SKILLS)
    assert catalog.role("data-analyst") is catalog.roles["data-analyst"]
    assert catalog.role("  DATA   analyst ") is catalog.roles["data-analyst"]
    assert catalog.role("Astronaut") is None


def test_role_suggestions_put_prefix_matches_before_partial_ones() -> None:
    catalog = load_catalog(SKILLS)
    names = [role.name for role in catalog.suggest_roles("dev")]
    assert names[0] == "DevOps Engineer"
    assert "Full-Stack Developer" in names and "Mobile App Developer" in names
    assert all("dev" in name.casefold() for name in names)
    assert len(catalog.suggest_roles("", limit=25)) == 25
    assert [r.name for r in catalog.suggest_roles("", limit=3)] == sorted(
        (r.name for r in catalog.roles.values()), key=str.casefold
    )[:3]
    assert catalog.suggest_roles("zzzz") == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        # 12 weeks is 2.77 months: three started months; 26 weeks is exactly 6 months.
        ({}, (39.0 * 3, 49.0 * 6)),
        ({"weeks_min": 13.0, "weeks_max": 13.0}, (39.0 * 3, 49.0 * 3)),
        ({"weeks_min": 1.0, "weeks_max": 2.0}, (39.0, 49.0)),
        (
            {"format": "per_program", "cost_unit": "program", "cost_min": 600.0, "cost_max": 1500.0},
            (600.0, 1500.0),
        ),
        ({"format": "free", "cost_unit": "none", "cost_min": 0.0, "cost_max": 0.0}, (0.0, 0.0)),
    ],
)
def test_the_estimated_cost_covers_the_typical_duration(
    changes: dict[str, object], expected: tuple[float, float]
) -> None:
    assert program(**changes).estimated_cost() == pytest.approx(expected)
