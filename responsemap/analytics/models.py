"""Rollups: counts of feedback records by day and by every coded dimension, so the
dashboards (and the maps and public page built on them) never read raw rows.

Only coded, clear columns are counted (ARCHITECTURE.md: type, sector, area, status,
demographic bands are in clear); no text, no contact, no id of a record is kept here.
A cell is one (project, day, dimensions…) combination; protection-sensitive records
are counted in their own cells (``sensitivity``) so that a viewer who may not see them
gets them in totals only (``analytics.queries``).
"""

from __future__ import annotations

from django.db import models

# Minutes-to-first-response and minutes-to-close are counted in these buckets (upper
# bounds, minutes): within 1 hour, 4 hours, 1 day, 3 days, 7 days, 30 days, later.
BUCKET_LIMITS = (60, 240, 1440, 4320, 10080, 43200)
BUCKETS = len(BUCKET_LIMITS) + 1

# The coded dimensions of a cell, in the order of the key (``rollups.CellKey``).
DIMENSIONS = (
    "area_id",
    "type_code",
    "sector",
    "source",
    "status",
    "gender",
    "age_band",
    "disability",
    "displacement",
    "sensitivity",
)


# The filters a dashboard shares with the inbox: (short name, cell column), indexed.
FILTER_COLUMNS = (
    ("area", "area_id"),
    ("type", "type_code"),
    ("sector", "sector"),
    ("source", "source"),
    ("status", "status"),
)


class Rollup(models.Model):
    """One cell: how many records of a project received on ``day`` share these codes,
    and how long their first response and their closing took."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    # The area's id, not a foreign key: a cell outlives nothing and needs no join; an
    # area removed leaves its cells until the next recompute of their days.
    area_id = models.IntegerField(null=True)
    type_code = models.CharField(max_length=16)
    sector = models.CharField(max_length=16)
    source = models.CharField(max_length=16)
    status = models.CharField(max_length=16)
    gender = models.CharField(max_length=8)
    age_band = models.CharField(max_length=8)
    disability = models.CharField(max_length=8)
    displacement = models.CharField(max_length=10)
    sensitivity = models.CharField(max_length=10)
    records = models.IntegerField(default=0)
    responded = models.IntegerField(default=0)
    response_minutes = models.BigIntegerField(default=0)
    closed = models.IntegerField(default=0)
    close_minutes = models.BigIntegerField(default=0)
    # Histograms: r0…r6 of minutes to first response, c0…c6 of minutes to close.
    r0 = models.IntegerField(default=0)
    r1 = models.IntegerField(default=0)
    r2 = models.IntegerField(default=0)
    r3 = models.IntegerField(default=0)
    r4 = models.IntegerField(default=0)
    r5 = models.IntegerField(default=0)
    r6 = models.IntegerField(default=0)
    c0 = models.IntegerField(default=0)
    c1 = models.IntegerField(default=0)
    c2 = models.IntegerField(default=0)
    c3 = models.IntegerField(default=0)
    c4 = models.IntegerField(default=0)
    c5 = models.IntegerField(default=0)
    c6 = models.IntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["project", "day"], name="rollup_project_day"),
            # A dashboard filtered by one of the inbox's filters reads only the matching
            # cells (``queries.summarise``), not every cell of its dates.
            *(
                models.Index(fields=["project", column, "day"], name=f"rollup_{name}_day")
                for name, column in FILTER_COLUMNS
            ),
        ]

    def __str__(self) -> str:
        return f"rollup {self.day} ({self.records})"


class RollupMargin(models.Model):
    """The cells of a day summed along one dimension: records of ``day`` by
    ``dimension``'s ``value`` (``dimension`` "all": every record of the day, value "").
    What a dashboard without filters reads (a few hundred rows a day at most, whatever
    the number of records); written with the cells, from them (``rollups``)."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    dimension = models.CharField(max_length=16)
    value = models.CharField(max_length=32)  # an area's id as text; "" for none
    sensitivity = models.CharField(max_length=10)
    records = models.IntegerField(default=0)
    responded = models.IntegerField(default=0)
    response_minutes = models.BigIntegerField(default=0)
    closed = models.IntegerField(default=0)
    close_minutes = models.BigIntegerField(default=0)
    r0 = models.IntegerField(default=0)
    r1 = models.IntegerField(default=0)
    r2 = models.IntegerField(default=0)
    r3 = models.IntegerField(default=0)
    r4 = models.IntegerField(default=0)
    r5 = models.IntegerField(default=0)
    r6 = models.IntegerField(default=0)
    c0 = models.IntegerField(default=0)
    c1 = models.IntegerField(default=0)
    c2 = models.IntegerField(default=0)
    c3 = models.IntegerField(default=0)
    c4 = models.IntegerField(default=0)
    c5 = models.IntegerField(default=0)
    c6 = models.IntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["project", "day", "dimension"], name="rollup_margin_day"),
            # One filter's day series (a filtered dashboard, ADR 0012).
            models.Index(
                fields=["project", "dimension", "value", "day"], name="rollup_margin_value"
            ),
        ]

    def __str__(self) -> str:
        return f"margin {self.day} {self.dimension}={self.value} ({self.records})"


class RollupPair(models.Model):
    """A coarser level for filtered dashboards (ADR 0012): the records of a week
    (``week``: its Monday) with one filter's value (``dimension`` = ``value``, a filter
    the dashboard shares with the inbox), by one breakdown's value (``breakdown`` =
    ``bar``). A filtered dashboard over many weeks sums these instead of every matching
    cell; written from the cells, with them (``rollup_sql.pairs_sql``)."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    week = models.DateField()
    dimension = models.CharField(max_length=16)
    value = models.CharField(max_length=32)  # an area's id as text; "" for none
    breakdown = models.CharField(max_length=16)
    bar = models.CharField(max_length=32)
    sensitivity = models.CharField(max_length=10)
    records = models.IntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(
                fields=["project", "dimension", "value", "week"], name="rollup_pair_value"
            ),
            models.Index(fields=["project", "week"], name="rollup_pair_week"),
        ]

    def __str__(self) -> str:
        return f"pair {self.week} {self.dimension}={self.value} {self.breakdown}={self.bar}"


class RollupState(models.Model):
    """Where a project's rollups stand: the worker's upkeep reads what changed since
    ``checked_until`` and keeps, for the last few minutes, a fingerprint of each day it
    saw (so a day is recomputed once per change, not once per round)."""

    project = models.OneToOneField(
        "projects.Project", on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    checked_until = models.DateTimeField(null=True)
    # {"2026-11-30": [records changed in the window, newest change ISO]} of the window.
    recent = models.JSONField(default=dict)
    verified_at = models.DateTimeField(null=True)
    rebuilt_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"rollup state of {self.project_id}"


# The maps' tables live with their code (``analytics.maps``); imported here so that
# they are this app's models (migration 0003).
from responsemap.analytics.maps.models import MapCell, MapCoarseCell, MapSettings  # noqa: E402

__all__ = [
    "MapCell",
    "MapCoarseCell",
    "MapSettings",
    "Rollup",
    "RollupMargin",
    "RollupPair",
    "RollupState",
]

# The public page's tables likewise (``analytics.public``, migration 0004).
from responsemap.analytics.public.models import (  # noqa: E402
    PublicPage,
    Release,
    ReleasedTable,
)

__all__ += ["PublicPage", "Release", "ReleasedTable"]
