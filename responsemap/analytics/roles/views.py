"""Dashboards per role: the donor's / government counterpart's summary, a partner's
referrals, and the organisation-level view across a person's projects. Charts are
drawn on the server as SVG (``reports.svg``): no script, and they print."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from responsemap.analytics import queries
from responsemap.analytics.queries import Filters, Labels
from responsemap.analytics.roles import charts
from responsemap.analytics.roles.forms import PeriodForm, complete_months, period_of
from responsemap.analytics.roles.organisation import organisation_figures
from responsemap.analytics.roles.outside import outside_figures
from responsemap.analytics.roles.partner import ANSWER_DAYS, partner_figures
from responsemap.lib import clock
from responsemap.projects.layout import layout
from responsemap.projects.queries import access_project
from responsemap.projects.sharing.queries import partner_of


def _period(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    default: tuple[date, date] | None = None,
) -> Any:
    """The period asked for, or the page with the form's errors (a 400)."""
    found = period_of(request.GET, clock.now().date(), default)
    if isinstance(found, PeriodForm):
        return render(request, template, {**context, "form": found}, status=400)
    return found


@login_required
def outside_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    """The summary a donor or a government counterpart sees (anyone with
    ``view_dashboards`` may open it: it is what they would show a donor)."""
    project, viewer = access_project(request.user, slug)
    if not queries.may_see_dashboard(viewer):
        raise Http404
    template = "analytics/roles/outside.html"
    # By default the last three complete months: the figures are protected by month.
    default = complete_months(clock.now().date())
    found = _period(request, template, layout(project, viewer), default)
    if isinstance(found, HttpResponse):
        return found
    form, since, until = found
    labels = Labels(project.pk, get_language() or "")
    figures = outside_figures(viewer, Filters(since=since, until=until), labels)
    assert figures is not None
    context = {
        **layout(project, viewer),
        "form": form,
        "figures": figures,
        **charts.outside_charts(figures),
    }
    return render(request, template, context)


@login_required
def partner_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    """A partner's user: the figures of the referrals made to their partner."""
    project, viewer = access_project(request.user, slug)
    template = "analytics/roles/partner.html"
    now = clock.now()
    labels = Labels(project.pk, get_language() or "")
    # Checked before the dates: anyone else learns nothing from a bad date either.
    if partner_of(viewer) is None:
        raise Http404
    found = _period(request, template, layout(project, viewer))
    if isinstance(found, HttpResponse):
        return found
    form, since, until = found
    figures = partner_figures(viewer, now, since, until, labels)
    assert figures is not None
    context = {
        **layout(project, viewer),
        "form": form,
        "since": since,
        "until": until,
        "figures": figures,
        "answer_days": ANSWER_DAYS,
        **charts.partner_charts(figures),
    }
    return render(request, template, context)


@login_required
def organisation_dashboard(request: HttpRequest) -> HttpResponse:
    """Every project whose dashboards the person may see, side by side."""
    now = clock.now()
    projects = organisation_figures(request.user, now)
    rows = [
        (
            figures,
            charts.draw(
                {
                    "kind": "bar",
                    "title": _("Records received per week"),
                    "labels": [start.isoformat() for start, _n in figures.weeks],
                    "series": [{"name": _("Records"), "values": [n for _s, n in figures.weeks]}],
                    "dates": True,
                }
            ),
        )
        for figures in projects
    ]
    if not rows:
        raise Http404
    return render(
        request,
        "analytics/roles/organisation.html",
        {"rows": rows, "updated_at": now, "cases_cap": queries.CASES_CAP},
    )
