"""Writing rollups. Rollups are derived data, recomputed from the records at any time:
keeping them current is bookkeeping (docs/adr/0006-unaudited-bookkeeping.md), not an
audited change; a full rebuild, which a person asks for, is audited once.

Race-safety: whoever writes a project's cells holds its ``RollupState`` row
(``select_for_update``); an upkeep that finds it held leaves the project to the next
round, so two workers never interleave a delete and an insert of the same day.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Max, Min
from shapely.geometry import Point, shape
from shapely.strtree import STRtree

from responsemap.analytics.maps.actions import (
    MapKey,
    apply_coarse_delta,
    coarse_delta,
    day_map_cells,
    write_coarse_map_cells,
    write_map_cells,
)
from responsemap.analytics.models import (
    MapCell,
    MapCoarseCell,
    Rollup,
    RollupMargin,
    RollupPair,
    RollupState,
)
from responsemap.analytics.rollup_sql import (
    PairKey,
    apply_pair_delta,
    day_cells,
    insert_days,
    insert_pairs,
    pair_delta,
)
from responsemap.analytics.rollups import day_range
from responsemap.geo.models import AdminArea
from responsemap.lib import clock
from responsemap.protection.audit import record_event
from responsemap.protection.viewer import Viewer
from responsemap.triage.models import Feedback

# Days per step of a rebuild (whole weeks): one read of the records, one insert of
# the cells, one of each week's coarse rollups.
REBUILD_STEP_DAYS = 28
# A week with at most this many of its days recomputed has its pairs changed by those
# days' delta (each day's cells read twice); with more, recomputed from its cells.
DELTA_DAYS_MAX = 3


def state_for_update(project_id: uuid.UUID, *, skip_locked: bool) -> RollupState | None:
    """The project's state row, locked until the caller's transaction ends (made if
    missing); None if another worker holds it and ``skip_locked``."""
    RollupState.objects.get_or_create(project_id=project_id)  # bookkeeping (ADR 0006)
    return (
        RollupState.objects.select_for_update(skip_locked=skip_locked)
        .filter(project_id=project_id)
        .first()
    )


def week_of(day: date) -> date:
    """The Monday of ``day``'s week: what the coarse rollups are keyed by (ADR 0012)."""
    return day - timedelta(days=day.weekday())


def write_weeks(project_id: uuid.UUID, weeks: Iterable[date]) -> None:
    """Recompute the coarse rollups of ``weeks`` (Mondays) from their cells, which the
    caller has written (inside its transaction, state locked)."""
    for week in sorted(set(weeks)):
        RollupPair.objects.filter(project_id=project_id, week=week).delete()
        insert_pairs(project_id, week)
        write_coarse_map_cells(project_id, week)


def write_days(project_id: uuid.UUID, days: Iterable[date]) -> int:
    """Recompute the cells of ``days`` and the coarse rollups of their weeks (inside
    the caller's transaction, state locked); returns the number of cells written.

    A week with few of its days recomputed (``DELTA_DAYS_MAX``) keeps its pairs and
    has those days' share changed: each day's cells read before they are replaced and
    after, the pairs of the cells whose count changed (a status change: two cells)
    added or taken off, and only the keys whose count changed written
    (``rollup_sql.pair_delta``, ``apply_pair_delta``): a day's cells read twice and a
    few rows written, rather than the week's cells grouped thirty ways and its
    thousands of pairs rewritten. Its coarse map squares likewise, from the days' grid
    cells (``maps.actions.coarse_delta``). Other weeks are recomputed from their cells."""
    written = 0
    chosen = sorted(set(days))
    by_week: dict[date, list[date]] = {}
    for day in chosen:
        by_week.setdefault(week_of(day), []).append(day)
    delta = {week: spread for week, spread in by_week.items() if len(spread) <= DELTA_DAYS_MAX}
    old = {day: day_cells(project_id, day) for spread in delta.values() for day in spread}
    old_map = {day: day_map_cells(project_id, day) for spread in delta.values() for day in spread}
    for day in chosen:
        Rollup.objects.filter(project_id=project_id, day=day).delete()
        RollupMargin.objects.filter(project_id=project_id, day=day).delete()
        written += insert_days(project_id, day, day + timedelta(days=1))
        write_map_cells(project_id, day, day + timedelta(days=1))
    full = [week for week in by_week if week not in delta]
    for week, spread in sorted(delta.items()):
        change: dict[PairKey, int] = {}
        squares: dict[MapKey, int] = {}
        for day in spread:
            for key, n in pair_delta(old[day], day_cells(project_id, day)).items():
                change[key] = change.get(key, 0) + n
            for square, n in coarse_delta(old_map[day], day_map_cells(project_id, day)).items():
                squares[square] = squares.get(square, 0) + n
        with transaction.atomic():  # a savepoint: a week refused is left as it was
            if not (
                apply_pair_delta(project_id, week, change)
                and apply_coarse_delta(project_id, week, squares)
            ):
                transaction.set_rollback(True)
                full.append(week)
    write_weeks(project_id, full)
    return written


