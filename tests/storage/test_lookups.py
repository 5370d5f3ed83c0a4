"""Verification lookups: whose emails are checked, cooldowns, and the cap on lookups in flight."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.db import Database
from bot.errors import InvalidInput, RateLimited
from bot.lookups import LookupService
from bot.profiles import ProfileOptions, ProfileService, ProfileText
from bot.skills import SkillCatalog
from bot.verification.verdict import Status, Verdict


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 22, 12, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class GatedVerifier:
    """Records what it was asked and holds every verification until released."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, tuple[str, ...]]] = []
        self.release = asyncio.Event()

    async def verify(
        self,
        source: str | bytes | Mapping[str, Any],
        *,
        emails: Sequence[str] = (),
        now: datetime | None = None,
    ) -> Verdict:
        self.calls.append((source, tuple(emails)))
        await self.release.wait()
        return Verdict(Status.VALID, "ob2-hosted", "verified", "ok", (), None, None, None)


@pytest.fixture
async def parts(db_path: Path) -> AsyncIterator[tuple[LookupService, ProfileService, GatedVerifier, Clock]]:
    db = await Database.open(db_path)
    await db.migrate()
    clock = Clock()
    profiles = ProfileService(db, SkillCatalog.bundled(), clock)
    verifier = GatedVerifier()
    service = LookupService(
        verifier,  # type: ignore[arg-type]
        profiles,
        cooldown=timedelta(seconds=30),
        max_in_flight=2,
        clock=clock,
    )
    yield service, profiles, verifier, clock
    await db.close()


async def test_saved_emails_are_used_unless_one_is_given(parts: Any) -> None:
    service, profiles, _, _ = parts
    await profiles.save(1, 2, ProfileText(), ProfileOptions(emails=("a@example.org", "b@example.org")))
    assert await service.reserve(1, 2, None) == ("a@example.org", "b@example.org")
    assert await service.reserve(1, 3, " c@example.org ") == ("c@example.org",)
    assert await service.reserve(1, 4, None) == ()


async def test_a_bad_email_is_refused_without_using_the_cooldown(parts: Any) -> None:
    service, *_ = parts
    with pytest.raises(InvalidInput, match="emails"):
        await service.reserve(1, 2, "not-an-email")
    assert await service.reserve(1, 2, None) == ()


async def test_cooldown_is_per_member_and_expires(parts: Any) -> None:
    service, _, _, clock = parts
    await service.reserve(1, 2, None)
    clock.now += timedelta(seconds=10)
    with pytest.raises(RateLimited, match="again in 20 s"):
        await service.reserve(1, 2, None)
    await service.reserve(1, 3, None)
    await service.reserve(2, 2, None)  # another guild
    clock.now += timedelta(seconds=21)
    await service.reserve(1, 2, None)


async def test_only_so_many_lookups_run_at_once(parts: Any) -> None:
    service, _, verifier, _ = parts
    running = [asyncio.ensure_future(service.verify(f"https://x.example/{i}", ())) for i in range(2)]
    await asyncio.sleep(0)
    with pytest.raises(RateLimited, match="Too many verifications"):
        await service.reserve(1, 9, None)
    verifier.release.set()
    verdicts = await asyncio.gather(*running)
    assert [v.status for v in verdicts] == [Status.VALID, Status.VALID]
    await service.reserve(1, 9, None)
