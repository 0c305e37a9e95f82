"""The lifecycle screens of a project: where it stands (design, active, closed), its
data-protection checklists (answered by its managers, approved by its data controller),
the steps to make it active and to close it, and the printable data-protection impact
record.

Reached by the project's managers and its data controller (``access_lifecycle``); the
steps (activate, close) by its data controller or an administrator of its organisation.
Every change goes through an audited action; a refused step changes nothing and says why.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from responsemap.projects.checklists.actions import (
    ChecklistRefused,
    do_approve_checklist,
    do_save_checklist,
)
from responsemap.projects.checklists.queries import checklist_states, latest_versions
from responsemap.projects.checklists.questions import ANSWERS, CHECKLISTS, checklist
from responsemap.projects.creation.forms import language_name
from responsemap.projects.hooks import closing_figures
from responsemap.projects.layout import layout
from responsemap.projects.lifecycle.actions import (
    LifecycleRefused,
    do_activate_project,
    do_close_project,
)
from responsemap.projects.lifecycle.queries import (
    access_lifecycle,
    administers,
    is_controller,
)
from responsemap.projects.models import Project
from responsemap.protection.viewer import Viewer


def may_decide(request: HttpRequest, project: Project, viewer: Viewer) -> bool:
    """The data controller, or an administrator of the project's organisation."""
    return is_controller(project, viewer) or administers(request.user, project.organisation_id)


def _facts(project: Project) -> dict[str, Any]:
    controller = project.data_controller
    return {
        "languages": [language_name(code) for code in project.languages],
        "controller": controller.get_username() if controller else "",
        "processors": list(project.processors),
        "id_patterns": list(project.id_patterns),
    }


def _states(project: Project) -> list[dict[str, Any]]:
    rows = []
    for state in checklist_states(project.pk):
        latest = state.latest
        rows.append(
            {
                "code": state.checklist.code,
                "title": state.checklist.title,
                "questions": len(state.checklist.questions),
                "missing": state.missing,
                "complete": state.complete,
                "approved": state.approved,
                "version": latest.version if latest else 0,
                "saved_at": latest.saved_at if latest else None,
                "saved_by": latest.saved_by.get_username() if latest and latest.saved_by else "",
                "approved_at": latest.approved_at if latest else None,
                "approved_by": (
                    latest.approved_by.get_username() if latest and latest.approved_by else ""
                ),
            }
        )
    return rows