def refresh_days(
    project_id: uuid.UUID, days: list[date], recent: dict[str, list[object]], now: datetime
) -> int | None:
    """The upkeep's recompute of ``days`` and its new marks; None (nothing done) if
    another worker holds the project. Bookkeeping (ADR 0006)."""
    with transaction.atomic():
        state = state_for_update(project_id, skip_locked=True)
        if state is None:
            return None
        written = write_days(project_id, days)
        state.recent, state.checked_until = recent, now
        state.save(update_fields=["recent", "checked_until"])
    return written


def mark_verified(project_id: uuid.UUID, wrong: list[date], now: datetime) -> int:
    """The upkeep's count check: redo the ``wrong`` days, note the check's time."""
    with transaction.atomic():
        state = state_for_update(project_id, skip_locked=True)
        if state is None:
            return 0
        written = write_days(project_id, wrong)
        state.verified_at = now
        state.save(update_fields=["verified_at"])
    return written


def advance_checked(older_than: datetime, now: datetime, skipped: set[uuid.UUID]) -> None:
    """Projects current up to ``now`` (all but ``skipped``) get that mark, if theirs
    is older than ``older_than`` (so an idle round writes nothing)."""
    RollupState.objects.filter(checked_until__lt=older_than).exclude(project_id__in=skipped).update(
        checked_until=now
    )


def do_recompute_days(project_id: uuid.UUID, days: Iterable[date]) -> int:
    """Recompute some days' cells of a project now (waiting for a worker that holds
    the project): what the upkeep does, for tests and callers that changed records
    in bulk."""
    with transaction.atomic():
        state_for_update(project_id, skip_locked=False)
        return write_days(project_id, days)


