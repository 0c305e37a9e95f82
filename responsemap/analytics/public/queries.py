"""Reading the public page: for the public (only a page that is on, only published
tables), and for staff (settings, the ledger, releases waiting for approval).

The public's figures are built once per page version and language and kept in the
Django cache (``public_figures``): the version moves with every change
(``actions``), so no process serves a stale copy after a release or a settings change.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.cache import cache
from django.db.models import Min
from django.http import Http404

from responsemap.analytics.models import RollupMargin
from responsemap.analytics.public.models import PublicPage, Release, ReleasedTable
from responsemap.analytics.public.tables import (
    GENERAL,
    NO_AREA,
    PROTECTION,
    TOTAL,
    PublishedTable,
    month_end,
)
from responsemap.analytics.queries import Labels
from responsemap.analytics.rollups import ALL
from responsemap.projects.models import Project
from responsemap.protection.viewer import Viewer

CACHE_SECONDS = 3600
MONTHS_OFFERED = 12


def public_page(slug: str) -> PublicPage:
    """The page of an active project whose manager turned it on; anything else is a
    404 (an unknown project and a page that is off look the same)."""
    page = (
        PublicPage.objects.select_related("project__organisation")  # shown by present()
        .filter(project__slug=slug, project__status=Project.Status.ACTIVE, enabled=True)
        .first()
    )
    if page is None:
        raise Http404
    return page


def page_settings(viewer: Viewer) -> PublicPage:
    """The project's page settings (defaults, unsaved, if never set); managers only."""
    if not viewer.can("manage_project"):
        raise Http404
    found = PublicPage.objects.filter(project_id=viewer.project_id).first()
    return found or PublicPage(project_id=viewer.project_id)


def releases_of(viewer: Viewer) -> list[Release]:
    if not (viewer.can("manage_project") or viewer.can("view_sensitive")):
        raise Http404
    return list(Release.objects.filter(project_id=viewer.project_id).order_by("-month"))


def release_for_approval(viewer: Viewer, pk: int) -> Release:
    """A release of the viewer's project, for a protection specialist; else 404."""
    if not viewer.can("view_sensitive"):
        raise Http404
    found = Release.objects.filter(project_id=viewer.project_id, pk=pk).first()
    if found is None:
        raise Http404
    return found


def ledger_of(viewer: Viewer) -> list[ReleasedTable]:
    """Every table the project's releases recorded, oldest month first; managers only."""
    if not viewer.can("manage_project"):
        raise Http404
    return list(
        ReleasedTable.objects.filter(release__project_id=viewer.project_id).select_related(
            "release"
        )
    )


def protection_tables(release: Release) -> list[ReleasedTable]:
    """What a protection specialist is asked to approve (the release is theirs:
    ``release_for_approval``)."""
    return list(release.tables.filter(family=PROTECTION))


def months_to_release(viewer: Viewer, today: date) -> list[date]:
    """Complete months since the first record, not released yet, newest first (the
    last ``MONTHS_OFFERED``)."""
    if not viewer.can("manage_project"):
        raise Http404
    first = RollupMargin.objects.filter(project_id=viewer.project_id, dimension=ALL).aggregate(
        first=Min("day")
    )["first"]
    if first is None:
        return []
    done = set(Release.objects.filter(project_id=viewer.project_id).values_list("month", flat=True))
    months: list[date] = []
    month = date(today.year, today.month, 1)
    while len(months) < MONTHS_OFFERED:
        month = date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)
        if month_end(month) <= first:
            break
        if month not in done:
            months.append(month)
    return months


def published_tables(project_id: uuid.UUID) -> list[PublishedTable]:
    """Everything the public can see of a project: the tables made public (protection
    ones only once approved)."""
    rows = (
        ReleasedTable.objects.filter(release__project_id=project_id, published_at__isnull=False)
        .values_list("release__month", "family", "name", "threshold", "cells")
        .order_by("release__month", "family", "name")
    )
    return [
        PublishedTable(month, family, name, threshold, [tuple(c) for c in cells])
        for month, family, name, threshold, cells in rows
    ]


@dataclass(frozen=True)
class Bar:
    label: str
    count: int | None  # None: not shown
    share: float  # of the largest shown, for the bar's length


def _bars(cells: list[tuple[str, int | None]], label_of: Any) -> list[Bar]:
    top = max((n for _c, n in cells if n), default=0) or 1
    shown = [Bar(label_of(c), n, (n or 0) / top) for c, n in cells]
    return sorted(shown, key=lambda b: (b.count is None, -(b.count or 0), b.label))


def _label_of(labels: Labels, dimension: str) -> Any:
    name = {"type_code": "type_code", "sector": "sector", "area": "area"}.get(dimension, dimension)

    def label(code: str) -> str:
        if name == "area" and code == NO_AREA:
            return labels.of("area", "")
        return labels.of(name, code)

    return label


def public_figures(page: PublicPage, language: str) -> dict[str, Any]:
    """What the public page shows, from the published tables: months (the trend),
    each month's tables with words for codes, and the protection figures approved.
    Cached per page version and language."""
    key = f"public-page:{page.project_id}:{page.version}:{language}"
    found = cache.get(key)
    if found is None:
        found = _figures(page.project_id, language)
        cache.set(key, found, CACHE_SECONDS)
    return found  # type: ignore[no-any-return]


def _figures(project_id: uuid.UUID, language: str) -> dict[str, Any]:
    labels = Labels(project_id, language)
    by_month: dict[date, dict[str, dict[str, Any]]] = defaultdict(lambda: defaultdict(dict))
    for table in published_tables(project_id):
        cells = list(table.cells)
        if table.name == TOTAL:
            by_month[table.month][table.family]["total"] = cells[0][1]
            by_month[table.month][table.family]["threshold"] = table.threshold
            continue
        dimension = {"type": "type_code"}.get(table.name, table.name)
        by_month[table.month][table.family][table.name] = _bars(cells, _label_of(labels, dimension))
    months = sorted(by_month)
    totals = [by_month[m][GENERAL].get("total") for m in months]
    top = max((t for t in totals if t), default=0) or 1
    trend = [
        {"month": m, "total": t, "share": (t or 0) / top}
        for m, t in zip(months, totals, strict=True)
    ]
    area_names = sorted(
        {
            bar.label
            for m in months
            for family in (GENERAL, PROTECTION)
            for bar in by_month[m][family].get("area", [])
        }
    )
    return {
        "months": [
            {
                "month": m,
                GENERAL: dict(by_month[m][GENERAL]),
                PROTECTION: dict(by_month[m][PROTECTION]),
            }
            for m in months
        ],
        "trend": trend,
        "first": months[0] if months else None,
        "last": months[-1] if months else None,
        "shown_total": sum(t for t in totals if t),
        "areas": area_names,
    }
