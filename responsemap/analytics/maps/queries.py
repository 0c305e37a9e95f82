"""The maps' read API: counts per area (the choropleth), counts per grid cell (the
points, coarsened), exact positions for the roles allowed them, and the boundaries.
Every function takes the viewer and returns plain values, never a record.

Row rules (on top of ``analytics.queries``'):
- Nothing for a viewer without ``view_dashboards``.
- Protection-sensitive records: counted by area only for a viewer with
  ``view_sensitive`` (for others they are one number, "not shown by area", as the
  dashboard's sensitive bar); as grid cells or positions only for a protection role,
  one with both ``view_sensitive`` and ``view_exact_positions``.
- Positions leave the server as grid cells (``MapSettings.grid_metres`` at the finest,
  coarser when zoomed out), counted from ``MapCell`` rollups, never from the records.
  Exact (stored) positions only for ``view_exact_positions`` with ``view_feedback``,
  zoomed in to ``EXACT_FROM_ZOOM`` or more, within the view's bounds and at most
  ``EXACT_CAP`` of them (more: the grid).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import Count, F, Max, Q, QuerySet, Sum
from shapely.geometry import mapping, shape

from responsemap.analytics.maps.models import (
    COARSE_LEVELS,
    MAP_FILTERS,
    STEPS_PER_DEGREE,
    MapCell,
    MapCoarseCell,
    MapSettings,
)
from responsemap.analytics.models import RollupMargin, RollupState
from responsemap.analytics.queries import (
    SENSITIVE,
    Filters,
    Labels,
    cells_for,
    coarse_weeks,
    edges_of,
    may_see_staff_figures,
    single_filter,
    summarise,
)
from responsemap.analytics.rollups import day_start
from responsemap.geo.models import AdminArea
from responsemap.protection.viewer import ProjectId, Viewer
from responsemap.triage.choices import Sensitivity
from responsemap.triage.queries import feedback_visible_to

# Metres in a hundredth of a degree of latitude (the grid's finest step).
METRES_PER_STEP = 1113
# A grid cell is drawn about this many pixels wide at most (Web Mercator tiles of
# 256 px): zoomed out, cells are merged (2, 4, 8… steps) to stay near this size.
CELL_PIXELS = 40
MAX_ZOOM = 18
EXACT_FROM_ZOOM = 13
EXACT_CAP = 500
GRID_CAP = 5000
# Simplification of boundaries: a tolerance of about a pixel at the zoom asked for.
TOLERANCE_PIXELS = 1.0
_ONE_DAY = timedelta(days=1)


def may_see_map(viewer: Viewer) -> bool:
    """Staff who see the dashboard's own figures (a donor's view is the summary's
    level-2 map, under disclosure control)."""
    return may_see_staff_figures(viewer)


def sees_sensitive_positions(viewer: Viewer) -> bool:
    """A protection role: may see protection-sensitive records finer than by area."""
    return viewer.can("view_sensitive") and viewer.can("view_exact_positions")


def may_see_exact(viewer: Viewer) -> bool:
    return viewer.can("view_exact_positions") and viewer.can("view_feedback")


def settings_of(project_id: ProjectId) -> MapSettings:
    """The project's map settings (the defaults, unsaved, if it has none)."""
    found = MapSettings.objects.filter(project_id=project_id).first()
    return found if found is not None else MapSettings(project_id=project_id)


def levels_of(project_id: ProjectId) -> list[int]:
    """The administrative levels that have boundaries, shallowest first."""
    return sorted(
        set(
            AdminArea.objects.filter(project_id=project_id, geometry__isnull=False).values_list(
                "level", flat=True
            )
        )
    )


# ---------------------------------------------------------------- the choropleth


@dataclass(frozen=True)
class AreaCount:
    area_id: int
    pcode: str
    name: str
    records: int


@dataclass(frozen=True)
class AreaCounts:
    level: int
    areas: list[AreaCount]  # every area of the level, most records first
    unplaced: int  # records with no area, or an area above the level
    sensitive_hidden: int  # sensitive records not shown by area (viewer without view_sensitive)
    narrowed_hidden: bool  # sensitive records left out of a filtered view altogether

    @property
    def total(self) -> int:
        return sum(a.records for a in self.areas) + self.unplaced + self.sensitive_hidden


