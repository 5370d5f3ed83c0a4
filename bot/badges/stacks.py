"""Stacks and skill roles as data: which roles a member's verified skills earn.

credcord only ever removes roles it granted itself: ``role_delta`` compares the roles a member is
entitled to now with the roles credcord granted before, never with every role the member holds.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from bot.badges.model import RoleDelta, SkillRole, Stack, StackProgress, skill_key
from bot.errors import InvalidInput
from bot.profiles.model import split_list
from bot.skills import MAX_SKILL_LENGTH, SkillCatalog, SkillMatch

MAX_STACK_NAME = 100
MAX_STACK_DESCRIPTION = 300
MAX_STACK_SKILLS = 25
MAX_STACKS_PER_GUILD = 50
BAR_WIDTH = 10


@dataclass(frozen=True, slots=True)
class StackSpec:
    """A stack as an admin described it, checked and resolved against the skill list."""

    name: str
    skills: tuple[SkillMatch, ...]
    need: int | None
    role_id: int
    description: str | None


def validate_stack(
    name: str, skills: str, need: int | None, role_id: int, description: str, catalog: SkillCatalog
) -> StackSpec:
    """Check ``/stack create`` input; ``need`` None means every listed skill."""
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("name", "must not be empty")
    if len(name) > MAX_STACK_NAME:
        raise InvalidInput("name", f"is {len(name)} characters long; the limit is {MAX_STACK_NAME}")
    written = split_list(skills)
    if not written:
        raise InvalidInput("skills", "list at least one skill, separated by commas")
    if len(written) > MAX_STACK_SKILLS:
        raise InvalidInput("skills", f"{len(written)} skills given; the limit is {MAX_STACK_SKILLS}")
    resolved: dict[str, SkillMatch] = {}
    for text in written:
        if len(text) > MAX_SKILL_LENGTH:
            raise InvalidInput("skills", f"{text[:20]!r}… is longer than {MAX_SKILL_LENGTH} characters")
        match = catalog.normalise(text)
        resolved.setdefault(skill_key(match.name), match)
    if need is not None and not 1 <= need <= len(resolved):
        raise InvalidInput("need", f"must be between 1 and the number of skills ({len(resolved)})")
    text = description.strip()
    if len(text) > MAX_STACK_DESCRIPTION:
        raise InvalidInput("description", f"the limit is {MAX_STACK_DESCRIPTION} characters")
    return StackSpec(name, tuple(resolved.values()), need, role_id, text or None)


def progress(stack: Stack, verified: Collection[str]) -> StackProgress:
    """How far ``verified`` skills (canonical names) go toward ``stack``."""
    held = {skill_key(name) for name in verified}
    have = tuple(s.name for s in stack.skills if skill_key(s.name) in held)
    missing = tuple(s.name for s in stack.skills if skill_key(s.name) not in held)
    return StackProgress(stack, have, missing)


def progress_bar(have: int, need: int, width: int = BAR_WIDTH) -> str:
    """A text bar such as ``▰▰▰▰▱▱▱▱▱▱ 2/5``; having more than needed shows as full."""
    done = min(have, need)
    filled = width if need <= 0 else round(width * done / need)
    return f"{'▰' * filled}{'▱' * (width - filled)} {done}/{need}"


@dataclass(frozen=True, slots=True)
class Entitlement:
    roles: frozenset[int]
    completed: tuple[Stack, ...]


def entitlement(
    verified: Collection[str], skill_roles: Iterable[SkillRole], stacks: Iterable[Stack]
) -> Entitlement:
    """The roles ``verified`` skills earn through skill roles and completed stacks."""
    held = {skill_key(name) for name in verified}
    roles = {mapping.role_id for mapping in skill_roles if skill_key(mapping.skill.name) in held}
    completed = tuple(stack for stack in stacks if progress(stack, verified).complete)
    roles.update(stack.role_id for stack in completed)
    return Entitlement(frozenset(roles), completed)


def role_delta(
    entitled: Entitlement, granted: frozenset[int], celebrated: Collection[int], *, celebrate: bool = True
) -> RoleDelta:
    """The change from the roles credcord ``granted`` before to ``entitled``.

    ``celebrated`` holds the ids of stacks already completed once; completing one again (after losing
    and regaining a badge) grants its role but is not celebrated twice.
    """
    new = tuple(s for s in entitled.completed if s.id not in celebrated) if celebrate else ()
    return RoleDelta(entitled.roles - granted, granted - entitled.roles, new)
