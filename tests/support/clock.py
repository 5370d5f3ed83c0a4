"""A monotonic clock for tests: it stands still until a test moves ``now``, so lifetimes need no sleep."""

from __future__ import annotations


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now