def _ancestor_at(project_id: ProjectId, level: int) -> dict[int, int]:
    """Each area's ancestor (or itself) at ``level``; areas above it have none."""
    rows = list(
        AdminArea.objects.filter(project_id=project_id).values_list("pk", "parent_id", "level")
    )
    parent = {pk: parent_id for pk, parent_id, _level in rows}
    depth = {pk: lvl for pk, _parent, lvl in rows}
    found: dict[int, int] = {}
    for pk in parent:
        node: int | None = pk
        while node is not None and depth.get(node, -1) > level:
            node = parent.get(node)
        if node is not None and depth.get(node) == level:
            found[pk] = node
    return found


def area_counts(viewer: Viewer, filters: Filters, level: int, labels: Labels) -> AreaCounts:
    """Records per area of ``level`` (a record in a deeper area counts in its ancestor
    at the level), from the margins without filters, from the cells with them."""
    if not may_see_map(viewer):
        return AreaCounts(level, [], 0, 0, False)
    split = not viewer.can("view_sensitive")
    rows: list[tuple[Any, str, int]]
    if filters.narrowed and single_filter(filters) is not None:
        # One filter: the dashboard's sums (weekly pairs where the dates hold whole
        # weeks, ADR 0012). Sensitive records are out of a filtered view for a viewer
        # who may not see them broken down, so every bar is of records shown by area.
        rows = [
            (int(bar.value) if bar.value else None, Sensitivity.NORMAL, bar.records)
            for bar in summarise(viewer, filters, labels).breakdowns["area"].bars
            if bar.value != SENSITIVE
        ]
    elif filters.narrowed:
        rows = [
            (area_id, sensitivity, int(n or 0))
            for area_id, sensitivity, n in cells_for(viewer, filters)
            .values("area_id", "sensitivity")
            .annotate(n=Sum("records"))
            .order_by()
            .values_list("area_id", "sensitivity", "n")
        ]
    else:
        rows = [
            (int(value) if value else None, sensitivity, int(n or 0))
            for value, sensitivity, n in RollupMargin.objects.filter(
                project_id=viewer.project_id,
                day__gte=filters.since,
                day__lte=filters.until,
                dimension="area",
            )
            .values("value", "sensitivity")
            .annotate(n=Sum("records"))
            .order_by()
            .values_list("value", "sensitivity", "n")
        ]
    ancestor = _ancestor_at(viewer.project_id, level)
    per_area: dict[int, int] = {}
    unplaced = hidden = 0
    for area_id, sensitivity, n in rows:
        if split and sensitivity != Sensitivity.NORMAL:
            hidden += n
            continue
        at_level = ancestor.get(area_id) if area_id is not None else None
        if at_level is None:
            unplaced += n
        else:
            per_area[at_level] = per_area.get(at_level, 0) + n
    names = labels.area_names()
    areas = [
        AreaCount(pk, pcode, names.get(pk, pcode), per_area.get(pk, 0))
        for pk, pcode in AdminArea.objects.filter(project_id=viewer.project_id, level=level)
        .order_by("pcode")
        .values_list("pk", "pcode")
    ]
    areas.sort(key=lambda a: (-a.records, a.name))
    return AreaCounts(level, areas, unplaced, hidden, filters.narrowed and split)


def classes_of(values: list[int], count: int = 5) -> list[tuple[int, int]]:
    """Up to ``count`` legend classes (lowest, highest) over the non-zero ``values``,
    by quantiles (each class holds about as many areas), no two classes overlapping."""
    found = sorted(v for v in values if v > 0)
    if not found:
        return []
    bounds: list[int] = []
    for i in range(1, count + 1):
        upper = found[min(len(found) - 1, math.ceil(i * len(found) / count) - 1)]
        if not bounds or upper > bounds[-1]:
            bounds.append(upper)
    classes, low = [], found[0]
    for upper in bounds:
        classes.append((low, upper))
        low = upper + 1
    return classes


# ------------------------------------------------------------------- the grid


