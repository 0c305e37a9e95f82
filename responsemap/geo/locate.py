"""Point → administrative area, and coarsening of coordinates."""

from __future__ import annotations

import re
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
    against many texts (a batch of messages) with one regular expression."""

    def __init__(self, project_id: ProjectId) -> None:
        self.areas: dict[str, AdminArea] = {}
        areas = AdminArea.objects.filter(project_id=project_id).only(
            "pk", "pcode", "name", "names", "level"
        )
        for area in areas:
            for name in {area.name, area.pcode, *[str(n) for n in area.names.values()]}:
                needle = name.casefold().strip()
                known = self.areas.get(needle)
                if len(needle) >= 3 and (known is None or area.level > known.level):
                    self.areas[needle] = area
        # Longest first, so "Port-de-Paix" is read as itself and not as "Paix".
        alternatives = "|".join(re.escape(n) for n in sorted(self.areas, key=len, reverse=True))
        self.pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)") if self.areas else None

    def find(self, text: str) -> AdminArea | None:
        """The deepest area whose name or P-code appears in ``text``, as a whole word."""
        if self.pattern is None:
            return None
        found = [self.areas[m.group()] for m in self.pattern.finditer(text.casefold())]
        return max(found, key=lambda area: area.level, default=None)
