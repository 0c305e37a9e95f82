"""The manager's screen of the coding framework, and re-coding a record from its page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from responsemap.projects.layout import layout
from responsemap.projects.models import Project
from responsemap.projects.queries import access_project
from responsemap.protection.viewer import Viewer
from responsemap.triage.coding.actions import (
    CodingRefused,
    do_add_code,
    do_change_code,
    do_move_code,
    do_recode_feedback,
    do_retire_code,
)
from responsemap.triage.coding.forms import CodeForm, LabelForm, RecodeForm
from responsemap.triage.coding.framework import Entry, framework_for, load_framework
from responsemap.triage.coding.models import Kind
from responsemap.triage.models import Feedback
from responsemap.triage.queries import access_feedback


def _manager(request: HttpRequest, slug: str) -> tuple[Project, Viewer]:
    """The project, for a member who may set it up; anyone else: 404."""
    project, viewer = access_project(request.user, slug)
    if not viewer.can("manage_project"):
        raise Http404
    return project, viewer


def _languages(project: Project) -> list[str]:
    return list(project.languages or [])


def _row(entry: Entry, languages: list[str], first: bool, last: bool) -> dict[str, Any]:
    """A code as the screen shows it: words and flags, never the row."""
    return {
        "code": entry.code,
        "name": entry.name(),
        "label": entry.label,
        "builtin": str(entry.builtin),
        "labels": [(lang, entry.labels.get(lang, "")) for lang in languages],
        "retired": entry.retired,
        "retired_at": entry.retired_at,
        "fixed": entry.fixed,
        "first": first,
        "last": last,
    }


@login_required
@require_GET
def framework_screen(request: HttpRequest, slug: str) -> HttpResponse:
    project, viewer = _manager(request, slug)
    languages = _languages(project)
    framework = load_framework(project.pk)
    show = request.GET.get("show", "")
    lists = []
    for kind in Kind:
        entries = framework.of(kind)
        shown = [e for e in entries if show != "active" or not e.retired]
        lists.append(
            {
                "kind": kind.value,
                "title": kind.label,
                "rows": [
                    _row(e, languages, n == 0, n == len(entries) - 1)
                    for n, e in enumerate(entries)
                    if e in shown
                ],
                "retired": sum(1 for e in entries if e.retired),
                "add_form": CodeForm(
                    languages=languages, initial={"kind": kind.value}, prefix=kind.value
                ),
            }
        )
    return render(
        request,
        "triage/coding/framework.html",
        {
            **layout(project, viewer),
            "lists": lists,
            "languages": languages,
            "show": show,
        },
    )


def _change(
    request: HttpRequest, slug: str, kind: str, act: Callable[[Viewer, Project], str]
) -> HttpResponse:
    """A POST of the framework screen: the action (a refusal in words is shown), then
    back to the screen at the list changed (PRG)."""
    project, viewer = _manager(request, slug)
    try:
        error = act(viewer, project)
    except CodingRefused as refusal:
        error = str(refusal)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Saved."))
    anchor = f"#list-{kind}" if kind in Kind.values else ""
    return redirect(reverse("triage:coding:framework", args=[project.slug]) + anchor)


def _errors(form: Any) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@login_required
@require_POST
def add_code(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    def act(viewer: Viewer, project: Project) -> str:
        form = CodeForm(request.POST, languages=_languages(project), prefix=kind)
        if not form.is_valid() or form.cleaned_data["kind"] != kind:
            return _("The code was not added: ") + _errors(form)
        data = form.cleaned_data
        do_add_code(viewer, kind, data["code"], data["label"], form.labels())
        return ""

    return _change(request, slug, kind, act)


@login_required
@require_POST
def change_code(request: HttpRequest, slug: str, kind: str, code: str) -> HttpResponse:
    def act(viewer: Viewer, project: Project) -> str:
        form = LabelForm(request.POST, languages=_languages(project))
        if not form.is_valid():
            return _("The labels were not saved: ") + _errors(form)
        do_change_code(viewer, kind, code, form.cleaned_data["label"], form.labels())
        return ""

    return _change(request, slug, kind, act)


@login_required
@require_POST
def retire_code(request: HttpRequest, slug: str, kind: str, code: str) -> HttpResponse:
    def act(viewer: Viewer, project: Project) -> str:
        do_retire_code(viewer, kind, code, retire=request.POST.get("retire") != "0")
        return ""

    return _change(request, slug, kind, act)


@login_required
@require_POST
def move_code(request: HttpRequest, slug: str, kind: str, code: str) -> HttpResponse:
    def act(viewer: Viewer, project: Project) -> str:
        do_move_code(viewer, kind, code, up=request.POST.get("direction") == "up")
        return ""

    return _change(request, slug, kind, act)


def coding_context(record: Feedback, viewer: Viewer) -> dict[str, Any]:
    """For the record page: the "Coding" card's form, for a role that may edit records,
    pre-filled with the record's codes (a retired one still offered as the current)."""
    if not viewer.can("edit_feedback"):
        return {}
    current = {name: getattr(record, name) for name in ("type_code", "sector", "topic", "urgency")}
    return {"recode_form": RecodeForm(framework=framework_for(record.project_id), current=current)}


@login_required
@require_POST
def recode(request: HttpRequest, slug: str, feedback_id: str) -> HttpResponse:
    project, viewer = access_project(request.user, slug)
    record = access_feedback(viewer, feedback_id, write=True)  # 404 before anything else
    current = {name: getattr(record, name) for name in ("type_code", "sector", "topic", "urgency")}
    form = RecodeForm(request.POST, framework=framework_for(project.pk), current=current)
    if not form.is_valid():
        messages.error(request, _("The codes were not saved: ") + _errors(form))
    else:
        data = form.cleaned_data
        try:
            done = do_recode_feedback(
                viewer,
                record.pk,
                type_code=data["type_code"],
                sector=data["sector"],
                topic=data["topic"],
                urgency=data["urgency"],
            )
        except (CodingRefused, PermissionDenied) as refusal:
            messages.error(request, str(refusal))
        else:
            if done.raised and not viewer.can("view_sensitive"):
                messages.warning(
                    request,
                    _(
                        "Saved. A protection concern: the record is now protection-sensitive, "
                        "seen only by protection staff."
                    ),
                )
                return redirect("triage:inbox", slug=project.slug)
            if done.raised:
                messages.warning(
                    request,
                    _(
                        "Saved. A protection concern: the record is now protection-sensitive, "
                        "seen only by protection staff."
                    ),
                )
            elif done.changes:
                messages.success(request, _("Saved."))
            else:
                messages.info(request, _("Nothing changed."))
    return redirect(reverse("triage:detail", args=[project.slug, record.pk]) + "#coding")
