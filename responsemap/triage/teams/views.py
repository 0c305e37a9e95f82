"""The record page's team assignment: its form in the "Work on this record" card
(``team_context``, included by ``triage/detail.html``) and the POST that saves it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from responsemap.projects.queries import access_project
from responsemap.protection.viewer import Viewer
from responsemap.triage.actions import WorkflowRefused
from responsemap.triage.models import Feedback
from responsemap.triage.queries import access_feedback
from responsemap.triage.teams.actions import assignable_teams, do_assign_team
from responsemap.triage.teams.forms import TeamAssignForm


def team_context(record: Feedback, viewer: Viewer) -> dict[str, Any]:
    """The team form, for a role that may edit feedback in a project that has teams."""
    if not viewer.can("edit_feedback"):
        return {}
    teams = assignable_teams(record.project_id)
    if not teams:
        return {}
    return {"team_form": TeamAssignForm(teams=teams, initial={"team": record.team_id})}


@login_required
@require_POST
def assign_team(request: HttpRequest, slug: str, feedback_id: str) -> HttpResponse:
    project, viewer = access_project(request.user, slug)
    record = access_feedback(viewer, feedback_id, write=True)  # 404 before anything else
    form = TeamAssignForm(request.POST, teams=assignable_teams(project.pk))
    try:
        if not form.is_valid():
            raise WorkflowRefused(_("That team can't be assigned."))
        do_assign_team(viewer, record.pk, form.cleaned_data["team"])
    except WorkflowRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("Saved."))
    return redirect("triage:detail", slug=project.slug, feedback_id=record.pk)
