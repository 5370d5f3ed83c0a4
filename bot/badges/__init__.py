"""The badge showcase: verified badges per member and guild, skill roles, stacks and re-verification."""

from bot.badges.listing import BadgeGroup
from bot.badges.model import (
    AddResult,
    Badge,
    BadgeRefused,
    Congratulated,
    MemberCleanup,
    MemberRoles,
    RefreshResult,
    RemoveResult,
    RoleDelta,
    ShowcaseMessage,
    ShowcaseSettings,
    SkillRole,
    Stack,
    StackProgress,
    StatusChange,
)
from bot.badges.reverify import Reverifier
from bot.badges.service import BadgeService
from bot.badges.settings import ShowcaseAdmin
from bot.badges.stacks import progress_bar

__all__ = [
    "AddResult",
    "Badge",
    "BadgeGroup",
    "BadgeRefused",
    "BadgeService",
    "Congratulated",
    "MemberCleanup",
    "MemberRoles",
    "RefreshResult",
    "RemoveResult",
    "Reverifier",
    "RoleDelta",
    "ShowcaseAdmin",
    "ShowcaseMessage",
    "ShowcaseSettings",
    "SkillRole",
    "Stack",
    "StackProgress",
    "StatusChange",
    "progress_bar",
]
