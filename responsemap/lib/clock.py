"""One clock for timed logic, so tests move time instead of waiting for it.

Code that schedules, throttles, expires or measures a duration reads time here,
never ``time.time()``, ``time.monotonic()``, ``time.sleep()`` or
``timezone.now()`` directly: a test then swaps in a ``FakeClock`` (the ``clock``
fixture in ``responsemap/testing.py``) and advances it, so no test depends on
how fast the machine is. Plain timestamps on rows (``created_at``) may keep
``timezone.now()``; what matters is logic that compares two moments.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Protocol

from django.utils import timezone


class Clock(Protocol):
    def now(self) -> datetime:
        """The aware wall-clock time."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back; only differences mean anything."""
        ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> datetime:
        return timezone.now()

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class FakeClock:
    """A clock that moves only when told to; ``sleep`` advances it at once.

    It starts at the real time (so rows stamped with ``timezone.now()`` by code
    outside the timed logic still compare sensibly) unless ``start`` is given.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or timezone.now()
        self._monotonic = 1_000.0
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._monotonic

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        self._monotonic += seconds


_current: Clock = SystemClock()


def now() -> datetime:
    return _current.now()


def timestamp() -> float:
    """Wall-clock seconds since the epoch (what a session or a token can store)."""
    return _current.now().timestamp()


def monotonic() -> float:
    return _current.monotonic()


def sleep(seconds: float) -> None:
    _current.sleep(seconds)


@contextmanager
def use(clock: Clock) -> Iterator[Clock]:
    """Read time from ``clock`` inside the block (tests; one process at a time)."""
    global _current
    previous, _current = _current, clock
    try:
        yield clock
    finally:
        _current = previous
