"""The badge showcase on a real database: adding, claiming, removing, congratulating, roles and stacks."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.badges import BadgeRefused, BadgeService, MemberRoles, RoleDelta, ShowcaseAdmin, ShowcaseMessage
from bot.db import Database
from bot.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.lookups import LookupService
from bot.profiles import ProfileOptions, ProfileService, ProfileText
from bot.skills import SkillCatalog
from bot.verification.verdict import RecipientInfo, Status, Verdict
from tests.support.badges import Clock, verdict

GUILD = 10
ALICE, BOB = 1, 2
EMAIL = "alice@example.org"
BADGE_TABLES = ("badges", "badge_skills", "granted_roles", "stack_completions")


class FakeVerifier:
    """Answers with prepared verdicts, matching the recipient against the emails it is given."""

    def __init__(self) -> None:
        self.verdicts: dict[str, Verdict] = {}
        self.calls: list[tuple[str, tuple[str, ...]]] = []

    async def verify(
        self,
        source: str | bytes | Mapping[str, Any],
        *,
        emails: Sequence[str] = (),
        now: datetime | None = None,
    ) -> Verdict:
        assert isinstance(source, str)
        self.calls.append((source, tuple(emails)))
        verdict = self.verdicts[source]
        if verdict.status is not Status.VALID or not emails:
            return verdict
        if EMAIL not in emails:
            return replace(verdict, status=Status.INVALID, reason="recipient_mismatch")
        return replace(verdict, recipient=RecipientInfo("email", True, True))


@dataclass
class World:
    badges: BadgeService
    admin: ShowcaseAdmin
    profiles: ProfileService
    verifier: FakeVerifier
    clock: Clock
    db_path: Path

    def rows(self, table: str, user_id: int) -> int:
        raw = sqlite3.connect(self.db_path)
        try:
            if table == "badge_skills":
                sql = (
                    "SELECT count(*) FROM badge_skills s JOIN badges b ON b.id = s.badge_id"
                    " WHERE b.user_id = ?"
                )
            else:
                sql = f"SELECT count(*) FROM {table} WHERE user_id = ?"
            (count,) = raw.execute(sql, (user_id,)).fetchone()
            return int(count)
        finally:
            raw.close()


@pytest.fixture
async def world(db_path: Path) -> AsyncIterator[World]:
    db = await Database.open(db_path)
    await db.migrate()
    clock = Clock()
    catalog = SkillCatalog.bundled()
    profiles = ProfileService(db, catalog, clock)
    verifier = FakeVerifier()
    lookups = LookupService(
        verifier,  # type: ignore[arg-type]
        profiles,
        cooldown=timedelta(0),
        max_in_flight=4,
        clock=clock,
    )
    yield World(
        BadgeService(db, lookups, catalog, clock=clock),
        ShowcaseAdmin(db, catalog, clock=clock),
        profiles,
        verifier,
        clock,
        db_path,
    )
    await db.close()


def summary(changes: Sequence[MemberRoles]) -> dict[int, tuple[set[int], set[int]]]:
    return {c.user_id: (set(c.delta.add), set(c.delta.remove)) for c in changes}


async def add(world: World, user_id: int, url: str, *skills: str, name: str = "Badge") -> Any:
    world.verifier.verdicts[url] = verdict(url, *skills, name=name)
    return await world.badges.add(GUILD, user_id, url, email=EMAIL)


async def test_a_verified_badge_is_stored_with_canonical_skills(world: World) -> None:
    result = await add(world, ALICE, "https://academy.example/a/1", "sql", "Tableau", "Storytelling")
    badge = result.badge
    assert result.created and result.showcase_channel_id is None and not result.roles
    assert (badge.guild_id, badge.user_id, badge.status, badge.self_reported) == (
        GUILD,
        ALICE,
        Status.VALID,
        False,
    )
    assert [(s.name, s.category) for s in badge.skills] == [
        ("SQL", "Programming Languages"),
        ("Tableau", "Data"),
        ("Storytelling", None),
    ]
    assert world.verifier.calls == [("https://academy.example/a/1", (EMAIL,))]
    assert await world.badges.list_badges(GUILD, ALICE) == [badge]
    assert await world.badges.verified_skills(GUILD, ALICE) == {"SQL", "Tableau", "Storytelling"}
    assert await world.badges.list_badges(GUILD + 1, ALICE) == []


async def test_saved_profile_emails_are_used_when_none_is_given(world: World) -> None:
    await world.profiles.save(GUILD, ALICE, ProfileText(), ProfileOptions(emails=(EMAIL,)))
    world.verifier.verdicts["https://academy.example/a/1"] = verdict("https://academy.example/a/1")
    assert (await world.badges.add(GUILD, ALICE, "https://academy.example/a/1")).created


async def test_refused_badges_store_nothing(world: World) -> None:
    url = "https://academy.example/a/1"
    world.verifier.verdicts[url] = verdict(url)
    with pytest.raises(BadgeRefused, match="/profile edit emails:"):
        await world.badges.add(GUILD, ALICE, url)
    world.verifier.verdicts[url] = verdict(url, status=Status.REVOKED, reason="http_410")
    with pytest.raises(BadgeRefused, match="revoked"):
        await world.badges.add(GUILD, ALICE, url, email=EMAIL)
    with pytest.raises(InvalidInput):
        await world.badges.add(GUILD, ALICE, "javascript:alert(1)")
    assert world.rows("badges", ALICE) == 0 and world.rows("members", ALICE) == 0


async def test_adding_a_credential_again_updates_it_in_place(world: World) -> None:
    first = (await add(world, ALICE, "https://academy.example/a/1", "SQL", name="Old")).badge
    await world.badges.record_showcase_post(first.id, 500, 501)
    await world.badges.congratulate(GUILD, first.id, BOB)
    again = await add(world, ALICE, "https://academy.example/a/1", "Docker", name="New")
    assert not again.created and again.badge.id == first.id
    assert again.badge.name == "New" and [s.name for s in again.badge.skills] == ["Docker"]
    assert again.badge.showcase == ShowcaseMessage(500, 501) and again.badge.congratulations == 1
    assert world.rows("badges", ALICE) == 1


async def test_a_credential_claimed_by_another_member_is_refused(world: World) -> None:
    await add(world, ALICE, "https://academy.example/a/1", "SQL")
    with pytest.raises(Conflict, match="already claimed"):
        await add(world, BOB, "https://academy.example/a/1", "SQL")
    assert world.rows("badges", BOB) == 0
    # Another guild is another showcase: the same credential may be shown there.
    world.verifier.verdicts["https://academy.example/a/1"] = verdict("https://academy.example/a/1")
    assert (await world.badges.add(GUILD + 1, BOB, "https://academy.example/a/1", email=EMAIL)).created


async def test_self_reported_badges_are_stored_but_never_earn_roles(world: World) -> None:
    url = "https://provider.example/cert/9"
    world.verifier.verdicts[url] = verdict(
        url, "SQL", status=Status.UNVERIFIABLE, reason="not_cryptographically_verifiable"
    )
    await world.admin.set_skill_role(GUILD, "sql", 801)
    with pytest.raises(BadgeRefused, match="self-reported"):
        await world.badges.add(GUILD, ALICE, url)
    await world.admin.set_policy(GUILD, accept_unverifiable=True)
    result = await world.badges.add(GUILD, ALICE, url)
    assert result.badge.self_reported and result.badge.status is Status.UNVERIFIABLE
    assert result.roles == RoleDelta()
    assert await world.badges.verified_skills(GUILD, ALICE) == frozenset()


async def test_remove_returns_the_post_and_the_roles_to_take_back(world: World) -> None:
    await world.admin.set_skill_role(GUILD, "SQL", 801)
    added = await add(world, ALICE, "https://academy.example/a/1", "SQL")
    assert added.roles.add == {801}
    await world.badges.record_showcase_post(added.badge.id, 500, 501)
    with pytest.raises(NotFound):
        await world.badges.remove(GUILD, BOB, added.badge.id)
    removed = await world.badges.remove(GUILD, ALICE, added.badge.id)
    assert removed.showcase == ShowcaseMessage(500, 501) and removed.roles.remove == {801}
    assert await world.badges.list_badges(GUILD, ALICE) == []
    with pytest.raises(NotFound):
        await world.badges.remove(GUILD, ALICE, added.badge.id)


async def test_a_role_supported_by_two_badges_stays_until_both_are_gone(world: World) -> None:
    await world.admin.set_skill_role(GUILD, "SQL", 801)
    first = await add(world, ALICE, "https://academy.example/a/1", "SQL")
    second = await add(world, ALICE, "https://academy.example/a/2", "sql")
    assert first.roles.add == {801} and not second.roles
    assert not (await world.badges.remove(GUILD, ALICE, first.badge.id)).roles
    assert (await world.badges.remove(GUILD, ALICE, second.badge.id)).roles.remove == {801}


async def test_a_stack_grants_its_role_and_is_celebrated_once(world: World) -> None:
    stack, changes = await world.admin.create_stack(GUILD, "Data Analyst", "SQL, Tableau, Docker", 2, 901)
    assert changes == () and stack.need == 2
    await add(world, ALICE, "https://academy.example/a/1", "SQL")
    [progress] = await world.badges.stack_progress(GUILD, ALICE)
    assert progress.have == ("SQL",) and progress.missing == ("Tableau", "Docker") and not progress.complete
    done = await add(world, ALICE, "https://academy.example/a/2", "Tableau")
    assert done.roles.add == {901} and done.roles.completed_stacks == (stack,)
    lost = await world.badges.remove(GUILD, ALICE, done.badge.id)
    assert lost.roles.remove == {901} and lost.roles.completed_stacks == ()
    regained = await add(world, ALICE, "https://academy.example/a/3", "Docker")
    assert regained.roles.add == {901} and regained.roles.completed_stacks == ()


async def test_a_stack_needing_all_skills(world: World) -> None:
    await world.admin.create_stack(GUILD, "Ops", "Docker, Kubernetes", None, 902)
    assert not (await add(world, ALICE, "https://academy.example/a/1", "docker")).roles
    assert (await add(world, ALICE, "https://academy.example/a/2", "k8s")).roles.add == {902}


async def test_admin_changes_apply_to_existing_badges_without_celebrating(world: World) -> None:
    await add(world, ALICE, "https://academy.example/a/1", "SQL", "Tableau")
    await add(world, BOB, "https://academy.example/b/1", "Docker")
    _, changes = await world.admin.create_stack(GUILD, "Data", "SQL, Tableau", None, 901)
    assert [(c.user_id, c.delta) for c in changes] == [(ALICE, RoleDelta(add=frozenset({901})))]
    mapping, changes = await world.admin.set_skill_role(GUILD, "docker", 803)
    assert mapping.skill.name == "Docker" and summary(changes) == {BOB: ({803}, set())}
    with pytest.raises(Conflict):
        await world.admin.create_stack(GUILD, "data", "SQL", None, 1)
    changes = await world.admin.delete_stack(GUILD, "DATA")
    assert summary(changes) == {ALICE: (set(), {901})}
    assert summary(await world.admin.remove_skill_role(GUILD, "Docker")) == {BOB: (set(), {803})}
    with pytest.raises(NotFound):
        await world.admin.delete_stack(GUILD, "Data")
    assert await world.admin.stacks(GUILD) == [] and await world.admin.skill_roles(GUILD) == []


async def test_roles_discord_refused_are_retried_by_the_next_change(world: World) -> None:
    await world.admin.set_skill_role(GUILD, "SQL", 801)
    await add(world, ALICE, "https://academy.example/a/1", "SQL")
    await world.badges.roles_not_applied(GUILD, ALICE, add=[801])
    _, changes = await world.admin.set_skill_role(GUILD, "Docker", 803)
    assert summary(changes) == {ALICE: ({801}, set())}


async def test_settings_have_safe_defaults_and_change_one_option_at_a_time(world: World) -> None:
    settings = await world.admin.settings(GUILD)
    assert (settings.channel_id, settings.require_recipient_match, settings.accept_unverifiable) == (
        None,
        True,
        False,
    )
    await world.admin.set_showcase_channel(GUILD, 700)
    updated = await world.admin.set_policy(GUILD, require_recipient_match=False)
    assert (updated.channel_id, updated.require_recipient_match, updated.accept_unverifiable) == (
        700,
        False,
        False,
    )
    world.verifier.verdicts["https://academy.example/a/1"] = verdict("https://academy.example/a/1")
    assert (await world.badges.add(GUILD, ALICE, "https://academy.example/a/1")).showcase_channel_id == 700
    assert (await world.admin.settings(GUILD + 1)).channel_id is None


async def test_congratulations_count_once_per_member_and_not_from_the_owner(world: World) -> None:
    badge = (await add(world, ALICE, "https://academy.example/a/1")).badge
    first = await world.badges.congratulate(GUILD, badge.id, BOB)
    again = await world.badges.congratulate(GUILD, badge.id, BOB)
    third = await world.badges.congratulate(GUILD, badge.id, 3)
    assert (first.count, first.added, again.count, again.added, third.count) == (1, True, 1, False, 2)
    with pytest.raises(NotAllowed):
        await world.badges.congratulate(GUILD, badge.id, ALICE)
    with pytest.raises(NotFound):
        await world.badges.congratulate(GUILD + 1, badge.id, BOB)
    assert (await world.badges.list_badges(GUILD, ALICE))[0].congratulations == 2
    stored = await world.badges.get(GUILD, badge.id)
    assert stored is not None and stored.congratulations == 2
    assert await world.badges.get(GUILD + 1, badge.id) is None


async def test_a_post_deleted_by_a_moderator_is_forgotten(world: World) -> None:
    badge = (await add(world, ALICE, "https://academy.example/a/1")).badge
    await world.badges.record_showcase_post(badge.id, 500, 501)
    await world.badges.forget_showcase_post(badge.id)
    assert (await world.badges.remove(GUILD, ALICE, badge.id)).showcase is None


async def test_refresh_applies_what_the_issuer_says_now(world: World) -> None:
    await world.admin.set_skill_role(GUILD, "SQL", 801)
    url = "https://academy.example/a/1"
    badge = (await add(world, ALICE, url, "SQL")).badge
    world.verifier.verdicts[url] = verdict(url, status=Status.UNVERIFIABLE, reason="timeout")
    calm = await world.badges.refresh(GUILD, ALICE, badge.id)
    assert (
        calm.change is None
        and calm.badge.status is Status.VALID
        and calm.badge.first_failed_at == world.clock.now
    )
    world.verifier.verdicts[url] = verdict(url, status=Status.REVOKED, reason="http_410")
    revoked = await world.badges.refresh(GUILD, ALICE, badge.id)
    assert revoked.change is not None and revoked.change.new_status is Status.REVOKED
    assert revoked.change.roles.remove == {801} and revoked.verdict.reason == "http_410"
    assert world.verifier.calls[-1] == (url, ())  # the recipient was bound when the badge was added
    with pytest.raises(NotFound):
        await world.badges.refresh(GUILD, BOB, badge.id)


async def test_a_badge_past_its_expiry_date_stops_counting(world: World) -> None:
    url = "https://academy.example/a/1"
    world.verifier.verdicts[url] = verdict(url, "SQL", name="B", expires=world.clock.now + timedelta(days=1))
    await world.badges.add(GUILD, ALICE, url, email=EMAIL)
    assert await world.badges.verified_skills(GUILD, ALICE) == {"SQL"}
    world.clock.now += timedelta(days=2)
    assert await world.badges.verified_skills(GUILD, ALICE) == frozenset()
    assert [label for _, label in await world.badges.autocomplete(GUILD, ALICE, "")] == [
        "B · Academy (expired)"
    ]


async def test_listing_groups_exports_and_autocompletes(world: World) -> None:
    await add(world, ALICE, "https://academy.example/a/1", "Tableau", name="Tableau Desktop")
    await add(world, ALICE, "https://academy.example/a/2", "Docker", name="Docker Basics")
    groups = await world.badges.grouped(GUILD, ALICE)
    assert [g.label for g in groups] == ["Data: Tableau", "DevOps & Infrastructure: Docker"]
    assert [label for _, label in await world.badges.autocomplete(GUILD, ALICE, "dock")] == [
        "Docker Basics · Academy"
    ]
    exported = await world.badges.export(GUILD, ALICE)
    assert [b["credential_id"] for b in exported["badges"]] == [
        "https://academy.example/a/1",
        "https://academy.example/a/2",
    ]
    assert exported["badges"][0]["verdict"]["status"] == "VALID"


async def test_deleting_the_member_removes_every_badge_row(world: World) -> None:
    await world.admin.set_skill_role(GUILD, "SQL", 801)
    await world.admin.create_stack(GUILD, "S", "SQL", None, 901)
    mine = (await add(world, ALICE, "https://academy.example/a/1", "SQL")).badge
    theirs = (await add(world, BOB, "https://academy.example/b/1", "SQL")).badge
    await world.badges.congratulate(GUILD, mine.id, BOB)
    await world.badges.congratulate(GUILD, theirs.id, ALICE)
    assert all(world.rows(table, ALICE) for table in BADGE_TABLES)
    assert await world.profiles.delete(GUILD, ALICE)  # the profile delete: DELETE FROM members
    assert [world.rows(table, ALICE) for table in BADGE_TABLES] == [0, 0, 0, 0]
    assert world.rows("badges", BOB) == 1


async def test_forget_member_names_what_to_undo_in_discord(world: World) -> None:
    await world.admin.set_skill_role(GUILD, "SQL", 801)
    mine = (await add(world, ALICE, "https://academy.example/a/1", "SQL")).badge
    theirs = (await add(world, BOB, "https://academy.example/b/1", "SQL")).badge
    await world.badges.record_showcase_post(mine.id, 500, 501)
    await world.badges.congratulate(GUILD, theirs.id, ALICE)
    cleanup = await world.badges.forget_member(GUILD, ALICE)
    assert cleanup.showcase_posts == (ShowcaseMessage(500, 501),) and cleanup.remove_roles == {801}
    assert [world.rows(table, ALICE) for table in (*BADGE_TABLES, "congratulations")] == [0, 0, 0, 0, 0]
    assert (await world.badges.list_badges(GUILD, BOB))[0].congratulations == 0
