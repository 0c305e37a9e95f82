from __future__ import annotations

from datetime import timedelta

from responsemap.lib import clock as lib_clock


def test_fake_clock_moves_only_when_told(clock: lib_clock.FakeClock) -> None:
    start, mono = lib_clock.now(), lib_clock.monotonic()
    assert lib_clock.now() == start
    clock.advance(90)
    assert lib_clock.now() - start == timedelta(seconds=90)
    assert lib_clock.monotonic() - mono == 90
    assert lib_clock.timestamp() == start.timestamp() + 90


def test_sleep_on_the_fake_clock_returns_at_once_and_is_recorded(
    clock: lib_clock.FakeClock,
) -> None:
    start = lib_clock.monotonic()
    lib_clock.sleep(3600)
    assert clock.slept == [3600]
    assert lib_clock.monotonic() - start == 3600


def test_use_restores_the_previous_clock() -> None:
    outer = lib_clock.FakeClock()
    with lib_clock.use(outer):
        with lib_clock.use(lib_clock.FakeClock()):
            pass
        assert lib_clock.now() == outer.now()
    assert isinstance(lib_clock._current, lib_clock.SystemClock)
    assert lib_clock.now().tzinfo is not None
