"""The staff dashboard: figures from rollups (``analytics.queries``), charts drawn in
the browser from the numbers the page carries, each with its table."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from responsemap.analytics import queries
from responsemap.analytics.forms import DashboardForm, filters_of
from responsemap.analytics.queries import SHARED_FILTERS, Filters, Labels
from responsemap.lib import clock
from responsemap.projects.layout import layout
from responsemap.projects.queries import access_project
from responsemap.protection.viewer import Viewer

# Seconds between two refreshes of the figures while the page is in view.
REFRESH_SECONDS = 30
# The panels, in the page's order (``queries.BREAKDOWNS``).
PANELS = (
    "source",
    "type_code",
    "sector",
    "area",
    "status",
    "gender",
    "age_band",
    "disability",
    "displacement",
)


def _bar_href(slug: str, viewer: Viewer, filters: Filters, name: str, value: str) -> str | None:
    """Where a bar leads: the inbox with the dashboard's filters and the bar's value
    (for a viewer who may see records), or this dashboard so filtered; None for a
    dimension the inbox does not filter by, no value, or the sensitive bar."""
    if name not in SHARED_FILTERS or value in (queries.SENSITIVE, queries.NONE):
        return None
    params = {**filters.inbox_params(), name: value}
    if viewer.can("view_feedback"):
        return f"{reverse('triage:inbox', args=[slug])}?{urlencode(params)}"
    return f"{reverse('analytics:dashboard', args=[slug])}?{urlencode(params)}"


def _panel(slug: str, viewer: Viewer, filters: Filters, found: queries.Breakdown) -> dict[str, Any]:
    bars = [
        {
            "label": bar.label,
            "records": bar.records,
            "share": bar.share,
            "href": _bar_href(slug, viewer, filters, found.name, bar.value),
        }
        for bar in found.bars
    ]
    return {
        "name": found.name,
        "chart_id": f"chart-{found.name}",
        "title": found.title,
        "total": found.total,
        "bars": bars,
        "chart": {
            "kind": "bar",
            "title": found.title,
            "labels": [bar["label"] for bar in bars],
            "series": [{"name": _("Records"), "values": [bar["records"] for bar in bars]}],
            "links": [bar["href"] for bar in bars],
        },
    }


# Longer than this, the volume is shown per week (a point a day would crowd a phone).
DAILY_UP_TO_DAYS = 92


def by_week(days: list[tuple[date, int]]) -> list[tuple[date, int]]:
    """Records per week (keyed by the week's first day in the dates) once the dates
    run over ``DAILY_UP_TO_DAYS``; per day otherwise."""
    if len(days) <= DAILY_UP_TO_DAYS:
        return days
    weeks: dict[date, int] = {}
    for day, n in days:
        start = max(days[0][0], day - timedelta(days=day.weekday()))
        weeks[start] = weeks.get(start, 0) + n
    return sorted(weeks.items())


def dashboard_context(slug: str, viewer: Viewer, filters: Filters) -> dict[str, Any]:
    now = clock.now()
    labels = Labels(viewer.project_id, get_language() or "")
    summary = queries.summarise(viewer, filters, labels)
    totals, volume = summary.totals, by_week(summary.volume)
    weekly = len(volume) < len(summary.volume)
    panels = [_panel(slug, viewer, filters, summary.breakdowns[name]) for name in PANELS]
    buckets = [str(words) for words in queries.BUCKET_WORDS]
    return {
        "filters": filters,
        "totals": totals,
        "open_cases": queries.open_cases(viewer, now),
        "cases_cap": queries.CASES_CAP,
        "concerns": queries.emerging_concerns(viewer, filters.until, labels=labels),
        "volume": volume,
        "volume_weekly": weekly,
        "volume_chart": {
            "kind": "line",
            "title": _("Records received per week") if weekly else _("Records received per day"),
            "labels": [day.isoformat() for day, _n in volume],
            "series": [{"name": _("Records"), "values": [n for _day, n in volume]}],
            "dates": True,
        },
        "timing_rows": [
            {"label": words, "responded": r, "closed": c}
            for words, r, c in zip(
                buckets, totals.response_buckets, totals.close_buckets, strict=True
            )
        ],
        "timing_chart": {
            "kind": "bar",
            "title": _("Time to first response and to close"),
            "labels": buckets,
            "series": [
                {"name": _("First response"), "values": list(totals.response_buckets)},
                {"name": _("Closed"), "values": list(totals.close_buckets)},
            ],
        },
        "panels": panels,
        "refresh_seconds": REFRESH_SECONDS,
        "updated_at": now,
        "sensitive_hidden": not viewer.can("view_sensitive"),
        "inbox_href": (
            f"{reverse('triage:inbox', args=[slug])}?{urlencode(filters.inbox_params())}"
            if viewer.can("view_feedback")
            else None
        ),
    }


@login_required
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    project, viewer = access_project(request.user, slug)
    if not queries.may_see_dashboard(viewer):
        raise Http404
    if not queries.may_see_staff_figures(viewer):
        return redirect("analytics:outside", slug=project.slug)  # a donor: the summary
    today = clock.now().date()
    form = DashboardForm(request.GET or None, project_id=project.pk, today=today)
    if request.GET and not form.is_valid():
        context = {**layout(project, viewer), "form": form}
        return render(request, "analytics/dashboard.html", context, status=400)
    filters = filters_of(form.cleaned_data if request.GET else {}, today)
    since, until = filters.since, filters.until
    context = {
        **layout(project, viewer),
        "form": form
        if request.GET
        else DashboardForm(
            initial={"since": since, "until": until}, project_id=project.pk, today=today
        ),
        **dashboard_context(slug, viewer, filters),
    }
    # The live refresh asks for the figures alone (``dashboard.js``).
    fragment = request.GET.get("fragment") == "panels"
    template = "analytics/_panels.html" if fragment else "analytics/dashboard.html"
    return render(request, template, context)
