"""The curated skill list: canonical names, aliases and categories.

Members write skills freely ("js", "Postgres", "k8s"); credcord stores the
canonical name when the list knows the skill, and the member's own spelling,
flagged as unrecognised, when it does not. Matching ignores case and spacing.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from importlib import resources

_SPACES = re.compile(r"\s+")
MAX_SKILL_LENGTH = 50


@dataclass(frozen=True, slots=True)
class Skill:
    name: str
    category: str
    aliases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SkillMatch:
    """A skill as a member wrote it, resolved against the list."""

    name: str
    known: bool
    category: str | None


def _key(text: str) -> str:
    return _SPACES.sub(" ", text.strip()).casefold()


class SkillCatalog:
    def __init__(self, skills: list[Skill]) -> None:
        self.skills = tuple(sorted(skills, key=lambda s: s.name.casefold()))
        self._by_key: dict[str, Skill] = {}
        for skill in self.skills:
            for spelling in (skill.name, *skill.aliases):
                self._by_key.setdefault(_key(spelling), skill)
        self._keys = sorted(self._by_key)

    @classmethod
    def bundled(cls) -> SkillCatalog:
        """The list shipped in ``bot/data/skills.json``."""
        raw = json.loads((resources.files("bot") / "data" / "skills.json").read_text(encoding="utf-8"))
        return cls(
            [Skill(item["name"], item["category"], tuple(item.get("aliases", ()))) for item in raw["skills"]]
        )

    def lookup(self, text: str) -> Skill | None:
        return self._by_key.get(_key(text))

    def category(self, text: str) -> str | None:
        """The category of a skill on the list; None for a skill the list does not know."""
        skill = self.lookup(text)
        return skill.category if skill is not None else None

    def normalise(self, text: str) -> SkillMatch:
        """Resolve one written skill; unknown skills keep the member's spelling."""
        cleaned = _SPACES.sub(" ", text.strip())
        skill = self.lookup(cleaned)
        if skill is None:
            return SkillMatch(cleaned, False, None)
        return SkillMatch(skill.name, True, skill.category)

    def stored(self, name: str, known: bool) -> SkillMatch:
        """A skill read back from the database, where it was saved with its ``known`` flag.

        The flag is re-checked against the current list, so a skill dropped from it reads as unrecognised.
        """
        skill = self.lookup(name) if known else None
        return SkillMatch(name, skill is not None, skill.category if skill else None)

    def suggest(self, typed: str, limit: int = 25) -> list[Skill]:
        """Autocomplete: prefix matches first, then close spellings, at most ``limit``."""
        key = _key(typed)
        if not key:
            return list(self.skills[:limit])
        found: dict[str, Skill] = {}
        for spelling in self._keys:
            if spelling.startswith(key):
                skill = self._by_key[spelling]
                found.setdefault(skill.name, skill)
        for spelling in self._keys:
            if len(found) >= limit:
                break
            if key in spelling:
                skill = self._by_key[spelling]
                found.setdefault(skill.name, skill)
        if len(found) < limit:
            for spelling in difflib.get_close_matches(key, self._keys, n=limit, cutoff=0.6):
                skill = self._by_key[spelling]
                found.setdefault(skill.name, skill)
        return list(found.values())[:limit]
