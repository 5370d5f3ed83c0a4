"""Member profiles: view, edit, export and delete, one guild at a time."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict
from datetime import datetime
from typing import Any

from bot.db import Database
from bot.profiles import store
from bot.profiles.model import Profile, ProfileOptions, ProfileText, validate_options, validate_text
from bot.skills import SkillCatalog

EXPORT_FORMAT = "credcord-member-export/1"

# Another feature's part of a member's data export: (guild id, user id) -> JSON-ready values.
MemberData = Callable[[int, int], Awaitable[dict[str, Any]]]


class ProfileService:
    def __init__(
        self,
        database: Database,
        catalog: SkillCatalog,
        clock: Callable[[], datetime],
        *,
        member_data: Mapping[str, MemberData] | None = None,
    ) -> None:
        """``member_data``: features whose data about a member joins the export under their name.

        Their rows hang off ``members`` with ON DELETE CASCADE, so ``delete`` removes them too.
        """
        self._db = database
        self._catalog = catalog
        self._clock = clock
        self._member_data = dict(member_data or {})

    async def get(self, guild_id: int, user_id: int) -> Profile | None:
        async with self._db.snapshot() as conn:
            return await store.load(conn, guild_id, user_id, self._catalog)

    async def prepare_edit(
        self, guild_id: int, user_id: int, options: ProfileOptions
    ) -> tuple[ProfileOptions, Profile | None]:
        """Validate slash options before the form opens, so typing is never wasted.

        Returns the checked options and the stored profile to prefill the form.
        """
        current = await self.get(guild_id, user_id)
        return validate_options(options, current), current

    async def save(self, guild_id: int, user_id: int, text: ProfileText, options: ProfileOptions) -> Profile:
        """Validate everything, then write it in one transaction (all or nothing)."""
        clean = validate_text(text, self._catalog)
        now = self._clock()
        async with self._db.unit_of_work() as conn:
            current = await store.load(conn, guild_id, user_id, self._catalog)
            checked = validate_options(options, current)
            await store.save(conn, guild_id, user_id, clean, checked, current, now)
            saved = await store.load(conn, guild_id, user_id, self._catalog)
        assert saved is not None
        return saved

    async def export(self, guild_id: int, user_id: int) -> dict[str, Any]:
        """Everything stored about the member in this guild, as JSON-ready data."""
        profile = await self.get(guild_id, user_id)
        data: dict[str, Any] = {
            "format": EXPORT_FORMAT,
            "guild_id": str(guild_id),
            "user_id": str(user_id),
            "exported_at": self._clock().isoformat(),
            "profile": None,
        }
        if profile is not None:
            fields = asdict(profile)
            for key in ("guild_id", "user_id"):
                fields.pop(key)
            fields["updated_at"] = profile.updated_at.isoformat()
            fields["skills"] = [
                {"name": s.name, "recognised": s.known, "category": s.category} for s in profile.skills
            ]
            fields["languages"] = list(profile.languages)
            fields["emails"] = list(profile.emails)
            data["profile"] = fields
        for name, export in self._member_data.items():
            data[name] = await export(guild_id, user_id)
        return data

    async def delete(self, guild_id: int, user_id: int) -> bool:
        """Remove every row about the member in this guild; False if there was none."""
        async with self._db.unit_of_work() as conn:
            return await store.delete_member(conn, guild_id, user_id)
