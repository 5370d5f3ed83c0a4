"""How much of a role a member covers, and which credentials would close the gap.

Weighting: every skill of a role carries a weight. A skill proven by a badge that
counts earns its full weight; a skill the member only declares on their profile
earns ``DECLARED_CREDIT`` (half) of it, because a claim is worth something but is
not evidence; a missing skill earns nothing. The percentage is the earned weight
over the role's total weight.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Literal

from bot.discovery.catalog import Catalog, CredentialProgram, Role
from bot.skills import SkillCatalog

SkillState = Literal["verified", "declared", "missing"]

DECLARED_CREDIT = 0.5
# A skill the curated list no longer knows (an admin edited it) still shows, under this category.
UNCATEGORISED = "Other"
_CREDIT: dict[SkillState, float] = {"verified": 1.0, "declared": DECLARED_CREDIT, "missing": 0.0}
_STATE_ORDER: dict[SkillState, int] = {"verified": 0, "declared": 1, "missing": 2}


@dataclass(frozen=True, slots=True)
class SkillCoverage:
    skill: str
    category: str
    weight: float
    required: bool
    state: SkillState
    evidence: str | None

    @property
    def earned(self) -> float:
        """The weight this skill contributes to the coverage."""
        return self.weight * _CREDIT[self.state]


@dataclass(frozen=True, slots=True)
class RoleCoverage:
    role: Role
    skills: tuple[SkillCoverage, ...]
    percent: float

    def by_category(self) -> list[tuple[str, float, float]]:
        """(category, covered weight, total weight), heaviest categories first, then by name."""
        totals: dict[str, list[float]] = {}
        for skill in self.skills:
            earned_total = totals.setdefault(skill.category, [0.0, 0.0])
            earned_total[0] += skill.earned
            earned_total[1] += skill.weight
        rows = [(category, earned, total) for category, (earned, total) in totals.items()]
        return sorted(rows, key=lambda row: (-row[2], row[0].casefold()))

    def missing(self) -> tuple[SkillCoverage, ...]:
        return tuple(skill for skill in self.skills if skill.state == "missing")


def role_coverage(
    role: Role, *, verified: Mapping[str, str], declared: Collection[str], skills: SkillCatalog
) -> RoleCoverage:
    """Compare a role with a member's skills.

    ``verified`` maps each skill a counting badge proves to that badge's name; ``declared`` is the
    member's profile skills. Both may use any spelling the curated list knows. Skills are listed
    required first, then verified, declared, missing, then by weight and name.
    """
    proven = {_canonical(name, skills): badge for name, badge in verified.items()}
    claimed = {_canonical(name, skills) for name in declared}
    rows: list[SkillCoverage] = []
    for wanted in role.skills:
        key = _canonical(wanted.skill, skills)
        known = skills.lookup(wanted.skill)
        state: SkillState
        if key in proven:
            state, evidence = "verified", proven[key]
        elif key in claimed:
            state, evidence = "declared", None
        else:
            state, evidence = "missing", None
        rows.append(
            SkillCoverage(
                skill=wanted.skill,
                category=known.category if known else UNCATEGORISED,
                weight=wanted.weight,
                required=wanted.required,
                state=state,
                evidence=evidence,
            )
        )
    rows.sort(key=lambda s: (not s.required, _STATE_ORDER[s.state], -s.weight, s.skill.casefold()))
    total = sum(skill.weight for skill in rows)
    percent = 100.0 * sum(skill.earned for skill in rows) / total if total else 0.0
    return RoleCoverage(role, tuple(rows), percent)


def _canonical(name: str, skills: SkillCatalog) -> str:
    found = skills.lookup(name)
    return (found.name if found else " ".join(name.split())).casefold()


@dataclass(frozen=True, slots=True)
class Suggestion:
    program: CredentialProgram
    covers: tuple[str, ...]
    weight_covered: float
    per_cost: float
    per_week: float


def suggest_credentials(coverage: RoleCoverage, catalog: Catalog, limit: int = 5) -> list[Suggestion]:
    """Programs that teach at least one missing skill, best value first.

    ``covers`` lists the missing skills a program teaches in the coverage's order.
    ``weight_covered`` is the missing weight a program teaches. ``per_cost`` divides it by the
    midpoint of the program's estimated total cost and is ``math.inf`` for free programs, so they
    rank first (show "free", never the number). ``per_week`` divides it by the midpoint duration.
    Order: per_cost, then per_week, then weight_covered (all highest first), then the lower cost,
    then the program key, so equal programs always come out in the same order.
    """
    missing = coverage.missing()
    found: list[tuple[Suggestion, float]] = []
    for program in catalog.programs:
        taught = {name.casefold() for name in program.skills}
        covers = [skill for skill in missing if skill.skill.casefold() in taught]
        if not covers:
            continue
        weight = sum(skill.weight for skill in covers)
        low, high = program.estimated_cost()
        cost = (low + high) / 2
        weeks = (program.weeks_min + program.weeks_max) / 2
        suggestion = Suggestion(
            program=program,
            covers=tuple(skill.skill for skill in covers),
            weight_covered=weight,
            per_cost=math.inf if program.free else weight / cost,
            per_week=weight / weeks,
        )
        found.append((suggestion, cost))
    found.sort(
        key=lambda pair: (
            -pair[0].per_cost,
            -pair[0].per_week,
            -pair[0].weight_covered,
            pair[1],
            pair[0].program.key,
        )
    )
    return [suggestion for suggestion, _ in found[:limit]]
