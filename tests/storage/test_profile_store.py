"""Profiles on a real database: one transaction per save, deletion cascades."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.db import Database
from bot.errors import InvalidInput
from bot.profiles import ProfileOptions, ProfileService, ProfileText
from bot.skills import SkillCatalog

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.fixture
async def service(db_path: Path):  # type: ignore[no-untyped-def]
    db = await Database.open(db_path)
    await db.migrate()
    yield ProfileService(db, SkillCatalog.bundled(), lambda: NOW)
    await db.close()


async def test_save_and_load_round_trip(service: ProfileService) -> None:
    saved = await service.save(
        1,
        2,
        ProfileText(headline="Hi", skills="k8s, js, k8s", languages="English"),
        ProfileOptions(timezone="Europe/Berlin", emails=("a@example.com",)),
    )
    assert [s.name for s in saved.skills] == ["Kubernetes", "JavaScript"]
    assert saved.emails == ("a@example.com",)
    assert await service.get(1, 2) == saved
    assert await service.get(99, 2) is None  # profiles are per guild


async def test_a_refused_save_writes_nothing(service: ProfileService) -> None:
    await service.save(1, 2, ProfileText(headline="First"), ProfileOptions())
    with pytest.raises(InvalidInput):
        await service.save(1, 2, ProfileText(headline="Second"), ProfileOptions(rate_min=5))
    profile = await service.get(1, 2)
    assert profile is not None and profile.headline == "First"


async def test_options_left_out_keep_their_stored_values(service: ProfileService) -> None:
    await service.save(1, 2, ProfileText(), ProfileOptions(timezone="Asia/Tokyo", emails=("a@example.com",)))
    again = await service.save(1, 2, ProfileText(headline="New"), ProfileOptions(weekly_hours=10))
    assert again.timezone == "Asia/Tokyo" and again.emails == ("a@example.com",) and again.weekly_hours == 10


async def test_delete_removes_every_row_about_the_member(service: ProfileService, db_path: Path) -> None:
    await service.save(
        1, 2, ProfileText(skills="python", languages="English"), ProfileOptions(emails=("a@example.com",))
    )
    await service.save(1, 3, ProfileText(skills="python"), ProfileOptions())
    assert await service.delete(1, 2) is True
    assert await service.delete(1, 2) is False
    raw = sqlite3.connect(db_path)
    try:
        for table in ("members", "profiles", "profile_skills", "profile_languages", "profile_emails"):
            (count,) = raw.execute(f"SELECT count(*) FROM {table} WHERE user_id = 2").fetchone()
            assert count == 0, table
        (others,) = raw.execute("SELECT count(*) FROM profile_skills WHERE user_id = 3").fetchone()
        assert others == 1
    finally:
        raw.close()
    assert (await service.export(1, 2))["profile"] is None


async def test_the_directory_flag_is_off_until_chosen_and_kept_by_later_edits(
    service: ProfileService,
) -> None:
    first = await service.save(1, 2, ProfileText(headline="Hi"), ProfileOptions())
    assert first.directory is False
    listed = await service.save(1, 2, ProfileText(headline="Hi"), ProfileOptions(directory=True))
    assert listed.directory is True
    kept = await service.save(1, 2, ProfileText(headline="Still here"), ProfileOptions(timezone="Asia/Tokyo"))
    assert kept.directory is True
    assert (await service.export(1, 2))["profile"]["directory"] is True
    unlisted = await service.save(1, 2, ProfileText(), ProfileOptions(directory=False))
    assert unlisted.directory is False
