"""Badges in the showcase, and the values the showcase rules work with.

A badge *counts* (toward skill roles, stacks and the ✓ beside a profile skill) only while it is
verified: status ``VALID``, not self-reported, and not past its expiry date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.errors import DomainError
from bot.skills import SkillCatalog, SkillMatch
from bot.text import UNTITLED_BADGE
from bot.verification.verdict import Status, Verdict

MAX_BADGES_PER_MEMBER = 200
MAX_SKILLS_PER_BADGE = 30
# Issuers write long alignment names; longer ones are noise rather than skills.
MAX_BADGE_SKILL_LENGTH = 100


class BadgeRefused(DomainError):
    """The guild's policy does not accept this badge; ``verdict`` says what verification found."""

    def __init__(self, message: str, verdict: Verdict) -> None:
        super().__init__(message)
        self.verdict = verdict


def skill_key(name: str) -> str:
    """How skills are compared: case and spacing do not matter."""
    return " ".join(name.split()).casefold()


def badge_skills(written: Sequence[str], catalog: SkillCatalog) -> tuple[SkillMatch, ...]:
    """An issuer's skills and tags resolved against the curated list, without repeats."""
    found: dict[str, SkillMatch] = {}
    for text in written:
        if not text.strip() or len(text) > MAX_BADGE_SKILL_LENGTH:
            continue
        match = catalog.normalise(text)
        found.setdefault(skill_key(match.name), match)
        if len(found) >= MAX_SKILLS_PER_BADGE:
            break
    return tuple(found.values())


@dataclass(frozen=True, slots=True)
class ShowcaseMessage:
    channel_id: int
    message_id: int


@dataclass(frozen=True, slots=True)
class Badge:
    id: int
    guild_id: int
    user_id: int
    source: str  # the URL the member gave, or "image"
    credential_id: str
    status: Status
    format: str | None
    reason: str  # the verdict's machine code behind ``status``
    message: str  # the verdict's sentence behind ``status``
    name: str | None
    issuer_name: str | None
    issuer_url: str | None
    issuer_host: str | None
    image_url: str | None
    skills: tuple[SkillMatch, ...]
    issued_at: datetime | None
    expires_at: datetime | None
    self_reported: bool
    added_at: datetime
    last_checked_at: datetime
    first_failed_at: datetime | None
    showcase: ShowcaseMessage | None
    congratulations: int

    @property
    def title(self) -> str:
        return self.name or UNTITLED_BADGE

    def counts_at(self, now: datetime) -> bool:
        """Whether the badge is verified at ``now`` and so supports roles and stacks."""
        return (
            self.status is Status.VALID
            and not self.self_reported
            and (self.expires_at is None or self.expires_at > now)
        )


@dataclass(frozen=True, slots=True)
class ShowcaseSettings:
    guild_id: int
    channel_id: int | None = None
    require_recipient_match: bool = True
    accept_unverifiable: bool = False


@dataclass(frozen=True, slots=True)
class SkillRole:
    """A verified skill grants a role."""

    guild_id: int
    skill: SkillMatch
    role_id: int


@dataclass(frozen=True, slots=True)
class Stack:
    """A pathway: verified badges covering ``need`` of ``skills`` (all when None) earn ``role_id``."""

    id: int
    guild_id: int
    name: str
    skills: tuple[SkillMatch, ...]
    need: int | None
    role_id: int
    description: str | None

    @property
    def required(self) -> int:
        return len(self.skills) if self.need is None else self.need


@dataclass(frozen=True, slots=True)
class StackProgress:
    stack: Stack
    have: tuple[str, ...]  # the stack's skills the member holds, in the stack's order
    missing: tuple[str, ...]

    @property
    def need(self) -> int:
        return self.stack.required

    @property
    def complete(self) -> bool:
        return len(self.have) >= self.need


@dataclass(frozen=True, slots=True)
class RoleDelta:
    """How a member's credcord roles must change; ``completed_stacks`` are new, to celebrate once."""

    add: frozenset[int] = frozenset()
    remove: frozenset[int] = frozenset()
    completed_stacks: tuple[Stack, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.add or self.remove or self.completed_stacks)


@dataclass(frozen=True, slots=True)
class MemberRoles:
    user_id: int
    delta: RoleDelta


@dataclass(frozen=True, slots=True)
class AddResult:
    badge: Badge
    created: bool  # False: the member's stored copy of this credential was updated
    verdict: Verdict
    roles: RoleDelta
    showcase_channel_id: int | None  # where to post; None: the guild has no showcase channel


@dataclass(frozen=True, slots=True)
class RemoveResult:
    badge: Badge
    roles: RoleDelta

    @property
    def showcase(self) -> ShowcaseMessage | None:
        return self.badge.showcase


@dataclass(frozen=True, slots=True)
class StatusChange:
    """A stored badge changed status: edit its post, tell its owner, apply the role change."""

    badge: Badge  # as stored after the change
    old_status: Status
    new_status: Status
    message: str  # why, in one sentence for the owner
    roles: RoleDelta

    @property
    def showcase(self) -> ShowcaseMessage | None:
        return self.badge.showcase

    @property
    def owner_id(self) -> int:
        return self.badge.user_id


@dataclass(frozen=True, slots=True)
class RefreshResult:
    badge: Badge
    verdict: Verdict
    change: StatusChange | None  # None: the status stayed as it was


@dataclass(frozen=True, slots=True)
class Congratulated:
    count: int
    added: bool  # False: this member had already congratulated the badge


@dataclass(frozen=True, slots=True)
class MemberCleanup:
    """What to undo in Discord after a member's showcase data was deleted."""

    showcase_posts: tuple[ShowcaseMessage, ...]
    remove_roles: frozenset[int]