@dataclass(frozen=True)
class Bounds:
    west: float
    south: float
    east: float
    north: float

    @classmethod
    def parse(cls, text: str) -> Bounds | None:
        """``west,south,east,north`` in degrees (Leaflet's ``toBBoxString``); None if
        it isn't four numbers in range with west < east and south < north."""
        try:
            west, south, east, north = (float(part) for part in text.split(","))
        except ValueError:
            return None
        values = (west, south, east, north)
        if not all(math.isfinite(v) for v in values):
            return None
        west, east = max(west, -180.0), min(east, 180.0)
        south, north = max(south, -90.0), min(north, 90.0)
        if west >= east or south >= north:
            return None
        return cls(west, south, east, north)


def finest_steps(settings: MapSettings) -> int:
    """Grid steps (hundredths of a degree) of the project's finest cell."""
    return max(1, round(settings.grid_metres / METRES_PER_STEP))


def steps_at(zoom: int, settings: MapSettings) -> int:
    """Grid steps of a cell at ``zoom``: the finest times a power of two, at least
    ``CELL_PIXELS`` wide on screen (cells nest: zooming in splits each in four)."""
    degrees = CELL_PIXELS * 360 / (256 * 2**zoom)
    steps = finest_steps(settings)
    while steps < degrees * STEPS_PER_DEGREE and steps < 360 * STEPS_PER_DEGREE:
        steps *= 2
    return steps


@dataclass(frozen=True)
class GridCell:
    south: float
    west: float
    north: float
    east: float
    records: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "bounds": [[self.south, self.west], [self.north, self.east]],
            "centre": [
                round((self.south + self.north) / 2, 5),
                round((self.west + self.east) / 2, 5),
            ],
            "records": self.records,
        }


@dataclass(frozen=True)
class Grid:
    steps: int  # hundredths of a degree per side
    cells: list[GridCell]
    capped: bool  # more cells than ``GRID_CAP`` in view (the busiest shown)
    exact: bool = False  # ``cells`` are positions (``steps`` is 0)


def _map_cells(viewer: Viewer, filters: Filters) -> QuerySet[MapCell]:
    if not may_see_map(viewer):
        return MapCell.objects.none()
    rows = MapCell.objects.filter(
        project_id=viewer.project_id, day__gte=filters.since, day__lte=filters.until
    )
    if not sees_sensitive_positions(viewer):
        rows = rows.filter(sensitivity=Sensitivity.NORMAL)
    for name in ("source", "type_code", "sector", "status"):
        value = getattr(filters, name)
        if value:
            rows = rows.filter(**{name: value})
    return rows


def _step_of(degrees: float, offset: int) -> int:
    return math.floor((degrees + offset) * STEPS_PER_DEGREE)


# Views are widened to multiples of this many squares, so that a map moved a little
# asks the same question again, and the answer is cached until the rollups change.
SNAP_SQUARES = 8
GRID_CACHE_SECONDS = 600


def rollups_stamp(project_id: ProjectId) -> str:
    """Changes whenever the project's rollups (the grid cells with them) are written:
    the upkeep's mark, its count check, a rebuild."""
    found = (
        RollupState.objects.filter(project_id=project_id)
        .values_list("checked_until", "verified_at", "rebuilt_at")
        .first()
    )
    return "|".join(str(v) for v in found) if found else "none"


def grid(
    viewer: Viewer, filters: Filters, bounds: Bounds, zoom: int, settings: MapSettings
) -> Grid:
    """Records per grid cell in view at ``zoom``: the cells of ``MapCell`` merged by
    integer division (``gx / k``, never negative), filtered to the view's bounds
    (widened to ``SNAP_SQUARES`` squares). Cached per question until the rollups
    change (the answer depends on the viewer only through ``sees_sensitive_positions``)."""
    if not may_see_map(viewer):
        return Grid(0, [], False)
    k = steps_at(zoom, settings)
    snap = k * SNAP_SQUARES
    x0, x1 = _step_of(bounds.west, 180) // snap * snap, _step_of(bounds.east, 180) // snap * snap
    y0, y1 = _step_of(bounds.south, 90) // snap * snap, _step_of(bounds.north, 90) // snap * snap
    x1, y1 = x1 + snap - 1, y1 + snap - 1
    question = (
        viewer.project_id,
        sees_sensitive_positions(viewer),
        filters,
        k,
        (x0, x1, y0, y1),
        rollups_stamp(viewer.project_id),
    )
    key = "map-grid:" + hashlib.sha256(repr(question).encode()).hexdigest()
    found: Grid | None = cache.get(key)
    if found is None:
        found = _grid(viewer, filters, k, (x0, x1, y0, y1))
        cache.set(key, found, GRID_CACHE_SECONDS)
    return found


