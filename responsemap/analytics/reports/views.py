"""The printable report (for donors and partners) with the manager's narrative, and
the dashboard charts as SVG files.

The report is an ordinary page with a print stylesheet (``report.css``): A4, the
classification mark repeated on every printed page (a fixed header and footer:
Chromium ignores ``@page`` margin boxes), charts and the map as inline SVG drawn on the
server, so "Save as PDF" needs no script. What it shows is the reader's role view:
a partner's user gets their referrals' figures; anyone with ``view_dashboards`` the
donor's summary (small counts held back), which is what a manager hands a donor.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from responsemap.analytics import queries
from responsemap.analytics.forms import DashboardForm, filters_of
from responsemap.analytics.queries import Filters, Labels
from responsemap.analytics.reports.actions import (
    NARRATIVE_MAX_LENGTH,
    NarrativeRefused,
    do_edit_report_narrative,
)
from responsemap.analytics.reports.forms import NarrativeForm
from responsemap.analytics.reports.maps import area_map
from responsemap.analytics.reports.queries import may_read_report, narrative_for
from responsemap.analytics.roles import charts
from responsemap.analytics.roles.forms import PeriodForm, period_of
from responsemap.analytics.roles.outside import outside_figures
from responsemap.analytics.roles.partner import ANSWER_DAYS, partner_figures
from responsemap.lib import clock
from responsemap.projects.layout import layout
from responsemap.projects.lifecycle.marks import mark_export
from responsemap.projects.queries import access_project
from responsemap.projects.sharing.queries import partner_of
from responsemap.protection.present import present


@login_required
def report(request: HttpRequest, slug: str) -> HttpResponse:
    project, viewer = access_project(request.user, slug)
    if not may_read_report(viewer):
        raise Http404
    now = clock.now()
    template = "analytics/reports/report.html"
    found = period_of(request.GET, now.date())
    if isinstance(found, PeriodForm):
        return render(request, template, {**layout(project, viewer), "form": found}, status=400)
    form, since, until = found
    labels = Labels(project.pk, get_language() or "")
    narrative = narrative_for(viewer)
    context: dict[str, Any] = {
        **layout(project, viewer),
        "form": form,
        "since": since,
        "until": until,
        "printed_at": now,
        "narrative": present(narrative, viewer, "report") if narrative else None,
        "may_edit": viewer.can("manage_project"),
    }
    if partner_of(viewer) is not None:
        figures = partner_figures(viewer, now, since, until, labels)
        assert figures is not None
        context.update(partner=figures, answer_days=ANSWER_DAYS, **charts.partner_charts(figures))
    else:
        outside = outside_figures(viewer, Filters(since=since, until=until), labels)
        assert outside is not None
        context.update(
            figures=outside,
            map_svg=area_map(viewer, outside.areas),
            **charts.outside_charts(outside),
        )
    return render(request, template, context)


@login_required
def edit_narrative(request: HttpRequest, slug: str) -> HttpResponse:
    """A manager writes the report's narrative (sealed; audited)."""
    project, viewer = access_project(request.user, slug)
    if not viewer.can("manage_project"):
        raise Http404
    narrative = narrative_for(viewer)
    template = "analytics/reports/narrative.html"
    if request.method == "POST":
        form = NarrativeForm(request.POST)
        if form.is_valid():
            try:
                do_edit_report_narrative(viewer, form.cleaned_data["text"])
            except NarrativeRefused as refused:
                form.add_error("text", str(refused))
            else:
                return redirect("analytics:report", slug=project.slug)
        context = {**layout(project, viewer), "form": form}
        return render(request, template, context, status=400)
    shown = present(narrative, viewer, "report") if narrative else None
    form = NarrativeForm(initial={"text": shown["text"].value if shown else ""})
    context = {**layout(project, viewer), "form": form, "max_length": NARRATIVE_MAX_LENGTH}
    return render(request, template, context)


@login_required
def chart_svg(request: HttpRequest, slug: str, name: str) -> HttpResponse:
    """One chart of the staff dashboard as an SVG file, for its filters: the same
    figures and specs as the page (``views.dashboard_context``), drawn by ``svg``."""
    from responsemap.analytics.views import dashboard_context

    project, viewer = access_project(request.user, slug)
    if not queries.may_see_staff_figures(viewer):
        raise Http404
    today = clock.now().date()
    params = request.GET.copy()
    params.pop("fragment", None)
    form = DashboardForm(params or None, project_id=project.pk, today=today)
    if params and not form.is_valid():
        return HttpResponse(
            _("These filters are not valid."), status=400, content_type="text/plain"
        )
    filters = filters_of(form.cleaned_data if params else {}, today)
    context = dashboard_context(project.slug, viewer, filters)
    specs = {
        "chart-volume": context["volume_chart"],
        "chart-timing": context["timing_chart"],
        **{panel["chart_id"]: panel["chart"] for panel in context["panels"]},
    }
    spec = specs.get(name)
    if spec is None:
        raise Http404
    response = HttpResponse(charts.draw(spec), content_type="image/svg+xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.svg"'
    response["X-Content-Type-Options"] = "nosniff"
    return mark_export(response, project)  # classification and purpose
