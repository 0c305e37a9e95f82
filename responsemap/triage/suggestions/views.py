"""Suggestions on screens: the record page's card (accept / change), the inbox's line
(accept), and the manager's report of agreement over time."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from responsemap.lib.pager import pager
from responsemap.projects.layout import layout
from responsemap.projects.queries import access_project
from responsemap.protection.viewer import Viewer
from responsemap.triage.coding.actions import Recoded
from responsemap.triage.coding.framework import framework_for
from responsemap.triage.models import Feedback
from responsemap.triage.queries import access_feedback
from responsemap.triage.suggestions.actions import (
    SuggestionRefused,
    do_accept_suggestion,
    do_change_suggestion,
)
from responsemap.triage.suggestions.forms import ChangeSuggestionForm, RetrainForm
from responsemap.triage.suggestions.queries import agreement_by_week, card_for, model_info
from responsemap.triage.suggestions.tasks import train_project_model

REPORT_PAGE_SIZE = 13  # a quarter of weeks a page


def suggestion_context(record: Feedback, viewer: Viewer) -> dict[str, Any]:
    """For the record page: the suggestion's card and, for a role that may edit records,
    the form to change it (pre-filled with the suggestion)."""
    card = card_for(record)
    if card is None:
        return {}
    context: dict[str, Any] = {"suggestion": card}
    if viewer.can("edit_feedback"):
        context["suggestion_form"] = ChangeSuggestionForm(
            framework=framework_for(record.project_id),
            current={"type_code": card.type_code, "sector": card.sector, "urgency": record.urgency},
        )
    return context


def _back(request: HttpRequest, slug: str, feedback_id: str) -> str:
    wanted = request.POST.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse("triage:detail", args=[slug, feedback_id]) + "#suggestion"


def _said(request: HttpRequest, viewer: Viewer, slug: str, done: Recoded) -> str | None:
    """Tell what happened; where to go instead when the record left the viewer's sight."""
    if done.raised:
        messages.warning(
            request,
            _(
                "Saved. A protection concern: the record is now protection-sensitive, "
                "seen only by protection staff."
            ),
        )
        if not viewer.can("view_sensitive"):
            return reverse("triage:inbox", args=[slug])
    elif done.changes:
        messages.success(request, _("Saved."))
    else:
        messages.info(request, _("Nothing changed."))
    return None


@login_required
@require_POST
def accept(request: HttpRequest, slug: str, feedback_id: str) -> HttpResponse:
    project, viewer = access_project(request.user, slug)
    record = access_feedback(viewer, feedback_id, write=True)  # 404 before anything else
    try:
        done = do_accept_suggestion(viewer, record.pk)
    except (SuggestionRefused, PermissionDenied) as refusal:
        messages.error(request, str(refusal))
        return redirect(_back(request, project.slug, str(record.pk)))
    elsewhere = _said(request, viewer, project.slug, done)
    return redirect(elsewhere or _back(request, project.slug, str(record.pk)))


@login_required
@require_POST
def change(request: HttpRequest, slug: str, feedback_id: str) -> HttpResponse:
    project, viewer = access_project(request.user, slug)
    record = access_feedback(viewer, feedback_id, write=True)
    current = {"type_code": record.type_code, "sector": record.sector, "urgency": record.urgency}
    form = ChangeSuggestionForm(request.POST, framework=framework_for(project.pk), current=current)
    if not form.is_valid():
        problems = "; ".join(
            f"{form.fields[name].label}: {' '.join(str(e) for e in errors)}"
            if name in form.fields
            else " ".join(str(e) for e in errors)
            for name, errors in form.errors.items()
        )
        messages.error(request, _("The codes were not saved: ") + problems)
        return redirect(_back(request, project.slug, str(record.pk)))
    data = form.cleaned_data
    try:
        done = do_change_suggestion(
            viewer,
            record.pk,
            type_code=data["type_code"],
            sector=data["sector"],
            urgency=data["urgency"],
        )
    except (SuggestionRefused, PermissionDenied) as refusal:
        messages.error(request, str(refusal))
        return redirect(_back(request, project.slug, str(record.pk)))
    elsewhere = _said(request, viewer, project.slug, done)
    return redirect(elsewhere or _back(request, project.slug, str(record.pk)))


@login_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, slug: str) -> HttpResponse:
    """Suggested vs decided, week by week, for the project's manager; a button to
    retrain the project's model now (by the worker)."""
    project, viewer = access_project(request.user, slug)
    if not viewer.can("manage_project"):
        raise Http404
    if request.method == "POST":
        if RetrainForm(request.POST).is_valid():
            train_project_model.enqueue(str(project.pk))
            messages.success(
                request,
                _("The model will be retrained in the background from the records coded so far."),
            )
        return redirect("triage:suggestions:report", slug=project.slug)
    weeks = agreement_by_week(project.pk)
    page = Paginator(weeks, REPORT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "triage/suggestions/report.html",
        {
            **layout(project, viewer),
            "weeks": list(page.object_list),
            "pager": pager(page),
            "model": model_info(project.pk),
            "retrain_form": RetrainForm(),
        },
    )
