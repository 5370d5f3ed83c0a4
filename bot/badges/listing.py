"""How a member's badges are arranged for reading: by skill category, and as autocomplete choices."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.badges.model import Badge, skill_key
from bot.text import clip
from bot.verification.verdict import Status

OTHER = "Other"
MAX_CHOICES = 25
CHOICE_LABEL = 100  # Discord's limit for an autocomplete choice's name


@dataclass(frozen=True, slots=True)
class BadgeGroup:
    category: str
    skills: tuple[str, ...]  # the group's badges' skills in this category
    badges: tuple[Badge, ...]

    @property
    def label(self) -> str:
        """For example ``Data: SQL, Tableau``."""
        return f"{self.category}: {', '.join(self.skills)}" if self.skills else self.category


def primary_category(badge: Badge) -> str:
    """The category most of the badge's recognised skills belong to (the first on a tie)."""
    counts = Counter(s.category for s in badge.skills if s.category is not None)
    return counts.most_common(1)[0][0] if counts else OTHER


def group_by_category(badges: Iterable[Badge]) -> list[BadgeGroup]:
    """Each badge once, under its primary category; categories A–Z with ``Other`` last."""
    grouped: dict[str, list[Badge]] = {}
    for badge in badges:
        grouped.setdefault(primary_category(badge), []).append(badge)
    groups = []
    for category, members in grouped.items():
        skills: dict[str, str] = {}
        for badge in members:
            for skill in badge.skills:
                if (skill.category or OTHER) == category:
                    skills.setdefault(skill_key(skill.name), skill.name)
        ordered = sorted(members, key=lambda b: (b.title.casefold(), b.id))
        groups.append(BadgeGroup(category, tuple(sorted(skills.values(), key=str.casefold)), tuple(ordered)))
    return sorted(groups, key=lambda g: (g.category == OTHER, g.category.casefold()))


def status_note(badge: Badge, now: datetime) -> str:
    """A short marker for a badge that does not count at ``now``; empty when it does."""
    if badge.self_reported:
        return "self-reported"
    if badge.status is Status.VALID:
        return "" if badge.counts_at(now) else "expired"
    if badge.status is Status.UNVERIFIABLE:
        return "unverified"
    return badge.status.value.lower().replace("_", " ")


def choice_label(badge: Badge, now: datetime) -> str:
    parts = [badge.title]
    if badge.issuer_name:
        parts.append(badge.issuer_name)
    note = status_note(badge, now)
    label = " · ".join(parts) + (f" ({note})" if note else "")
    return clip(" ".join(label.split()), CHOICE_LABEL)


def choices(badges: Iterable[Badge], typed: str, now: datetime) -> list[tuple[int, str]]:
    """Autocomplete over a member's badges: those whose label contains ``typed``, newest first."""
    needle = typed.strip().casefold()
    found = []
    for badge in sorted(badges, key=lambda b: (b.added_at, b.id), reverse=True):
        label = choice_label(badge, now)
        if needle in label.casefold() or needle == str(badge.id):
            found.append((badge.id, label))
            if len(found) >= MAX_CHOICES:
                break
    return found
