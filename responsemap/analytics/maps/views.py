"""The map (``/p/<slug>/map/``): a choropleth of the records by administrative area,
and the records' positions counted on a grid, drawn by Leaflet from what the page and
two JSON endpoints give (``maps.queries``: aggregates only, never a record)."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from responsemap.analytics.forms import filters_of
from responsemap.analytics.maps import queries
from responsemap.analytics.maps.actions import do_update_map_settings
from responsemap.analytics.maps.forms import BoundariesForm, MapForm, MapSettingsForm, ViewForm
from responsemap.analytics.queries import Filters, Labels
from responsemap.lib import clock
from responsemap.projects.layout import layout
from responsemap.projects.models import Project
from responsemap.projects.queries import access_project
from responsemap.protection.viewer import Viewer

FILTER_NAMES = ("since", "until", "source", "type_code", "sector", "status")
BOUNDARIES_CACHE_SECONDS = 3600


def _map_access(request: HttpRequest, slug: str) -> tuple[Project, Viewer]:
    project, viewer = access_project(request.user, slug)
    if not queries.may_see_map(viewer):
        raise Http404
    return project, viewer


def _filters(
    request: HttpRequest, project: Project, levels: list[int]
) -> tuple[MapForm, Filters | None, int | None]:
    today = clock.now().date()
    form = MapForm(request.GET or None, project_id=project.pk, today=today, levels=levels)
    if request.GET and not form.is_valid():
        return form, None, None
    data: dict[str, Any] = form.cleaned_data if request.GET else {}
    # The dashboard's parsing; the map shows every area (its choropleth), so no area.
    filters = replace(filters_of(data, today), area=None)
    since, until = filters.since, filters.until
    level = data.get("level")
    if level is None and levels:
        level = levels[0]
    if not request.GET:
        form = MapForm(
            initial={"since": since, "until": until, "level": level},
            project_id=project.pk,
            today=today,
            levels=levels,
        )
    return form, filters, level


def _legend(counts: queries.AreaCounts) -> list[dict[str, Any]]:
    classes = queries.classes_of([a.records for a in counts.areas])
    return [{"index": i + 1, "low": low, "high": high} for i, (low, high) in enumerate(classes)]


def _class_of(records: int, legend: list[dict[str, Any]]) -> int:
    for item in legend:
        if item["low"] <= records <= item["high"]:
            return int(item["index"])
    return 0


@login_required
@require_GET
def map_page(request: HttpRequest, slug: str) -> HttpResponse:
    project, viewer = _map_access(request, slug)
    levels = queries.levels_of(project.pk)
    form, filters, level = _filters(request, project, levels)
    context: dict[str, Any] = {**layout(project, viewer), "form": form, "levels": levels}
    if filters is None:
        return render(request, "analytics/maps/map.html", context, status=400)
    labels = Labels(project.pk, get_language() or "")
    settings = queries.settings_of(project.pk)
    counts = queries.area_counts(viewer, filters, level, labels) if level is not None else None
    legend = _legend(counts) if counts is not None else []
    rows = (
        [
            {
                "id": a.area_id,
                "pcode": a.pcode,
                "name": a.name,
                "records": a.records,
                "class": _class_of(a.records, legend),
            }
            for a in counts.areas
        ]
        if counts is not None
        else []
    )
    query = urlencode({k: v for k, v in request.GET.items() if k in FILTER_NAMES})
    context.update(
        {
            "filters": filters,
            "level": level,
            "counts": counts,
            "legend": legend,
            "rows": rows,
            "sensitive_positions": queries.sees_sensitive_positions(viewer),
            "exact_allowed": queries.may_see_exact(viewer),
            "may_manage": viewer.can("manage_project"),
            "map_config": {
                "areas": {
                    str(r["id"]): {"records": r["records"], "class": r["class"]} for r in rows
                },
                "boundaries": reverse("analytics:map_boundaries", args=[slug]),
                "grid": reverse("analytics:map_grid", args=[slug]),
                "query": query,
                "level": level,
                "tiles": settings.tile_url,
                "attribution": settings.tile_attribution,
                "exactFromZoom": queries.EXACT_FROM_ZOOM if queries.may_see_exact(viewer) else None,
                "words": {
                    "records": _("records"),
                    "noRecords": _("no records"),
                    "gridNote": _("Positions counted in squares of about %(km)s km."),
                    "exactNote": _("Exact positions (stored to about 1 km)."),
                    "capped": _("Only the busiest squares are shown: zoom in for the rest."),
                    "areas": _("Areas"),
                    "areaCounts": _("Numbers per area"),
                    "positions": _("Positions"),
                    "background": _("Background map"),
                },
            },
        }
    )
    return render(request, "analytics/maps/map.html", context)


@login_required
@require_GET
def boundaries(request: HttpRequest, slug: str) -> HttpResponse:
    """The areas of a level as GeoJSON, simplified for the zoom; cached until an area
    of the project changes (the same for every viewer who may see the map)."""
    project, viewer = _map_access(request, slug)
    form = BoundariesForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    level, zoom = form.cleaned_data["level"], form.cleaned_data["zoom"] or 0
    zoom = min(zoom, 14)  # past 14, a pixel is finer than any boundary file's detail
    language = get_language() or ""
    stamp = queries.boundaries_stamp(project.pk)
    key = (
        "map-boundaries:"
        + hashlib.sha256(f"{project.pk}|{level}|{zoom}|{language}|{stamp}".encode()).hexdigest()
    )
    found = cache.get(key)
    if found is None:
        found = queries.boundaries(viewer, level, zoom, Labels(project.pk, language))
        cache.set(key, found, BOUNDARIES_CACHE_SECONDS)
    response = JsonResponse(found)
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
@require_GET
def grid(request: HttpRequest, slug: str) -> HttpResponse:
    """Records counted per grid cell in the view (or, for a viewer allowed them and
    zoomed in, their positions): ``?bbox=w,s,e,n&zoom=z`` and the map's filters."""
    project, viewer = _map_access(request, slug)
    view = ViewForm(request.GET)
    levels = queries.levels_of(project.pk)
    _form, filters, _level = _filters(request, project, levels)
    if not view.is_valid() or filters is None:
        errors = dict(view.errors) if not view.is_valid() else {}
        if filters is None:
            errors.update(_form.errors)
        return JsonResponse({"errors": errors}, status=400)
    bounds, zoom = view.cleaned_data["bbox"], view.cleaned_data["zoom"]
    settings = queries.settings_of(project.pk)
    found = queries.exact_positions(viewer, filters, bounds, zoom)
    if found is None:
        found = queries.grid(viewer, filters, bounds, zoom, settings)
    return JsonResponse(
        {
            "exact": found.exact,
            "km": round(found.steps * queries.METRES_PER_STEP / 1000, 1),
            "capped": found.capped,
            "cells": [cell.as_dict() for cell in found.cells],
        }
    )


@login_required
def map_settings(request: HttpRequest, slug: str) -> HttpResponse:
    project, viewer = _map_access(request, slug)
    if not viewer.can("manage_project"):
        raise Http404
    current = queries.settings_of(project.pk)
    form = MapSettingsForm(request.POST or None, instance=current)
    if request.method == "POST":
        if form.is_valid():
            do_update_map_settings(
                viewer,
                grid_metres=form.cleaned_data["grid_metres"],
                tile_url=form.cleaned_data["tile_url"],
                tile_attribution=form.cleaned_data["tile_attribution"],
            )
            messages.success(request, _("Map settings saved."))
            return redirect("analytics:map", slug)
        context = {**layout(project, viewer), "form": form}
        return render(request, "analytics/maps/settings.html", context, status=400)
    context = {**layout(project, viewer), "form": form}
    return render(request, "analytics/maps/settings.html", context)
