"""Counting positions on the grid (``MapCell``), per day, from the records: the maps'
rollup, written with the other rollups (``maps.actions.write_map_cells``, called
where ``analytics.actions`` writes the upkeep's days and the rebuild's steps) and, like
them, recomputed from scratch for a day at any time.

One aggregate query a step: the records' positions are grouped in SQL into cells of a
hundredth of a degree (the stored precision), so no position leaves the database.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.db.models import Count, F, FloatField, Value
from django.db.models.functions import Floor

from responsemap.analytics.maps.models import STEPS_PER_DEGREE
from responsemap.analytics.rollups import _day_of, _iso_day, day_start
from responsemap.triage.models import Feedback

CODES = ("type_code", "sector", "source", "status", "sensitivity")
COLUMNS = ("project_id", "day", "gx", "gy", *CODES, "records")
# A position stored as 18.53 may be 18.529999… in binary: a millionth of a step up
# puts it in its own cell.
NUDGE = 1e-6


def _step(column: str, offset: int) -> Any:
    shifted = (F(column) + Value(float(offset))) * Value(float(STEPS_PER_DEGREE)) + Value(NUDGE)
    return Floor(shifted, output_field=FloatField())


def compute_map_cells(
    project_id: uuid.UUID, first_day: date, end_day: date
) -> list[tuple[Any, ...]]:
    """The grid cells of the records with a position received from ``first_day`` up
    to (not including) ``end_day``: (day, gx, gy, codes…, records)."""
    rows = (
        Feedback.objects.filter(
            project_id=project_id,
            received_at__gte=day_start(first_day),
            received_at__lt=day_start(end_day),
            lat__isnull=False,
            lon__isnull=False,
        )
        .annotate(received_day=_day_of("received_at"), cx=_step("lon", 180), cy=_step("lat", 90))
        .values("received_day", "cx", "cy", *CODES)
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("received_day", "cx", "cy", *CODES, "n")
    )
    return [(_iso_day(day), int(gx), int(gy), *codes, int(n)) for day, gx, gy, *codes, n in rows]