def coarse_level(k: int) -> int | None:
    """The coarsest kept level (``COARSE_LEVELS``) that a cell of ``k`` steps is made
    of whole, or None."""
    fitting = [level for level in COARSE_LEVELS if level <= k and k % level == 0]
    return fitting[-1] if fitting else None


def _map_filter(filters: Filters) -> tuple[str, str] | None:
    """The map's one filter (name, value), ("", "") for none; None for several."""
    found = [(name, str(getattr(filters, name))) for name in MAP_FILTERS if getattr(filters, name)]
    if len(found) > 1:
        return None
    return found[0] if found else ("", "")


def _coarse_counts(
    viewer: Viewer,
    filters: Filters,
    k: int,
    box: tuple[int, int, int, int],
    level: int,
    weeks: tuple[date, date],
    chosen: tuple[str, str],
) -> dict[tuple[int, int], int]:
    """Records per cell of ``k`` steps from the kept coarse squares of the whole weeks
    (ADR 0012) and the daily cells of the days around them."""
    x0, x1, y0, y1 = box
    ratio = k // level
    rows = MapCoarseCell.objects.filter(
        project_id=viewer.project_id,
        level=level,
        dimension=chosen[0],
        value=chosen[1],
        week__gte=weeks[0],
        week__lt=weeks[1],
        gx__gte=x0 // level,
        gx__lte=x1 // level,
        gy__gte=y0 // level,
        gy__lte=y1 // level,
    )
    if not sees_sensitive_positions(viewer):
        rows = rows.filter(sensitivity=Sensitivity.NORMAL)
    counts: dict[tuple[int, int], int] = {}
    grouped = (
        rows.annotate(cx=F("gx") / ratio, cy=F("gy") / ratio)
        .values("cx", "cy")
        .annotate(n=Sum("records"))
        .order_by()
        .values_list("cx", "cy", "n")
    )
    found = list(grouped)
    for edge in edges_of(filters, weeks):
        found += (
            _map_cells(viewer, edge)
            .filter(gx__gte=x0, gx__lte=x1, gy__gte=y0, gy__lte=y1)
            .annotate(cx=F("gx") / k, cy=F("gy") / k)
            .values("cx", "cy")
            .annotate(n=Sum("records"))
            .order_by()
            .values_list("cx", "cy", "n")
        )
    for cx, cy, n in found:
        counts[(cx, cy)] = counts.get((cx, cy), 0) + int(n or 0)
    return counts


def _grid(viewer: Viewer, filters: Filters, k: int, box: tuple[int, int, int, int]) -> Grid:
    x0, x1, y0, y1 = box
    level, chosen = coarse_level(k), _map_filter(filters)
    weeks = coarse_weeks(viewer.project_id, filters) if level and chosen else None
    found: list[tuple[int, int, int]]
    if level is not None and chosen is not None and weeks is not None:
        counts = _coarse_counts(viewer, filters, k, box, level, weeks, chosen)
        found = sorted(((cx, cy, n) for (cx, cy), n in counts.items()), key=lambda c: -c[2])
        found = found[: GRID_CAP + 1]
    else:
        rows = (
            _map_cells(viewer, filters)
            .filter(gx__gte=x0, gx__lte=x1, gy__gte=y0, gy__lte=y1)
            .annotate(cx=F("gx") / k, cy=F("gy") / k)
            .values("cx", "cy")
            .annotate(n=Sum("records"))
            .order_by("-n")
            .values_list("cx", "cy", "n")
        )
        found = list(rows[: GRID_CAP + 1])
    size = k / STEPS_PER_DEGREE
    cells = [
        GridCell(
            south=round(cy * size - 90, 5),
            west=round(cx * size - 180, 5),
            north=round((cy + 1) * size - 90, 5),
            east=round((cx + 1) * size - 180, 5),
            records=int(n),
        )
        for cx, cy, n in found[:GRID_CAP]
    ]
    return Grid(k, cells, len(found) > GRID_CAP)


