"""Keeping a busy channel in check: rate limits, an in-order queue, and one check per repeated link.

All three are in-memory and per process: they protect this process's fetcher and Discord rate limits.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from datetime import datetime, timedelta
from typing import Generic, TypeVar

T = TypeVar("T")

# Forgotten keys are pruned past this many, so the maps stay small.
_MAX_KEYS = 10_000


class RateLimiter:
    """At most ``limit`` events per key within any ``window`` (a sliding log)."""

    def __init__(self, *, limit: int, window: timedelta, clock: Callable[[], datetime]) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock
        self._events: dict[Hashable, deque[datetime]] = {}

    def _recent(self, key: Hashable, now: datetime) -> deque[datetime]:
        events = self._events.setdefault(key, deque())
        while events and now - events[0] >= self._window:
            events.popleft()
        return events

    def allows(self, key: Hashable) -> bool:
        """Whether an event for ``key`` fits now; does not count it."""
        return len(self._recent(key, self._clock())) < self._limit

    def record(self, key: Hashable) -> None:
        now = self._clock()
        if len(self._events) >= _MAX_KEYS:
            self._events = {k: v for k, v in self._events.items() if v and now - v[-1] < self._window}
        self._recent(key, now).append(now)


class QueueFull(Exception):
    """More work is waiting than the queue holds."""


class OrderedLanes:
    """Runs jobs ``concurrency`` at a time, starting them in the order they arrived."""

    def __init__(self, *, concurrency: int, max_waiting: int) -> None:
        self._concurrency = concurrency
        self._max_waiting = max_waiting
        self._active = 0
        self._waiting: deque[asyncio.Future[None]] = deque()

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    async def run(self, job: Callable[[], Awaitable[T]]) -> T:
        """Wait for a free lane, then run ``job``; raises ``QueueFull`` instead of waiting in a full queue."""
        if self._active < self._concurrency and not self._waiting:
            self._active += 1
        else:
            if len(self._waiting) >= self._max_waiting:
                raise QueueFull
            turn = asyncio.get_running_loop().create_future()
            self._waiting.append(turn)
            try:
                await turn
            except asyncio.CancelledError:
                if turn.done() and not turn.cancelled():
                    # The lane was handed over just as the wait was cancelled: pass it on.
                    self._release()
                else:
                    self._waiting.remove(turn)
                raise
        try:
            return await job()
        finally:
            self._release()

    def _release(self) -> None:
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self._active -= 1


class Coalescer(Generic[T]):
    """Runs one job per key within ``window``: later callers with the same key share its result."""

    def __init__(self, *, window: timedelta, clock: Callable[[], datetime]) -> None:
        self._window = window
        self._clock = clock
        self._jobs: dict[Hashable, tuple[datetime, asyncio.Task[T]]] = {}

    async def run(self, key: Hashable, job: Callable[[], Awaitable[T]]) -> T:
        now = self._clock()
        found = self._jobs.get(key)
        if found is not None and now - found[0] < self._window:
            return await asyncio.shield(found[1])
        if len(self._jobs) >= _MAX_KEYS:
            self._jobs = {k: v for k, v in self._jobs.items() if now - v[0] < self._window}

        async def call() -> T:
            return await job()

        task = asyncio.ensure_future(call())
        self._jobs[key] = (now, task)
        try:
            return await asyncio.shield(task)
        except Exception:
            # A failure is not an answer worth sharing: the next caller tries again.
            if self._jobs.get(key, (now, None))[1] is task:
                del self._jobs[key]
            raise
