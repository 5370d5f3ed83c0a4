"""Key-value facts the bot keeps about itself (not about members)."""

from __future__ import annotations

from bot.db import Database


class BotState:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def get(self, key: str) -> str | None:
        async with (
            self._db.snapshot() as conn,
            conn.execute("SELECT value FROM bot_state WHERE key = ?", (key,)) as cur,
        ):
            row = await cur.fetchone()
        return str(row[0]) if row else None

    async def put(self, key: str, value: str) -> None:
        async with self._db.unit_of_work() as conn:
            await conn.execute(
                "INSERT INTO bot_state (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
