"""Credential verification lookups for members: whose emails to check, and how often.

The verifier itself is pure; this service adds the community rules around it:
a member's saved badge emails are used unless they name one, each member waits
a cooldown between lookups, and only so many lookups run at once so a crowd
cannot turn the bot into a fetch cannon.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from bot.errors import RateLimited
from bot.profiles import ProfileService
from bot.profiles.model import validate_emails
from bot.verification.verdict import Verdict
from bot.verification.verifier import Verifier

# Remembered cooldowns are pruned past this many entries, so the map stays small.
_MAX_REMEMBERED = 10_000


class LookupService:
    def __init__(
        self,
        verifier: Verifier,
        profiles: ProfileService,
        *,
        cooldown: timedelta,
        max_in_flight: int,
        clock: Callable[[], datetime],
    ) -> None:
        self._verifier = verifier
        self._profiles = profiles
        self._cooldown = cooldown
        self._max_in_flight = max_in_flight
        self._clock = clock
        self._last: dict[tuple[int, int], datetime] = {}
        self._in_flight = 0

    async def reserve(self, guild_id: int, user_id: int, email: str | None) -> tuple[str, ...]:
        """Claim a lookup for the member now and return the emails to check.

        Refuses a bad ``email``, a member still cooling down, or a full house,
        before any slow work starts. Without ``email`` the saved ones are used.
        """
        emails = validate_emails([email.strip()]) if email is not None else None
        now = self._clock()
        key = (guild_id, user_id)
        last = self._last.get(key)
        if last is not None and now - last < self._cooldown:
            wait = (self._cooldown - (now - last)).total_seconds()
            raise RateLimited(f"You can verify again in {max(1, round(wait))} s.")
        if self._in_flight >= self._max_in_flight:
            raise RateLimited("Too many verifications are running right now; try again in a minute.")
        if len(self._last) >= _MAX_REMEMBERED:
            self._last = {k: t for k, t in self._last.items() if now - t < self._cooldown}
        self._last[key] = now
        return emails if emails is not None else await self.saved_emails(guild_id, user_id)

    async def saved_emails(self, guild_id: int, user_id: int) -> tuple[str, ...]:
        """The emails the member saved with ``/profile edit``, for recipient checks."""
        profile = await self._profiles.get(guild_id, user_id)
        return profile.emails if profile is not None else ()

    async def verify(self, source: str | bytes | Mapping[str, Any], emails: tuple[str, ...]) -> Verdict:
        self._in_flight += 1
        try:
            return await self._verifier.verify(source, emails=emails)
        finally:
            self._in_flight -= 1
