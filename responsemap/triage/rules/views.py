"""The protection check on a record (confirm or lower), and the manager's rules screen."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from responsemap.geo.queries import areas_of
from responsemap.projects.layout import layout
from responsemap.projects.models import Project
from responsemap.projects.queries import access_project
from responsemap.protection.viewer import Viewer
from responsemap.triage.coding.framework import framework_for
from responsemap.triage.coding.models import Kind
from responsemap.triage.forms import language_name
from responsemap.triage.rules.actions import (
    SensitivityRefused,
    do_confirm_sensitivity,
    do_lower_sensitivity,
    do_save_rule,
    do_start_rules_from_defaults,
)
from responsemap.triage.rules.choices import RuleUrgency
from responsemap.triage.rules.defaults import DEFAULT_RULES
from responsemap.triage.rules.forms import RULE_LANGUAGES, LowerForm, RuleForm
from responsemap.triage.rules.models import Rule
from responsemap.triage.rules.queries import rules_visible_to


@login_required
@require_POST
def confirm_sensitivity(request: HttpRequest, slug: str, feedback_id: str) -> HttpResponse:
    _project, viewer = access_project(request.user, slug)
    try:
        do_confirm_sensitivity(viewer, feedback_id)
        messages.success(request, _("Confirmed: only protection staff see this record."))
    except SensitivityRefused as refused:
        messages.error(request, str(refused))
    return redirect("triage:detail", slug=slug, feedback_id=feedback_id)


@login_required
@require_POST
def lower_sensitivity(request: HttpRequest, slug: str, feedback_id: str) -> HttpResponse:
    _project, viewer = access_project(request.user, slug)
    if not viewer.can("view_sensitive"):
        raise Http404
    form = LowerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why this record need not be protected."))
        return redirect("triage:detail", slug=slug, feedback_id=feedback_id)
    try:
        do_lower_sensitivity(viewer, feedback_id, form.cleaned_data["reason"])
        messages.success(request, _("Lowered: the record is no longer protection-sensitive."))
    except SensitivityRefused as refused:
        messages.error(request, str(refused))
    return redirect("triage:detail", slug=slug, feedback_id=feedback_id)


def _manager(request: HttpRequest, slug: str) -> tuple[Project, Viewer]:
    project, viewer = access_project(request.user, slug)
    if not viewer.can("manage_project"):
        raise Http404
    return project, viewer


def _languages(project: Project) -> list[str]:
    return list(dict.fromkeys([*(project.languages or []), *RULE_LANGUAGES]))


def _areas(project: Project) -> list[tuple[str, str]]:
    rows = areas_of(project.pk).order_by("name").values_list("pk", "name")
    return [(str(pk), name) for pk, name in rows]


def _summary(rule: Rule | Any, types: dict[str, str], rule_id: str = "") -> dict[str, Any]:
    """A rule as the screen shows it: words, never the row (``types``: the project's
    type labels, from its coding framework)."""
    keywords = rule.keywords or {}
    return {
        "id": rule_id,
        "name": str(rule.name),
        "is_active": getattr(rule, "is_active", True),
        "keyword_count": sum(len(words) for words in keywords.values()),
        "languages": sorted(language_name(lang) for lang, words in keywords.items() if words),
        "types": [str(types.get(code, code)) for code in getattr(rule, "type_codes", [])],
        "area_count": len(getattr(rule, "area_ids", [])),
        "repeat_count": rule.repeat_count,
        "repeat_hours": rule.repeat_hours,
        "urgency": str(dict(RuleUrgency.choices).get(rule.sets_urgency, ""))
        if rule.sets_urgency
        else "",
        "protection": rule.suggests_protection,
    }


@login_required
def rule_list(request: HttpRequest, slug: str) -> HttpResponse:
    project, viewer = _manager(request, slug)
    own = list(rules_visible_to(viewer))
    types = framework_for(project.pk).labels(Kind.TYPE)
    rules = [_summary(r, types, str(r.pk)) for r in own] or [
        _summary(r, types) for r in DEFAULT_RULES
    ]
    return render(
        request,
        "triage/rules/list.html",
        {**layout(project, viewer), "rules": rules, "using_defaults": not own},
    )


@login_required
@require_POST
def start_from_defaults(request: HttpRequest, slug: str) -> HttpResponse:
    _project, viewer = _manager(request, slug)
    if do_start_rules_from_defaults(viewer):
        messages.success(request, _("The default rules are now the project's own, to edit."))
    return redirect("triage:rules:list", slug=slug)


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, slug: str, rule_id: str | None = None) -> HttpResponse:
    project, viewer = _manager(request, slug)
    rule = None
    if rule_id is not None:
        rule = rules_visible_to(viewer).filter(pk=_uuid_or_404(rule_id)).first()
        if rule is None:
            raise Http404
    languages, areas = _languages(project), _areas(project)
    types = framework_for(project.pk).choices(Kind.TYPE, current=None)
    if request.method == "POST":
        form = RuleForm(request.POST, languages=languages, areas=areas, types=types)
        if form.is_valid():
            do_save_rule(viewer, rule.pk if rule else None, form.rule_data())
            messages.success(
                request, _("Rule saved. It applies to records that arrive from now on.")
            )
            return redirect("triage:rules:list", slug=slug)
    else:
        form = RuleForm(languages=languages, areas=areas, types=types, initial=_initial(rule))
    return render(
        request,
        "triage/rules/edit.html",
        {**layout(project, viewer), "form": form, "is_new": rule is None},
        status=400 if form.is_bound else 200,
    )


def _initial(rule: Rule | None) -> dict[str, Any]:
    if rule is None:
        return {"is_active": True}
    initial: dict[str, Any] = {
        "name": rule.name,
        "is_active": rule.is_active,
        "type_codes": rule.type_codes,
        "area_ids": rule.area_ids,
        "repeat_count": rule.repeat_count,
        "repeat_hours": rule.repeat_hours,
        "sets_urgency": rule.sets_urgency,
        "suggests_protection": rule.suggests_protection,
    }
    for lang, words in (rule.keywords or {}).items():
        initial[f"keywords_{lang}"] = "\n".join(words)
    return initial


def _uuid_or_404(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise Http404 from None