@login_required
def overview(request: HttpRequest, slug: str) -> HttpResponse:
    project, viewer = access_lifecycle(request.user, slug)
    states = _states(project)
    return render(
        request,
        "projects/lifecycle/overview.html",
        {
            **layout(project, viewer),
            "facts": _facts(project),
            "states": states,
            "all_approved": all(s["approved"] for s in states),
            "status": project.status,
            "status_words": project.get_status_display(),
            "sensitivity_words": project.get_sensitivity_display(),
            "review_due_on": project.review_due_on,
            "activated_at": project.activated_at,
            "closed_at": project.closed_at,
            "unsent": (
                closing_figures(project.pk).get("unsent", 0)
                if project.status == Project.Status.CLOSED
                else 0
            ),
            "may_decide": may_decide(request, project, viewer),
            "is_controller": is_controller(project, viewer),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def checklist_page(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    project, viewer = access_lifecycle(request.user, slug)
    found = checklist(code)
    if found is None:
        raise Http404
    latest = latest_versions(project.pk).get(code)
    editable = project.status == Project.Status.DESIGN or project.status == Project.Status.ACTIVE
    if request.method == "POST":
        if not editable:
            messages.error(request, _("A closed project's checklists can no longer change."))
            return redirect("lifecycle:checklist", slug=project.slug, code=code)
        answers = {q.code: request.POST.get(f"answer-{q.code}", "") for q in found.questions}
        notes = {q.code: request.POST.get(f"note-{q.code}", "") for q in found.questions}
        saved = do_save_checklist(project, code, answers, notes, actor=viewer)
        messages.success(request, _("Saved as version {version}.").format(version=saved.version))
        return redirect("lifecycle:checklist", slug=project.slug, code=code)
    answers = latest.answers if latest else {}
    notes = latest.notes if latest else {}
    questions = [
        {
            "code": q.code,
            "text": q.text,
            "answer": answers.get(q.code, ""),
            "answer_words": ANSWERS.get(answers.get(q.code, ""), ""),
            "note": notes.get(q.code, ""),
        }
        for q in found.questions
    ]
    return render(
        request,
        "projects/lifecycle/checklist.html",
        {
            **layout(project, viewer),
            "checklist": found,
            "questions": questions,
            "choices": list(ANSWERS.items()),
            "version": latest.version if latest else 0,
            "approved_at": latest.approved_at if latest else None,
            "approved_by": latest.approved_by.get_username()
            if latest and latest.approved_by
            else "",
            "state": next(s for s in _states(project) if s["code"] == code),
            "editable": editable,
            "is_controller": is_controller(project, viewer),
        },
    )


@login_required
@require_POST
def approve(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    project, viewer = access_lifecycle(request.user, slug)
    if checklist(code) is None:
        raise Http404
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        messages.error(
            request, _("Which version to approve was not said: open the checklist again.")
        )
        return redirect("lifecycle:checklist", slug=project.slug, code=code)
    if not is_controller(project, viewer):
        messages.error(request, _("Only the project's data controller approves its checklists."))
        return redirect("lifecycle:checklist", slug=project.slug, code=code)
    try:
        do_approve_checklist(project, code, version, actor=viewer)
    except ChecklistRefused:
        messages.error(
            request,
            _(
                "Not approved: every question needs an answer, each No a note, and a newer "
                "version may have been saved since you opened it."
            ),
        )
        return redirect("lifecycle:checklist", slug=project.slug, code=code)
    messages.success(request, _("Approved."))
    return redirect("lifecycle:overview", slug=project.slug)


@login_required
@require_POST
def activate(request: HttpRequest, slug: str) -> HttpResponse:
    project, viewer = access_lifecycle(request.user, slug)
    if not may_decide(request, project, viewer):
        messages.error(
            request,
            _(
                "Only the data controller or an administrator of the organisation "
                "makes a project active."
            ),
        )
        return redirect("lifecycle:overview", slug=project.slug)
    try:
        do_activate_project(project, actor=viewer, reason=request.POST.get("reason", ""))
    except LifecycleRefused:
        messages.error(
            request,
            _(
                "Not made active: every data-protection checklist must be complete and "
                "approved by the data controller, and the project must be in design."
            ),
        )
        return redirect("lifecycle:overview", slug=project.slug)
    messages.success(request, _("The project is active: its channels and forms take feedback."))
    return redirect("lifecycle:overview", slug=project.slug)


@login_required
@require_POST
def close(request: HttpRequest, slug: str) -> HttpResponse:
    project, viewer = access_lifecycle(request.user, slug)
    if not may_decide(request, project, viewer):
        messages.error(
            request,
            _("Only the data controller or an administrator of the organisation closes a project."),
        )
        return redirect("lifecycle:overview", slug=project.slug)
    if request.POST.get("confirm", "").strip() != project.slug:
        messages.error(request, _("Not closed: type the project's short name to confirm."))
        return redirect("lifecycle:overview", slug=project.slug)
    reason = request.POST.get("reason", "").strip()
    if not reason:
        messages.error(request, _("Not closed: say why the project closes."))
        return redirect("lifecycle:overview", slug=project.slug)
    try:
        closed = do_close_project(project, actor=viewer, reason=reason)
    except LifecycleRefused:
        closed = False
    if not closed:
        messages.error(request, _("The project was already closed."))
    else:
        messages.success(
            request,
            _(
                "The project is closed: its channels answer with the closure notice "
                "and nothing more is sent."
            ),
        )
    return redirect("lifecycle:overview", slug=project.slug)


@login_required
def summary(request: HttpRequest, slug: str) -> HttpResponse:
    """The data-protection impact record: everything the checklists say, to print."""
    project, viewer = access_lifecycle(request.user, slug)
    latest = latest_versions(project.pk)
    sections = []
    for found in CHECKLISTS:
        row = latest.get(found.code)
        sections.append(
            {
                "title": found.title,
                "version": row.version if row else 0,
                "approved_at": row.approved_at if row else None,
                "approved_by": row.approved_by.get_username() if row and row.approved_by else "",
                "saved_at": row.saved_at if row else None,
                "questions": [
                    {
                        "text": q.text,
                        "answer": ANSWERS.get((row.answers if row else {}).get(q.code, ""), ""),
                        "note": (row.notes if row else {}).get(q.code, ""),
                    }
                    for q in found.questions
                ],
            }
        )
    return render(
        request,
        "projects/lifecycle/summary.html",
        {
            **layout(project, viewer),
            "facts": _facts(project),
            "sections": sections,
            "status_words": project.get_status_display(),
            "sensitivity_words": project.get_sensitivity_display(),
            "organisation": project.organisation.name,
            "controller_organisation": project.controller_organisation,
            "retention_days": project.retention_days,
            "review_due_on": project.review_due_on,
            "sensitivity_review_on": project.sensitivity_review_on,
        },
    )
