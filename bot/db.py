"""The SQLite database: one connection per process, explicit transactions, migrations.

Every coroutine shares one aiosqlite connection, and SQLite transactions belong
to a connection, not a coroutine. So all access goes through ``unit_of_work()``
(writes, ``BEGIN IMMEDIATE``) or ``snapshot()`` (reads), both serialised by one
lock: a coroutine can never see, commit or roll back another one's half-done
work. Keep network calls outside these blocks.

Migrations are ``migrations/NNNN_name.sql`` files, applied in order, each in one
transaction together with ``PRAGMA user_version = NNNN``.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import aiosqlite

from bot.errors import DatabaseError, DatabaseTooNew, MigrationError

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_TRANSACTION_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I | re.M)

PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",
    "PRAGMA secure_delete = ON",
)


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def bundled_migrations() -> tuple[Migration, ...]:
    """The migrations shipped with this version of credcord, in order."""
    files = resources.files("migrations")
    found = []
    for entry in files.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    return check_sequence(found)


def check_sequence(migrations: Sequence[Migration]) -> tuple[Migration, ...]:
    ordered = tuple(sorted(migrations, key=lambda m: m.version))
    for expected, migration in enumerate(ordered, start=1):
        if migration.version != expected:
            raise MigrationError(f"migration {migration.name} is out of sequence (expected {expected:04d})")
        if _TRANSACTION_CONTROL.search(migration.sql):
            raise MigrationError(f"migration {migration.name} must not contain transaction statements")
    return ordered


class Database:
    """The process's connection to the credcord database."""

    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        self._connection = connection
        self._lock = asyncio.Lock()
        self.path = path

    @classmethod
    async def open(cls, path: Path) -> Database:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # isolation_level=None: credcord issues BEGIN itself, sqlite3 must not.
            connection = await aiosqlite.connect(path, isolation_level=None)
        except sqlite3.Error as error:
            raise DatabaseError(f"cannot open database {path}: {error}") from None
        try:
            for pragma in PRAGMAS:
                # Drain and close each cursor: an unfinished PRAGMA statement would block COMMIT.
                async with connection.execute(pragma) as cursor:
                    await cursor.fetchall()
        except sqlite3.Error as error:
            await connection.close()
            raise DatabaseError(f"cannot open database {path}: {error}") from None
        return cls(connection, path)

    async def close(self) -> None:
        # Waiting for the lock lets an in-flight unit of work commit first.
        async with self._lock:
            await self._connection.close()

    async def schema_version(self) -> int:
        async with self._lock:
            return await self._user_version()

    async def _user_version(self) -> int:
        async with self._connection.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def migrate(self, migrations: Sequence[Migration] | None = None) -> list[Migration]:
        """Apply pending migrations; returns the ones applied."""
        ordered = check_sequence(migrations) if migrations is not None else bundled_migrations()
        latest = ordered[-1].version if ordered else 0
        applied: list[Migration] = []
        async with self._lock:
            current = await self._user_version()
            if current > latest:
                raise DatabaseTooNew(
                    f"database {self.path} has schema version {current} but this credcord knows only "
                    f"up to {latest}: upgrade credcord or restore a backup"
                )
            for migration in ordered:
                if migration.version <= current:
                    continue
                # executescript runs the whole file; wrapping it keeps the file and the
                # version stamp in one transaction.
                script = (
                    f"BEGIN IMMEDIATE;\n{migration.sql}\n;PRAGMA user_version = {migration.version};\nCOMMIT;"
                )
                try:
                    await self._connection.executescript(script)
                except sqlite3.Error as error:
                    if self._connection.in_transaction:
                        await self._connection.rollback()
                    raise MigrationError(
                        f"migration {migration.name} failed and was rolled back: {error}"
                    ) from None
                applied.append(migration)
        return applied

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction: committed on success, rolled back on any exception."""
        async with self._lock:
            await self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield self._connection
            except BaseException:
                await self._connection.rollback()
                raise
            await self._connection.commit()

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[aiosqlite.Connection]:
        """A consistent read-only view; nothing written inside it is kept."""
        async with self._lock:
            await self._connection.execute("BEGIN")
            try:
                yield self._connection
            finally:
                await self._connection.rollback()


def backup(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` with SQLite's online backup API.

    Safe while the bot is writing: the copy is one consistent snapshot. The copy
    is written beside the target and renamed into place, so a failed backup never
    leaves a half-written file under the target name.
    """
    if not source.exists():
        raise DatabaseError(f"database {source} does not exist")
    target = target.resolve()
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(source)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)
        finally:
            dst.close()
    except sqlite3.Error as error:
        partial.unlink(missing_ok=True)
        raise DatabaseError(f"backup of {source} failed: {error}") from None
    finally:
        src.close()
    partial.replace(target)
