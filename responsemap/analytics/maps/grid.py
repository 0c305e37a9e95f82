"""Counting positions on the grid (``MapCell``), per day, from the records: the maps'
rollup, written with the other rollups (``maps.actions.write_map_cells``, called
where ``analytics.actions`` writes the upkeep's days and the rebuild's steps) and, like
them, recomputed from scratch for a day at any time.

One ``INSERT … SELECT … GROUP BY`` a step: the records' positions are grouped by the
database into squares of a hundredth of a degree (the stored precision); no position,
no record is read into Python.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from django.db import connection

from responsemap.analytics.maps.models import (
    COARSE_LEVELS,
    MAP_FILTERS,
    STEPS_PER_DEGREE,
    MapCell,
    MapCoarseCell,
)
from responsemap.analytics.rollups import day_start
from responsemap.triage.models import Feedback

CODES = ("type_code", "sector", "source", "status", "sensitivity")
COLUMNS = ("project_id", "day", "gx", "gy", *CODES, "records")
# A position stored as 18.53 may be 18.529999… in binary: a millionth of a step up
# puts it in its own square.
NUDGE = 1e-6


def _step(column: str, offset: int) -> str:
    """The square's number along one axis: ⌊(value + offset) × 100⌋, never negative,
    so SQLite's CAST (which truncates) is the floor there too."""
    shifted = f"((f.{column} + {offset}) * {STEPS_PER_DEGREE} + {NUDGE})"
    if connection.vendor == "postgresql":
        return f"CAST(FLOOR{shifted} AS INTEGER)"
    return f"CAST({shifted} AS INTEGER)"


def _day() -> str:
    # PostgreSQL's session is in UTC (Django sets it); SQLite keeps UTC text.
    if connection.vendor == "postgresql":
        return "CAST(f.received_at AS DATE)"
    return "substr(f.received_at, 1, 10)"


def map_cells_sql(project_id: uuid.UUID, first_day: date, end_day: date) -> tuple[str, list[Any]]:
    """The ``INSERT … SELECT`` of the grid cells of the records with a position
    received from ``first_day`` up to (not including) ``end_day``."""
    quote = connection.ops.quote_name
    received = Feedback._meta.get_field("received_at")
    start = received.get_db_prep_value(day_start(first_day), connection)
    end = received.get_db_prep_value(day_start(end_day), connection)
    project = Feedback._meta.get_field("project").get_db_prep_value(project_id, connection)
    keys = [_day(), _step("lon", 180), _step("lat", 90), *(f"f.{quote(c)}" for c in CODES)]
    sql = (
        f"INSERT INTO {quote(MapCell._meta.db_table)} "  # noqa: S608 (our own names)
        f"({', '.join(quote(c) for c in COLUMNS)}) "
        f"SELECT f.project_id, {', '.join(keys)}, COUNT(*) "
        f"FROM {quote(Feedback._meta.db_table)} f "
        "WHERE f.project_id = %s AND f.received_at >= %s AND f.received_at < %s "
        "AND f.lat IS NOT NULL AND f.lon IS NOT NULL "
        f"GROUP BY f.project_id, {', '.join(keys)}"
    )
    return sql, [project, start, end]


def coarse_sql(project_id: uuid.UUID, week: date) -> list[tuple[str, list[Any]]]:
    """The ``INSERT … SELECT``s of a week's coarse squares (``MapCoarseCell``, ADR
    0012): the finest coarse level from the week's ``MapCell`` rows (every record,
    and by each of the map's filters), each coarser level from the one before."""
    quote = connection.ops.quote_name
    table, fine = quote(MapCoarseCell._meta.db_table), quote(MapCell._meta.db_table)
    day = MapCell._meta.get_field("day")
    week_value = day.get_db_prep_value(week, connection)
    end = day.get_db_prep_value(week + timedelta(days=7), connection)
    project = MapCell._meta.get_field("project").get_db_prep_value(project_id, connection)
    columns = ", ".join(
        quote(c)
        for c in ("project_id", "week", "level", "gx", "gy", "dimension", "value")
        + ("sensitivity", "records")
    )
    first = COARSE_LEVELS[0]
    parts = [
        f"SELECT gx / {first} AS cx, gy / {first} AS cy, '' AS d, '' AS v, "  # noqa: S608
        "sensitivity AS s, SUM(records) AS n FROM m GROUP BY gx / "
        f"{first}, gy / {first}, sensitivity"
    ]
    for name in MAP_FILTERS:
        parts.append(
            f"SELECT gx / {first}, gy / {first}, '{name}', {quote(name)}, "  # noqa: S608
            f"sensitivity, SUM(records) FROM m GROUP BY gx / {first}, gy / {first}, "
            f"{quote(name)}, sensitivity"
        )
    narrow = ", ".join(quote(c) for c in ("gx", "gy", *MAP_FILTERS, "sensitivity", "records"))
    statements: list[tuple[str, list[Any]]] = [
        (
            f"WITH m AS MATERIALIZED (SELECT {narrow} FROM {fine} "  # noqa: S608
            "WHERE project_id = %s AND day >= %s AND day < %s) "
            f"INSERT INTO {table} ({columns}) SELECT %s, %s, {first}, g.* FROM "
            f"({' UNION ALL '.join(parts)}) g",
            [project, week_value, end, project, week_value],
        )
    ]
    for finer, level in zip(COARSE_LEVELS, COARSE_LEVELS[1:], strict=False):
        ratio = level // finer
        statements.append(
            (
                f"INSERT INTO {table} ({columns}) "  # noqa: S608
                f"SELECT project_id, week, {level}, gx / {ratio}, gy / {ratio}, dimension, "
                f"value, sensitivity, SUM(records) FROM {table} "
                f"WHERE project_id = %s AND week = %s AND level = {finer} "
                f"GROUP BY project_id, week, gx / {ratio}, gy / {ratio}, dimension, value, "
                "sensitivity",
                [project, week_value],
            )
        )
    return statements
