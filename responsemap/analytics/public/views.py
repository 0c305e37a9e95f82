"""The public page (anyone, no sign-in) and its staff screens: settings and releases
(managers), the release ledger (managers), approval of protection figures
(protection specialists)."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from responsemap.analytics.public import queries
from responsemap.analytics.public.actions import (
    PageSettings,
    ReleaseRefused,
    do_approve_protection,
    do_release_month,
    do_update_public_page,
)
from responsemap.analytics.public.forms import PublicPageForm, ReleaseForm
from responsemap.analytics.public.tables import GENERAL, PROTECTION
from responsemap.analytics.queries import Labels
from responsemap.lib import clock
from responsemap.projects.layout import layout
from responsemap.projects.queries import access_project
from responsemap.protection.present import PUBLIC, present
from responsemap.triage.forms import language_name
from responsemap.triage.public_guard import client_network
from responsemap.triage.public_views import chosen_language
from responsemap.triage.status_lookup.guard import claim_request

THROTTLE_PREFIX = "public-page"
# The ledger's tables in the page's order.
LEDGER_ORDER = ["total", "type", "sector", "area", "gender", "age_band"]


def _month_asked(request: HttpRequest, months: list[dict[str, Any]]) -> dict[str, Any] | None:
    asked = request.GET.get("month", "")
    if not asked:
        return months[-1] if months else None
    for entry in months:
        if entry["month"].strftime("%Y-%m") == asked:
            return entry
    raise Http404


@require_GET
def public_page(request: HttpRequest, slug: str) -> HttpResponse:
    """``/public/<slug>/``: the published figures, nothing else (no text a person wrote,
    no position, no contact). 404 unless the manager turned the page on."""
    # Counted before the project is looked up: guessing addresses is throttled too.
    client = f"{THROTTLE_PREFIX}|{client_network(request.META.get('REMOTE_ADDR'))}"
    if not claim_request(client, int(settings.RESPONSEMAP_PUBLIC_PAGE_RATE_LIMIT)):
        notice = {
            "title": _("Too many requests"),
            "message": _(
                "Too many pages were asked for from your network. Please try again in a few "
                "minutes."
            ),
        }
        response = render(request, "analytics/public/notice.html", notice, status=429)
        response["Retry-After"] = str(settings.RESPONSEMAP_STATUS_RATE_WINDOW_SECONDS)
        return response
    page = queries.public_page(slug)
    project = page.project
    language = chosen_language(project, request)
    # The whole page is kept once rendered, under the page's version (moved by every
    # change): the same key as its figures' plus the month asked.
    html_key = (
        f"public-page-html:{page.project_id}:{page.version}:{language}:"
        f"{request.GET.get('month', '')}"
    )
    if not page.conflict_mode and (html := cache.get(html_key)) is not None:
        response = HttpResponse(html)
        response["Cache-Control"] = "no-cache"
        return response
    kept = {k: v for k, v in request.GET.items() if k == "month"}
    languages = [
        (code, language_name(code), code == language, urlencode({**kept, "lang": code}))
        for code in (project.languages or [project.default_language])
    ]
    context: dict[str, Any] = {
        "project": present(project, PUBLIC, "public_form"),
        "languages": languages,
    }
    with translation.override(language):
        if page.conflict_mode:
            notice = {"title": _("Public figures"), "message": _("No figures are published here.")}
            return render(request, "analytics/public/notice.html", context | notice)
        figures = queries.public_figures(page, language)
        shown = _month_asked(request, figures["months"])
        partners = [line.strip() for line in page.partners.splitlines() if line.strip()]
        context |= {
            "figures": figures,
            "shown": shown,
            "general": shown[GENERAL] if shown else {},
            "protection": shown[PROTECTION] if shown else {},
            "purpose": page.purpose,
            "partners": partners,
            "lang": language,
        }
        response = render(request, "analytics/public/page.html", context)
    cache.set(html_key, response.content, queries.CACHE_SECONDS)
    # No copy kept by browsers or proxies: conflict mode must take effect at once (the
    # server's cache keeps the page fast).
    response["Cache-Control"] = "no-cache"
    return response


def _settings_of(page: Any) -> dict[str, Any]:
    return {name: getattr(page, name) for name in PageSettings.__dataclass_fields__}


@login_required
@require_http_methods(["GET", "POST"])
def page_settings(request: HttpRequest, slug: str) -> HttpResponse:
    project, viewer = access_project(request.user, slug)
    page = queries.page_settings(viewer)
    form = PublicPageForm(request.POST or None, initial=_settings_of(page))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            do_update_public_page(viewer, PageSettings(**form.cleaned_data))
            messages.success(request, _("Public page settings saved."))
            return redirect("analytics_public:settings", slug=slug)
        status = 400
    today = clock.now().date()
    context = {
        **layout(project, viewer),
        "form": form,
        "page": {"enabled": page.enabled, "conflict_mode": page.conflict_mode},
        "months": queries.months_to_release(viewer, today),
        "releases": [_release_row(r) for r in queries.releases_of(viewer)],
    }
    return render(request, "analytics/public/settings.html", context, status=status)


def _release_row(release: Any) -> dict[str, Any]:
    return {
        "pk": release.pk,
        "month": release.month,
        "released_at": release.released_at,
        "threshold": release.threshold,
        "sensitive_threshold": release.sensitive_threshold,
        "approved_at": release.protection_approved_at,
    }


@login_required
@require_POST
def release_month(request: HttpRequest, slug: str) -> HttpResponse:
    _project, viewer = access_project(request.user, slug)
    months = queries.months_to_release(viewer, clock.now().date())
    form = ReleaseForm(request.POST, months=months)
    if not form.is_valid():
        messages.error(request, _("This month can't be released."))
        return redirect("analytics_public:settings", slug=slug)
    month: date = form.cleaned_data["month"]
    try:
        do_release_month(viewer, month)
    except ReleaseRefused:
        messages.error(request, _("This month can't be released."))
    else:
        messages.success(request, _("The month's figures are published."))
    return redirect("analytics_public:settings", slug=slug)


@login_required
@require_GET
def ledger(request: HttpRequest, slug: str) -> HttpResponse:
    project, viewer = access_project(request.user, slug)
    rows = [
        {
            "month": table.release.month,
            "family": table.family,
            "name": table.name,
            "dimension": table.dimension,
            "threshold": table.threshold,
            "cells": len(table.cells),
            "suppressed": sum(1 for _c, n in table.cells if n is None),
            "values_hash": table.values_hash,
            "recorded_at": table.recorded_at,
            "published_at": table.published_at,
        }
        for table in queries.ledger_of(viewer)
    ]
    rows.sort(key=lambda row: (row["month"], row["family"], LEDGER_ORDER.index(str(row["name"]))))
    return render(
        request, "analytics/public/ledger.html", {**layout(project, viewer), "rows": rows}
    )


@login_required
@require_GET
def approvals(request: HttpRequest, slug: str) -> HttpResponse:
    project, viewer = access_project(request.user, slug)
    if not viewer.can("view_sensitive"):
        raise Http404
    rows = []
    for release in queries.releases_of(viewer):
        tables = {t.name: t.cells for t in queries.protection_tables(release)}
        rows.append(
            {
                **_release_row(release),
                "total": (tables.get("total") or [["", None]])[0][1],
                "areas": tables.get("area", []),
            }
        )
    labels = Labels(project.pk, translation.get_language() or "")
    for row in rows:
        row["areas"] = [
            (labels.of("area", "" if code == "none" else code), count)
            for code, count in row["areas"]
        ]
    return render(
        request, "analytics/public/approvals.html", {**layout(project, viewer), "rows": rows}
    )


@login_required
@require_POST
def approve(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    _project, viewer = access_project(request.user, slug)
    release = queries.release_for_approval(viewer, pk)
    do_approve_protection(viewer, release)
    messages.success(request, _("The protection figures of this month are published."))
    return redirect("analytics_public:approvals", slug=slug)
