"""Writing the maps' tables: the grid cells (bookkeeping, as the other rollups: ADR
0006; called where ``analytics.actions`` writes a day's or a step's cells, with the
project's rollup state locked) and a project's map settings (audited)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.db import connection, transaction

from responsemap.analytics.maps.grid import coarse_sql, map_cells_sql
from responsemap.analytics.maps.models import (
    COARSE_LEVELS,
    MAP_FILTERS,
    MapCell,
    MapCoarseCell,
    MapSettings,
)
from responsemap.analytics.rollup_sql import apply_week_delta
from responsemap.protection.audit import record_event
from responsemap.protection.viewer import Viewer


def write_map_cells(project_id: uuid.UUID, first_day: date, end_day: date) -> int:
    """Replace the grid cells of the days from ``first_day`` up to (not including)
    ``end_day`` (inside the caller's transaction); returns the cells written."""
    MapCell.objects.filter(project_id=project_id, day__gte=first_day, day__lt=end_day).delete()
    with connection.cursor() as cursor:
        cursor.execute(*map_cells_sql(project_id, first_day, end_day))
        return max(0, int(cursor.rowcount))


def write_coarse_map_cells(project_id: uuid.UUID, week: date) -> int:
    """Replace a week's coarse squares (``MapCoarseCell``) from its grid cells, which
    the caller has written (same transaction); returns the rows written as the driver
    counts them (SQLite's leaves out the finest level's ``WITH … INSERT``)."""
    MapCoarseCell.objects.filter(project_id=project_id, week=week).delete()
    written = 0
    with connection.cursor() as cursor:
        for statement in coarse_sql(project_id, week):
            cursor.execute(*statement)
            written += max(0, int(cursor.rowcount))
    return written


MapKey = tuple[Any, ...]  # gx, gy, the map's filters' values, sensitivity


def day_map_cells(project_id: uuid.UUID, day: date) -> dict[MapKey, int]:
    """A day's grid cells as (gx, gy, type, sector, channel, status, sensitivity) →
    records: squares, codes and counts (the upkeep's delta of a week's squares)."""
    rows = MapCell.objects.filter(project_id=project_id, day=day).values_list(
        "gx", "gy", *MAP_FILTERS, "sensitivity", "records"
    )
    found: dict[MapKey, int] = {}
    for *key, records in rows:
        found[tuple(key)] = found.get(tuple(key), 0) + int(records)
    return found


def _toward_zero(a: int, b: int) -> int:
    """``a / b`` as SQL's integer division does it (toward zero), for ``b`` > 0."""
    return -((-a) // b) if a < 0 else a // b


def coarse_delta(old: dict[MapKey, int], new: dict[MapKey, int]) -> dict[MapKey, int]:
    """What a week's coarse squares gain from a day's grid cells going from ``old`` to
    ``new`` (``day_map_cells``): each changed cell's count, at every level, for every
    record and for each of its filter values (as ``grid.coarse_sql`` sums them)."""
    delta: dict[MapKey, int] = {}
    for key in set(old) | set(new):
        change = new.get(key, 0) - old.get(key, 0)
        if not change:
            continue
        gx, gy, *values, sensitivity = key
        cx, cy, finer = gx, gy, 1
        for level in COARSE_LEVELS:
            cx, cy = _toward_zero(cx, level // finer), _toward_zero(cy, level // finer)
            finer = level
            for name, value in (("", ""), *zip(MAP_FILTERS, values, strict=True)):
                square = (level, cx, cy, name, value, sensitivity)
                delta[square] = delta.get(square, 0) + change
    return delta


def apply_coarse_delta(project_id: uuid.UUID, week: date, delta: dict[MapKey, int]) -> bool:
    """Change the week's coarse squares by ``delta`` (``rollup_sql.apply_week_delta``);
    False, nothing written, if they do not hold the old counts."""
    keys = ("level", "gx", "gy", "dimension", "value", "sensitivity")
    return apply_week_delta(MapCoarseCell, keys, project_id, week, delta)


def do_update_map_settings(
    actor: Viewer, *, grid_metres: int, tile_url: str, tile_attribution: str
) -> MapSettings:
    """A manager sets the project's grid size and background map. Audited
    (``map.settings``, the fields changed; the values are not personal data)."""
    if not actor.can("manage_project"):
        raise PermissionError("manage_project")
    with transaction.atomic():
        found, _made = MapSettings.objects.select_for_update().get_or_create(
            project_id=actor.project_id
        )
        changed = [
            name
            for name, value in (
                ("grid_metres", grid_metres),
                ("tile_url", tile_url),
                ("tile_attribution", tile_attribution),
            )
            if getattr(found, name) != value
        ]
        if not changed:
            return found
        found.grid_metres, found.tile_url = grid_metres, tile_url
        found.tile_attribution = tile_attribution
        found.save()
        record_event(
            "map.settings",
            project_id=actor.project_id,
            actor=actor,
            object_type="project",
            object_id=actor.project_id,
            fields=changed,
            details={"grid_metres": grid_metres, "tiles": bool(tile_url)},
        )
    return found
