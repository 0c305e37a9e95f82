"""The report's map: a choropleth of the project's areas (server-side SVG from their
geometry, ``svg.choropleth``), at the deepest level a donor may see (2) or the
deepest level the project has with outlines, if shallower."""

from __future__ import annotations

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, get_language_bidi
from django.utils.translation import gettext as _

from responsemap.analytics.reports import svg
from responsemap.analytics.roles.charts import number, words
from responsemap.analytics.roles.outside import DEEPEST_LEVEL
from responsemap.geo.models import AdminArea
from responsemap.protection.viewer import Viewer


def area_map(viewer: Viewer, counts: dict[int, int | None]) -> SafeString | None:
    """The map of ``counts`` (area id → records, None where held back); None when the
    project has no area with an outline at level 2 or above."""
    rows = list(
        AdminArea.objects.filter(
            project_id=viewer.project_id, level__lte=DEEPEST_LEVEL, geometry__isnull=False
        ).values_list("pk", "name", "names", "level", "geometry")
    )
    if not rows:
        return None
    level = max(row[3] for row in rows)
    language = get_language() or ""
    regions = [
        svg.Region(
            name=str((names or {}).get(language) or name),
            geometry=geometry,
            value=counts.get(pk, 0),
        )
        for pk, name, names, at, geometry in rows
        if at == level
    ]
    drawn = svg.choropleth(
        _("Records by area"), regions, rtl=get_language_bidi(), number=number, words=words()
    )
    return mark_safe(drawn)  # noqa: S308 (every text escaped by ``svg``)
