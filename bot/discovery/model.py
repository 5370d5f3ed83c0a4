"""The values the discovery service hands to the cogs (the pure core's own values live beside it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.discovery.catalog import Role
from bot.discovery.coverage import RoleCoverage, Suggestion
from bot.discovery.digest import DigestSchedule, DigestSection
from bot.discovery.search import FindQuery, FindResult

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True, slots=True)
class SkillMap:
    """A member's coverage of a role and the credentials that would close the gap."""

    coverage: RoleCoverage
    suggestions: tuple[Suggestion, ...]


@dataclass(frozen=True, slots=True)
class FindRequest:
    """``/find`` as typed: skill names as written, the rest as given (None: no preference)."""

    skills: tuple[str, ...]
    verified_only: bool = False
    timezone: str | None = None
    min_hours: int | None = None
    open_to_work: bool | None = None


@dataclass(frozen=True, slots=True)
class FindOutcome:
    query: FindQuery
    results: tuple[FindResult, ...]  # best first, at most ``MAX_RESULTS``
    matched: int  # directory members who matched at all, before the cut


@dataclass(frozen=True, slots=True)
class RoleMember:
    user_id: int
    percent: float


@dataclass(frozen=True, slots=True)
class RoleMembers:
    role: Role
    members: tuple[RoleMember, ...]  # directory members by coverage of the role, best first


@dataclass(frozen=True, slots=True)
class DigestSettings:
    guild_id: int
    channel_id: int
    schedule: DigestSchedule
    last_slot: datetime | None  # the latest slot claimed for posting
    posting: bool  # True while (or if a crash interrupted while) that slot's post was being sent

    @property
    def when(self) -> str:
        return f"{WEEKDAYS[self.schedule.day]}s at {self.schedule.hour:02d}:00 UTC"


@dataclass(frozen=True, slots=True)
class Digest:
    since: datetime
    until: datetime
    sections: tuple[DigestSection, ...]  # empty: a quiet week


@dataclass(frozen=True, slots=True)
class DigestPreview:
    settings: DigestSettings | None  # None: no weekly digest is scheduled
    digest: Digest


@dataclass(frozen=True, slots=True)
class DigestPost:
    """A digest due now, its slot already claimed; ``DiscoveryService.post_due`` sends it."""

    guild_id: int
    channel_id: int
    slot: datetime
    previous_slot: datetime | None
    digest: Digest
