"""Stacks and skill roles: validation, progress, and the roles verified skills earn."""

from __future__ import annotations

import pytest

from bot.badges.model import SkillRole, Stack
from bot.badges.stacks import entitlement, progress, progress_bar, role_delta, validate_stack
from bot.errors import InvalidInput
from bot.skills import SkillCatalog, SkillMatch

CATALOG = SkillCatalog.bundled()


def stack(stack_id: int, *skills: str, need: int | None = None, role: int = 900) -> Stack:
    return Stack(
        stack_id, 1, f"stack {stack_id}", tuple(CATALOG.normalise(s) for s in skills), need, role, None
    )


def skill_role(skill: str, role: int) -> SkillRole:
    return SkillRole(1, CATALOG.normalise(skill), role)


def test_a_stack_is_validated_and_its_skills_resolved_without_repeats() -> None:
    spec = validate_stack(
        "  Data   Analyst ", "sql, postgres, Tableau, SQL, Data Storytelling", 2, 7, "", CATALOG
    )
    assert spec.name == "Data Analyst" and spec.need == 2 and spec.role_id == 7 and spec.description is None
    assert [(s.name, s.known) for s in spec.skills] == [
        ("SQL", True),
        ("PostgreSQL", True),
        ("Tableau", True),
        ("Data Storytelling", False),
    ]


@pytest.mark.parametrize(
    ("name", "skills", "need", "field"),
    [
        ("", "sql", None, "name"),
        ("x" * 101, "sql", None, "name"),
        ("Data", " , ", None, "skills"),
        ("Data", ",".join(f"skill {i}" for i in range(26)), None, "skills"),
        ("Data", "sql, tableau", 3, "need"),
        ("Data", "sql, tableau", 0, "need"),
        ("Data", "sql, SQL", 2, "need"),
    ],
)
def test_bad_stack_input_names_the_field(name: str, skills: str, need: int | None, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_stack(name, skills, need, 7, "", CATALOG)
    assert caught.value.field == field


def test_progress_lists_held_and_missing_skills_in_stack_order() -> None:
    found = progress(stack(1, "SQL", "Tableau", "Power BI", need=2), {"power bi", "SQL", "Docker"})
    assert found.have == ("SQL", "Power BI") and found.missing == ("Tableau",)
    assert found.need == 2 and found.complete


def test_a_stack_needing_all_is_complete_only_with_every_skill() -> None:
    data = stack(1, "SQL", "Tableau")
    assert not progress(data, {"SQL"}).complete
    assert progress(data, {"SQL", "Tableau"}).complete and progress(data, {"SQL"}).need == 2


@pytest.mark.parametrize(
    ("have", "need", "bar"),
    [
        (0, 5, "▱▱▱▱▱▱▱▱▱▱ 0/5"),
        (2, 5, "▰▰▰▰▱▱▱▱▱▱ 2/5"),
        (1, 3, "▰▰▰▱▱▱▱▱▱▱ 1/3"),
        (5, 5, "▰▰▰▰▰▰▰▰▰▰ 5/5"),
        (4, 2, "▰▰▰▰▰▰▰▰▰▰ 2/2"),
    ],
)
def test_progress_bar(have: int, need: int, bar: str) -> None:
    assert progress_bar(have, need) == bar


def test_entitlement_joins_skill_roles_and_completed_stacks() -> None:
    stacks = [stack(1, "SQL", "Tableau", need=1, role=901), stack(2, "SQL", "Docker", role=902)]
    roles = [skill_role("sql", 801), skill_role("Tableau", 802), skill_role("Docker", 803)]
    earned = entitlement({"SQL"}, roles, stacks)
    assert earned.roles == {801, 901} and [s.id for s in earned.completed] == [1]
    assert entitlement({"SQL", "Docker"}, roles, stacks).roles == {801, 803, 901, 902}
    assert entitlement(set(), roles, stacks).roles == frozenset()


def test_a_role_earned_two_ways_stays_while_either_way_holds() -> None:
    stacks = [stack(1, "SQL", "Tableau", role=800)]
    roles = [skill_role("SQL", 800)]
    before = entitlement({"SQL", "Tableau"}, roles, stacks)
    after = entitlement({"SQL"}, roles, stacks)
    assert before.roles == after.roles == {800}
    assert not role_delta(after, before.roles, {1})


def test_role_delta_only_takes_back_roles_credcord_granted() -> None:
    earned = entitlement({"SQL"}, [skill_role("SQL", 801)], [])
    delta = role_delta(earned, frozenset({802}), ())
    assert delta.add == {801} and delta.remove == {802} and delta.completed_stacks == ()
    # A role the member holds from elsewhere is not in ``granted``, so it is never in ``remove``.
    assert role_delta(entitlement(set(), [], []), frozenset(), ()).remove == frozenset()


def test_a_stack_completion_is_celebrated_once() -> None:
    earned = entitlement({"SQL"}, [], [stack(1, "SQL")])
    assert [s.id for s in role_delta(earned, frozenset(), ()).completed_stacks] == [1]
    again = role_delta(earned, frozenset(), {1})
    assert again.completed_stacks == () and again.add == {900}
    assert role_delta(earned, frozenset(), (), celebrate=False).completed_stacks == ()


def test_unknown_skills_match_ignoring_case_and_spacing() -> None:
    custom = Stack(1, 1, "Story", (SkillMatch("Data  Storytelling", False, None),), None, 900, None)
    assert progress(custom, {"data storytelling"}).complete