def do_rebuild_rollups(
    project_id: uuid.UUID,
    *,
    actor: Viewer | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Every cell of a project from scratch, ``REBUILD_STEP_DAYS`` days a step, each
    step its own short transaction that replaces those days' cells (so the dashboards
    read whole days throughout and incoming records are never held up for long);
    cells outside the records' days go last. ``progress(days done, days in all)``
    after each step. Audited (``rollups.rebuild``) with the number of cells."""
    started = clock.now()
    span = Feedback.objects.filter(project_id=project_id).aggregate(
        first=Min("received_at"), last=Max("received_at")
    )
    written = 0
    # Whole weeks (Monday to Sunday), so that each step writes its weeks' coarse
    # rollups from cells all written (ADR 0012).
    first_day: date | None = week_of(span["first"].date()) if span["first"] else None
    end_day: date | None = (
        week_of(span["last"].date()) + timedelta(days=7) if span["last"] else None
    )
    if first_day is not None and end_day is not None:
        total = (end_day - first_day).days
        day = first_day
        while day < end_day:
            step_end = min(end_day, day + timedelta(days=REBUILD_STEP_DAYS))
            with transaction.atomic():
                state_for_update(project_id, skip_locked=False)
                for model in (Rollup, RollupMargin):
                    model.objects.filter(
                        project_id=project_id, day__gte=day, day__lt=step_end
                    ).delete()
                # Counted by the database (``rollup_sql``): no record read into Python.
                written += insert_days(project_id, day, step_end)
                write_map_cells(project_id, day, step_end)
                write_weeks(project_id, day_range(day, step_end, step=7))
            day = step_end
            if progress is not None:
                progress((day - first_day).days, total)
    with transaction.atomic():
        state = state_for_update(project_id, skip_locked=False)
        assert state is not None
        for model in (Rollup, RollupMargin, MapCell):  # type: ignore[assignment]
            outside = model.objects.filter(project_id=project_id)
            if first_day is not None and end_day is not None:
                outside = outside.exclude(day__gte=first_day, day__lt=end_day)
            outside.delete()
        for weekly in (RollupPair, MapCoarseCell):
            beyond = weekly.objects.filter(project_id=project_id)
            if first_day is not None and end_day is not None:
                beyond = beyond.exclude(week__gte=first_day, week__lt=end_day)
            beyond.delete()
        state.checked_until = started
        state.recent = {}
        state.verified_at = state.rebuilt_at = clock.now()
        state.save()
        record_event(
            "rollups.rebuild",
            project_id=project_id,
            actor=actor,
            object_type="project",
            object_id=project_id,
            details={"cells": written},
        )
    return written


# Records per step of re-deriving areas: one read, one update per new area, one event.
REDERIVE_BATCH = 2000


def _area_finder(project_id: uuid.UUID) -> Callable[[float, float], int | None]:
    """The deepest area of the project covering a point (lat, lon), from an in-memory
    index of every area's geometry (built once per run)."""
    areas = [
        (pk, level, shape(geometry))
        for pk, level, geometry in AdminArea.objects.filter(
            project_id=project_id, geometry__isnull=False
        ).values_list("pk", "level", "geometry")
        if geometry
    ]
    tree = STRtree([geometry for _pk, _level, geometry in areas])

    def find(lat: float, lon: float) -> int | None:
        point = Point(lon, lat)
        found = [areas[i] for i in tree.query(point, predicate="covered_by")]
        return max(found, key=lambda a: a[1])[0] if found else None

    return find


def do_rederive_areas(project_id: uuid.UUID, *, actor: Viewer | None = None) -> int:
    """Give every record with a position the deepest area that now covers it (after
    boundaries changed), ``REDERIVE_BATCH`` records a step, each step one transaction
    with one audit event (``feedback.rederive_area``, the number moved). A record
    whose position no area covers keeps its area. The rollups follow through the
    records' ``updated_at`` (``analytics.upkeep``). Returns the records moved."""
    find = _area_finder(project_id)
    moved = 0
    last = None
    rows = Feedback.objects.filter(project_id=project_id, lat__isnull=False, lon__isnull=False)
    while True:
        page = rows.filter(pk__gt=last) if last is not None else rows
        batch = list(
            page.order_by("pk").values_list("pk", "lat", "lon", "area_id")[:REDERIVE_BATCH]
        )
        if not batch:
            return moved
        last = batch[-1][0]
        changes: dict[int, list[uuid.UUID]] = {}
        for pk, lat, lon, area_id in batch:
            found = find(lat, lon) if lat is not None and lon is not None else None
            if found is not None and found != area_id:
                changes.setdefault(found, []).append(pk)
        if not changes:
            continue
        with transaction.atomic():
            now = clock.now()
            for area_id, ids in changes.items():
                Feedback.objects.filter(pk__in=ids).update(area_id=area_id, updated_at=now)
            count = sum(len(ids) for ids in changes.values())
            record_event(
                "feedback.rederive_area",
                project_id=project_id,
                actor=actor,
                object_type="project",
                object_id=project_id,
                fields=["area"],
                details={"records": count},
            )
        moved += count