def exact_positions(viewer: Viewer, filters: Filters, bounds: Bounds, zoom: int) -> Grid | None:
    """The stored positions in view (each with its number of records), for a viewer
    allowed them, zoomed in enough, and no more than ``EXACT_CAP`` of them; else None
    (the caller shows the grid). Read through the records' row rules."""
    if not (may_see_map(viewer) and may_see_exact(viewer)) or zoom < EXACT_FROM_ZOOM:
        return None
    rows = feedback_visible_to(viewer).filter(
        received_at__gte=day_start(filters.since),
        received_at__lt=day_start(filters.until) + _ONE_DAY,
        lat__gte=bounds.south,
        lat__lte=bounds.north,
        lon__gte=bounds.west,
        lon__lte=bounds.east,
    )
    if not sees_sensitive_positions(viewer):
        rows = rows.filter(sensitivity=Sensitivity.NORMAL)
    for name in ("source", "type_code", "sector", "status"):
        value = getattr(filters, name)
        if value:
            rows = rows.filter(Q(**{name: value}))
    found = list(
        rows.values("lat", "lon")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("lat", "lon", "n")[: EXACT_CAP + 1]
    )
    if len(found) > EXACT_CAP:
        return None
    cells = [GridCell(y, x, y, x, int(n)) for y, x, n in found if y is not None and x is not None]
    return Grid(0, cells, False, exact=True)


# ---------------------------------------------------------------- boundaries


def tolerance_at(zoom: int) -> float:
    """Degrees to simplify boundaries by at ``zoom`` (about ``TOLERANCE_PIXELS``)."""
    return float(TOLERANCE_PIXELS * 360 / (256 * 2**zoom))


def boundaries(viewer: Viewer, level: int, zoom: int, labels: Labels) -> dict[str, Any]:
    """The areas of ``level`` as a GeoJSON FeatureCollection, simplified for ``zoom``
    (topology kept; an area that would vanish keeps its own shape): id, P-code and
    name as properties, nothing else."""
    features: list[dict[str, Any]] = []
    if not may_see_map(viewer):
        return {"type": "FeatureCollection", "features": features}
    tolerance = tolerance_at(zoom)
    names = labels.area_names()
    for pk, pcode, geometry in (
        AdminArea.objects.filter(project_id=viewer.project_id, level=level, geometry__isnull=False)
        .order_by("pcode")
        .values_list("pk", "pcode", "geometry")
    ):
        if not geometry:
            continue
        outline = shape(geometry)
        simple = outline.simplify(tolerance, preserve_topology=True)
        if simple.is_empty:
            simple = outline
        features.append(
            {
                "type": "Feature",
                "id": pk,
                "properties": {"id": pk, "pcode": pcode, "name": names.get(pk, pcode)},
                "geometry": _rounded(mapping(simple), zoom),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _rounded(geometry: Any, zoom: int) -> Any:
    """Coordinates rounded to what the zoom can show (fewer bytes)."""
    digits = min(6, max(2, math.ceil(math.log10(2**zoom * 256 / 360)) + 1))

    def walk(value: Any) -> Any:
        if isinstance(value, float):
            return round(value, digits)
        if isinstance(value, list | tuple):
            return [walk(v) for v in value]
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        return value

    return walk(geometry)


def boundaries_stamp(project_id: ProjectId) -> str:
    """Changes when any area of the project changes (for caching the boundaries)."""
    found = AdminArea.objects.filter(project_id=project_id).aggregate(
        n=Count("pk"), last=Max("updated_at")
    )
    last = found["last"].isoformat() if found["last"] else ""
    return f"{found['n']}-{last}"
