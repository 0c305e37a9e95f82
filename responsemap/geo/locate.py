"""Point → administrative area, and coarsening of coordinates."""

from __future__ import annotations

from typing import Any

from shapely.geometry import Point, shape
from shapely.prepared import prep

from responsemap.geo.models import AdminArea
from responsemap.protection.viewer import ProjectId


def bounds_of(geometry: dict[str, Any]) -> tuple[float, float, float, float]:
    minx, miny, maxx, maxy = shape(geometry).bounds
    return minx, miny, maxx, maxy


def locate_point(project_id: ProjectId, lat: float, lon: float) -> AdminArea | None:
    """The deepest area of the project containing the point, or None."""
    candidates = AdminArea.objects.filter(
        project_id=project_id,
        min_lon__lte=lon,
        max_lon__gte=lon,
        min_lat__lte=lat,
        max_lat__gte=lat,
    ).order_by("-level")
    point = Point(lon, lat)
    for area in candidates:
        if area.geometry and prep(shape(area.geometry)).covers(point):
            return area
    return None


def coarsen(lat: float, lon: float, decimals: int = 2) -> tuple[float, float]:
    """Round a position (2 decimals ≈ 1 km): precise enough for a map, not for a door."""
    return round(lat, decimals), round(lon, decimals)


class AreaNames:
    """A project's area names (every language) and P-codes, loaded once and matched
    against many texts (a batch of messages)."""

    def __init__(self, project_id: ProjectId) -> None:
        self.needles: list[tuple[list[str], AdminArea]] = []
        areas = AdminArea.objects.filter(project_id=project_id).only(
            "pk", "pcode", "name", "names", "level"
        )
        for area in areas:
            names = {area.name, area.pcode, *[str(n) for n in area.names.values()]}
            needles = [n.casefold().strip() for n in names]
            self.needles.append(([n for n in needles if len(n) >= 3], area))

    def find(self, text: str) -> AdminArea | None:
        """The deepest area whose name or P-code appears in ``text``, as a whole word."""
        haystack = f" {text.casefold()} "
        best: AdminArea | None = None
        for needles, area in self.needles:
            if best is not None and area.level <= best.level:
                continue
            if any(_mentions(haystack, needle) for needle in needles):
                best = area
        return best


def area_named_in(project_id: ProjectId, text: str) -> AdminArea | None:
    """The deepest area whose name (in any language) or P-code appears in ``text``."""
    return AreaNames(project_id).find(text)


def _mentions(haystack: str, needle: str) -> bool:
    start = haystack.find(needle)
    while start != -1:
        before, after = haystack[start - 1], haystack[start + len(needle) : start + len(needle) + 1]
        if not before.isalnum() and not after.isalnum():
            return True
        start = haystack.find(needle, start + 1)
    return False
