"""Screens of replies (on the record page), reply templates (managers), call-back tasks
and response times. Records through ``access_feedback`` / ``feedback_visible_to``,
fields through present(), changes through ``actions``."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from responsemap.accounts.reauth import check_password, recently_authenticated
from responsemap.lib.pager import pager
from responsemap.projects.layout import layout
from responsemap.projects.queries import access_project
from responsemap.protection.listing import record_listing
from responsemap.protection.present import Presented, present, present_many
from responsemap.protection.viewer import Viewer
from responsemap.triage.actions import WorkflowRefused
from responsemap.triage.coding.framework import framework_for
from responsemap.triage.forms import language_name
from responsemap.triage.queries import access_feedback
from responsemap.triage.replies import actions
from responsemap.triage.replies.forms import (
    GROUP_LABELS,
    CallbackFilterForm,
    CallbackOutcomeForm,
    CallbackRevealForm,
    ReplyForm,
    ReplyTemplateForm,
    ResponseTimesForm,
)
from responsemap.triage.replies.queries import (
    attempts_on,
    callback_is_open,
    callback_tasks,
    response_times,
    templates_of,
)
from responsemap.triage.replies.routing import ReplyRefused

PAGE_SIZE = 25


@login_required
@require_POST
def reply(request: HttpRequest, slug: str, feedback_id: str) -> HttpResponse:
    project, viewer = access_project(request.user, slug)
    record = access_feedback(viewer, feedback_id, write=True)  # 404 before anything else
    form = ReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The reply was not sent: write its text."))
    else:
        try:
            result = actions.do_reply_to_feedback(
                viewer,
                record.pk,
                form.cleaned_data["text"],
                form.cleaned_data["template"] or None,
                mark_answered=form.cleaned_data["mark_answered"],
                public=form.cleaned_data["public"],
            )
        except (ReplyRefused, WorkflowRefused) as refusal:
            messages.error(request, str(refusal))
        else:
            if result.outbound.state == result.outbound.State.BLOCKED:
                messages.error(request, _("Not sent: this person opted out."))
            elif result.answered:
                messages.success(request, _("Reply queued; the record is now “Answered”."))
            else:
                messages.success(request, _("Reply queued."))
    url = reverse("triage:detail", args=[project.slug, record.pk])
    return redirect(f"{url}#replies")


def _manager(request: HttpRequest, slug: str) -> tuple[Any, Viewer]:
    project, viewer = access_project(request.user, slug)
    if not viewer.can("manage_project"):
        raise Http404
    return project, viewer


def _languages(project: Any, also: list[str] | None = None) -> list[tuple[str, str]]:
    """(code, name) of the project's languages, then of ``also`` (a template's texts in
    other languages, kept when it is edited)."""
    codes = list(project.languages or ["en"])
    codes += [code for code in also or [] if code not in codes]
    return [(code, language_name(code) or code) for code in codes]


@login_required
def templates_list(request: HttpRequest, slug: str) -> HttpResponse:
    project, viewer = _manager(request, slug)
    rows = templates_of(viewer)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    items = present_many(list(page.object_list), viewer, "reply_templates")
    return render(
        request,
        "triage/replies/templates.html",
        {
            **layout(project, viewer),
            "items": [
                {
                    "shown": item,
                    "languages": [language_name(code) or code for code in _codes(item)],
                }
                for item in items
            ],
            "pager": pager(page),
            "query": "",
        },
    )


def _codes(template: Presented) -> list[str]:
    texts: Any = template["texts"].value or {}
    return [str(code) for code in texts]


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(
    request: HttpRequest, slug: str, template_id: uuid.UUID | None = None
) -> HttpResponse:
    project, viewer = _manager(request, slug)
    template = None
    if template_id is not None:
        template = templates_of(viewer).filter(pk=template_id).first()
        if template is None:
            raise Http404
    initial: dict[str, Any] = {"is_active": True}
    also: list[str] = []
    if template is not None:
        shown = present(template, viewer, "reply_templates")
        initial = {"code": shown["code"].value, "name": shown["name"].value}
        initial["is_active"] = shown["is_active"].value
        texts: Any = shown["texts"].value
        initial |= {f"text_{code}": text for code, text in texts.items()}
        also = _codes(shown)
    languages = _languages(project, also)
    form = ReplyTemplateForm(request.POST or None, initial=initial, languages=languages)
    if request.method == "POST" and form.is_valid():
        taken = templates_of(viewer).filter(code=form.cleaned_data["code"])
        if template is not None:
            taken = taken.exclude(pk=template.pk)
        if taken.exists():
            form.add_error("code", _("Another template has this code."))
        else:
            actions.do_save_reply_template(
                viewer,
                code=form.cleaned_data["code"],
                name=form.cleaned_data["name"],
                texts=form.texts(),
                is_active=form.cleaned_data["is_active"],
                template_id=template.pk if template is not None else None,
            )
            messages.success(request, _("Template saved."))
            return redirect("triage:reply_templates", slug=project.slug)
    return render(
        request,
        "triage/replies/template_form.html",
        {**layout(project, viewer), "form": form, "editing": template is not None},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def callbacks(request: HttpRequest, slug: str) -> HttpResponse:
    project, viewer = access_project(request.user, slug)
    if not viewer.can("edit_feedback") or not viewer.can("view_feedback"):
        raise Http404
    form = CallbackFilterForm(request.GET or None)
    whose, state = "", ""
    if form.is_valid():
        whose, state = form.cleaned_data["whose"], form.cleaned_data["state"]
    rows = callback_tasks(
        viewer,
        mine=whose != "all",
        state={"": "open", "done": "done"}.get(state, ""),
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    records = list(page.object_list)
    shown = present_many(records, viewer, "callbacks")
    record_listing(viewer, "feedback", shown, purpose="callbacks", filters=[])
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "triage/replies/callbacks.html",
        {
            **layout(project, viewer),
            "form": form,
            "items": [
                {
                    "shown": s,
                    "attempts": getattr(r, "callback_attempts_count", 0),
                    "done": getattr(r, "callback_done", False),
                }
                for s, r in zip(shown, records, strict=True)
            ],
            "pager": pager(page),
            "query": query.urlencode(),
        },
    )


def _callback_page(
    request: HttpRequest,
    slug: str,
    feedback_id: str,
    *,
    number: Presented | None = None,
    reveal_form: CallbackRevealForm | None = None,
    outcome_form: CallbackOutcomeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    project, viewer = access_project(request.user, slug)
    record = access_feedback(viewer, feedback_id, write=True)
    call = getattr(record, "call_details", None)
    if call is None or not call.callback_requested:
        raise Http404
    is_open = callback_is_open(record)
    response = render(
        request,
        "triage/replies/callback.html",
        {
            **layout(project, viewer),
            "shown": present(record, viewer, "callback"),
            "attempts": present_many(attempts_on(record), viewer, "callback"),
            "open": is_open,
            "may_reveal": is_open
            and record.contact_id is not None
            and (record.assignee_id == viewer.user_id or viewer.can("reveal_contact")),
            "number": number,
            "reveal_form": reveal_form or CallbackRevealForm(),
            "outcome_form": outcome_form or CallbackOutcomeForm(),
            "needs_password": not recently_authenticated(request),
        },
        status=status,
    )
    if number is not None:
        response["Cache-Control"] = "no-store"
    return response


@login_required
def callback(request: HttpRequest, slug: str, feedback_id: str) -> HttpResponse:
    return _callback_page(request, slug, feedback_id)


@login_required
@require_POST
def callback_reveal(request: HttpRequest, slug: str, feedback_id: str) -> HttpResponse:
    _project, viewer = access_project(request.user, slug)
    record = access_feedback(viewer, feedback_id, write=True)  # 404 before anything else
    form = CallbackRevealForm(request.POST)
    if not form.is_valid():
        return _callback_page(request, slug, feedback_id, reveal_form=form, status=400)
    if not recently_authenticated(request) and not check_password(
        request, form.cleaned_data["password"]
    ):
        form.add_error("password", _("That password is not right."))
        return _callback_page(request, slug, feedback_id, reveal_form=form, status=403)
    try:
        number = actions.do_reveal_callback_number(viewer, record.pk, form.cleaned_data["reason"])
    except ReplyRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("triage:callback", slug=slug, feedback_id=record.pk)
    return _callback_page(request, slug, feedback_id, number=number)


@login_required
@require_POST
def callback_outcome(request: HttpRequest, slug: str, feedback_id: str) -> HttpResponse:
    _project, viewer = access_project(request.user, slug)
    record = access_feedback(viewer, feedback_id, write=True)  # 404 before anything else
    form = CallbackOutcomeForm(request.POST)
    if not form.is_valid():
        return _callback_page(request, slug, feedback_id, outcome_form=form, status=400)
    try:
        actions.do_record_callback_outcome(
            viewer, record.pk, form.cleaned_data["outcome"], form.cleaned_data["note"]
        )
    except ReplyRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("Call-back recorded."))
    return redirect("triage:callback", slug=slug, feedback_id=record.pk)


DEFAULT_WINDOW_DAYS = 90


@login_required
def response_times_view(request: HttpRequest, slug: str) -> HttpResponse:
    project, viewer = access_project(request.user, slug)
    if not (viewer.can("view_feedback") and viewer.can("view_dashboards")):
        raise Http404
    form = ResponseTimesForm(request.GET or None)
    group_by, since_day, until_day = "type_code", None, None
    if form.is_valid():
        group_by = form.cleaned_data["group_by"] or "type_code"
        since_day, until_day = form.cleaned_data["since"], form.cleaned_data["until"]
    today = timezone.localdate()
    until_day = until_day or today
    since_day = since_day or until_day - timedelta(days=DEFAULT_WINDOW_DAYS)
    zone = timezone.get_current_timezone()
    since = datetime.combine(since_day, time.min, tzinfo=zone)
    until = datetime.combine(until_day + timedelta(days=1), time.min, tzinfo=zone)
    rows = response_times(viewer, group_by, since, until)
    return render(
        request,
        "triage/replies/response_times.html",
        {
            **layout(project, viewer),
            "form": form,
            "group_label": GROUP_LABELS.get(group_by, group_by),
            "rows": [
                {**vars(row), "label": _group_words(project.pk, group_by, row.group)}
                for row in rows
            ],
            "since": since_day,
            "until": until_day,
        },
    )


def _group_words(project_id: uuid.UUID, group_by: str, value: str) -> str:
    """A group's name in words, never its code: types and sectors by the project's
    coding framework (its own labels, retired codes marked)."""
    if not value:
        return _("None")
    if group_by in ("type_code", "sector"):
        return framework_for(project_id).label(group_by, value)
    return value
