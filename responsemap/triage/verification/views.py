"""The record page's verification POSTs (whoever may edit the record)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from responsemap.projects.queries import access_project
from responsemap.triage.queries import access_feedback
from responsemap.triage.verification.actions import (
    VerificationRefused,
    do_check_item,
    do_verify_feedback,
)
from responsemap.triage.verification.forms import CheckForm, VerificationForm


def _back(slug: str, feedback_id: object) -> HttpResponse:
    return redirect(reverse("triage:detail", args=[slug, feedback_id]) + "#verification")


@login_required
@require_POST
def verify(request: HttpRequest, slug: str, feedback_id: str) -> HttpResponse:
    project, viewer = access_project(request.user, slug)
    record = access_feedback(viewer, feedback_id, write=True)  # 404 before anything else
    form = VerificationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Not saved: check the status and the number of sources."))
        return _back(project.slug, record.pk)
    try:
        do_verify_feedback(
            viewer,
            record.pk,
            form.cleaned_data["status"],
            form.cleaned_data["sources_count"],
            form.cleaned_data["notes"],
        )
    except VerificationRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("Saved."))
    return _back(project.slug, record.pk)


@login_required
@require_POST
def check_item(request: HttpRequest, slug: str, feedback_id: str) -> HttpResponse:
    project, viewer = access_project(request.user, slug)
    record = access_feedback(viewer, feedback_id, write=True)
    form = CheckForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Not saved: that is not an item of the checklist."))
        return _back(project.slug, record.pk)
    try:
        do_check_item(
            viewer,
            record.pk,
            form.cleaned_data["item"],
            form.cleaned_data["ticked"],
            form.cleaned_data["note"],
        )
    except VerificationRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("Saved."))
    return _back(project.slug, record.pk)
