"""Skill mapping and discovery: role gap analysis, the member directory search and the weekly digest."""

from bot.discovery.catalog import Catalog, CatalogError, load_catalog
from bot.discovery.model import (
    Digest,
    DigestPost,
    DigestPreview,
    DigestSettings,
    FindOutcome,
    FindRequest,
    RoleMember,
    RoleMembers,
    SkillMap,
)
from bot.discovery.service import DiscoveryService, MentorshipActivity

__all__ = [
    "Catalog",
    "CatalogError",
    "Digest",
    "DigestPost",
    "DigestPreview",
    "DigestSettings",
    "DiscoveryService",
    "FindOutcome",
    "FindRequest",
    "MentorshipActivity",
    "RoleMember",
    "RoleMembers",
    "SkillMap",
    "load_catalog",
]
