"""The database layer on real SQLite files."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.db import Database, Migration, backup, bundled_migrations
from bot.errors import DatabaseError, DatabaseTooNew, MigrationError


async def _scalar(db: Database, sql: str) -> object:
    async with db.snapshot() as conn, conn.execute(sql) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return row[0]


async def test_migrations_apply_from_empty_with_durable_pragmas(db_path: Path) -> None:
    db = await Database.open(db_path)
    try:
        applied = await db.migrate()
        assert [m.version for m in applied] == [m.version for m in bundled_migrations()]
        assert await db.schema_version() == bundled_migrations()[-1].version
        assert await _scalar(db, "PRAGMA journal_mode") == "wal"
        assert await _scalar(db, "PRAGMA foreign_keys") == 1
        assert await _scalar(db, "PRAGMA synchronous") == 2  # FULL
        assert await _scalar(db, "PRAGMA secure_delete") == 1
        assert await db.migrate() == []  # idempotent
    finally:
        await db.close()


async def test_a_failed_migration_leaves_the_database_exactly_as_before(db_path: Path) -> None:
    migrations = [
        Migration(1, "0001_one.sql", "CREATE TABLE one (x INTEGER);"),
        Migration(
            2, "0002_two.sql", "CREATE TABLE two (x INTEGER); INSERT INTO one VALUES (1); SELECT nonsense("
        ),
    ]
    db = await Database.open(db_path)
    try:
        with pytest.raises(MigrationError, match=r"0002_two\.sql failed and was rolled back"):
            await db.migrate(migrations)
        assert await db.schema_version() == 1
        assert await _scalar(db, "SELECT count(*) FROM one") == 0
        assert await _scalar(db, "SELECT count(*) FROM sqlite_master WHERE name = 'two'") == 0
    finally:
        await db.close()


async def test_a_database_from_a_newer_credcord_is_refused(db_path: Path) -> None:
    raw = sqlite3.connect(db_path)
    raw.execute("PRAGMA user_version = 999")
    raw.close()
    db = await Database.open(db_path)
    try:
        with pytest.raises(DatabaseTooNew, match="schema version 999"):
            await db.migrate()
    finally:
        await db.close()


def test_migration_files_must_be_numbered_in_sequence_without_transactions() -> None:
    from bot.db import check_sequence

    with pytest.raises(MigrationError, match="out of sequence"):
        check_sequence([Migration(2, "0002_x.sql", "SELECT 1;")])
    with pytest.raises(MigrationError, match="transaction statements"):
        check_sequence([Migration(1, "0001_x.sql", "BEGIN;\nCREATE TABLE t (x);\nCOMMIT;")])


async def test_units_of_work_never_see_or_undo_each_other(db_path: Path) -> None:
    db = await Database.open(db_path)
    await db.migrate([Migration(1, "0001_t.sql", "CREATE TABLE t (x INTEGER);")])
    inside = asyncio.Event()
    release = asyncio.Event()

    async def failing_writer() -> None:
        with pytest.raises(RuntimeError):
            async with db.unit_of_work() as conn:
                await conn.execute("INSERT INTO t VALUES (1)")
                inside.set()
                await release.wait()
                raise RuntimeError("boom")

    async def good_writer() -> None:
        await inside.wait()
        async with db.unit_of_work() as conn:
            await conn.execute("INSERT INTO t VALUES (2)")

    async def reader() -> list[int]:
        await inside.wait()
        async with db.snapshot() as conn, conn.execute("SELECT x FROM t ORDER BY x") as cursor:
            return [row[0] for row in await cursor.fetchall()]

    try:
        tasks = [
            asyncio.ensure_future(failing_writer()),
            asyncio.ensure_future(good_writer()),
            asyncio.ensure_future(reader()),
        ]
        await inside.wait()
        release.set()
        _, _, seen = await asyncio.gather(*tasks)
        assert 1 not in seen  # the uncommitted row of another coroutine is never visible
        assert await _scalar(db, "SELECT group_concat(x) FROM t") == "2"
    finally:
        await db.close()


async def test_close_waits_for_the_unit_of_work_in_flight(db_path: Path) -> None:
    db = await Database.open(db_path)
    await db.migrate([Migration(1, "0001_t.sql", "CREATE TABLE t (x INTEGER);")])
    started = asyncio.Event()

    async def writer() -> None:
        async with db.unit_of_work() as conn:
            started.set()
            for i in range(50):
                await conn.execute("INSERT INTO t VALUES (?)", (i,))

    task = asyncio.ensure_future(writer())
    await started.wait()
    await db.close()
    await task
    raw = sqlite3.connect(db_path)
    assert raw.execute("SELECT count(*) FROM t").fetchone() == (50,)
    raw.close()


async def test_backup_while_writing_is_a_consistent_copy(db_path: Path, tmp_path: Path) -> None:
    db = await Database.open(db_path)
    await db.migrate([Migration(1, "0001_t.sql", "CREATE TABLE t (batch INTEGER, x INTEGER);")])
    stop = asyncio.Event()
    first_commit = asyncio.Event()

    async def writer() -> int:
        batch = 0
        while not stop.is_set():
            async with db.unit_of_work() as conn:
                # Ten rows per transaction: a consistent copy holds whole batches only.
                await conn.executemany("INSERT INTO t VALUES (?, ?)", [(batch, i) for i in range(10)])
            batch += 1
            first_commit.set()
            await asyncio.sleep(0)
        return batch

    task = asyncio.ensure_future(writer())
    target = tmp_path / "copy.db"
    try:
        await first_commit.wait()
        await asyncio.to_thread(backup, db_path, target)
    finally:
        stop.set()
        batches = await task
        await db.close()
    copy = sqlite3.connect(target)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        count = copy.execute("SELECT count(*) FROM t").fetchone()[0]
        assert count > 0 and count % 10 == 0 and count <= batches * 10
        assert copy.execute("PRAGMA user_version").fetchone() == (1,)
    finally:
        copy.close()
    assert not (tmp_path / "copy.db.partial").exists()


def test_backup_of_a_missing_database_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="does not exist"):
        backup(tmp_path / "nope.db", tmp_path / "copy.db")
