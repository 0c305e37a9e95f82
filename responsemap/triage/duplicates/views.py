"""Screens of duplicates, rumour groups and spam: the rumour groups list and a group's
page (for whoever may see feedback), and the record page's POSTs (for whoever may edit
it). Records through ``access_feedback``/``feedback_visible_to``, fields through
present(), changes through ``actions``."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, time
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from responsemap.lib.pager import pager
from responsemap.projects.layout import layout
from responsemap.projects.queries import access_project
from responsemap.protection.listing import record_listing
from responsemap.protection.present import present, present_many
from responsemap.protection.viewer import Viewer
from responsemap.triage.duplicates import actions
from responsemap.triage.duplicates.actions.birth import policies_for
from responsemap.triage.duplicates.actions.policy import do_set_duplicate_policy
from responsemap.triage.duplicates.forms import GroupFilterForm, PolicyForm, ReferenceForm
from responsemap.triage.duplicates.queries import access_group, groups_visible_to, members_visible
from responsemap.triage.models import Feedback
from responsemap.triage.queries import access_feedback, feedback_visible_to

PAGE_SIZE = 25
PURPOSE = "rumour_groups"


@login_required
def rumour_groups(request: HttpRequest, slug: str) -> HttpResponse:
    project, viewer = access_project(request.user, slug)
    if not viewer.can("view_feedback"):
        raise Http404
    form = GroupFilterForm(request.GET or None)
    words, since = "", None
    if form.is_valid():
        words = form.cleaned_data["words"] or ""
        day = form.cleaned_data["since"]
        since = timezone.make_aware(datetime.combine(day, time.min)) if day else None
    rows = groups_visible_to(viewer, words=words, since=since)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    groups = list(page.object_list)
    samples = {
        f.pk: f
        for f in feedback_visible_to(viewer).filter(
            pk__in=[g.sample_id for g in groups if g.sample_id]
        )
    }
    sample_ids = list(samples)
    shown = dict(
        zip(sample_ids, present_many(list(samples.values()), viewer, PURPOSE), strict=True)
    )
    items = [
        {
            "group": present(g, viewer, PURPOSE),
            "size": g.size,
            "first_seen": g.first_seen,
            "last_seen": g.last_seen,
            "sample": shown.get(g.sample_id),
        }
        for g in groups
    ]
    record_listing(
        viewer,
        "feedback",
        list(shown.values()),
        purpose=PURPOSE,
        filters=[n for n in ("words", "since") if request.GET.get(n)],
    )
    query = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    return render(
        request,
        "triage/duplicates/groups.html",
        {
            **layout(project, viewer),
            "form": form,
            "items": items,
            "pager": pager(page),
            "query": query,
        },
    )


@login_required
def rumour_group(request: HttpRequest, slug: str, group_id: str) -> HttpResponse:
    project, viewer = access_project(request.user, slug)
    if not viewer.can("view_feedback"):
        raise Http404
    group: Any = access_group(viewer, group_id)  # annotated: size, first/last seen
    page = Paginator(members_visible(viewer, group), PAGE_SIZE).get_page(request.GET.get("page"))
    members = present_many(list(page.object_list), viewer, PURPOSE)
    record_listing(viewer, "feedback", members, purpose=PURPOSE)
    return render(
        request,
        "triage/duplicates/group.html",
        {
            **layout(project, viewer),
            "group": present(group, viewer, PURPOSE),
            "size": group.size,
            "first_seen": group.first_seen,
            "last_seen": group.last_seen,
            "members": members,
            "hidden": group.size - page.paginator.count,
            "pager": pager(page),
            "query": "",
            "can_edit": viewer.can("edit_feedback"),
        },
    )


Act = Callable[[Viewer, Feedback], str]


def _work_on(request: HttpRequest, slug: str, feedback_id: str, act: Act) -> HttpResponse:
    """A POST from the record page: 404 before anything for a record the person may not
    edit; a refusal in words shown on the page; back to the page (PRG)."""
    project, viewer = access_project(request.user, slug)
    record = access_feedback(viewer, feedback_id, write=True)
    try:
        error = act(viewer, record)
    except actions.DuplicateRefused as refusal:
        error = str(refusal)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Saved."))
    group = _group_id(request.POST.get("group", ""))
    if request.POST.get("next", "") == "group" and group:
        return redirect("triage:rumour_group", slug=project.slug, group_id=group)
    return redirect(reverse("triage:detail", args=[project.slug, record.pk]) + "#duplicates")


def _group_id(typed: str) -> str:
    """The group page to go back to: a group's id, or "" for anything else (a tampered
    value with a slash cannot be put in the URL: a server error)."""
    try:
        return str(uuid.UUID(typed))
    except ValueError:
        return ""


def _with_reference(do: Callable[[Viewer, object, str], object]) -> Callable[..., HttpResponse]:
    @login_required
    @require_POST
    def view(request: HttpRequest, slug: str, feedback_id: str) -> HttpResponse:
        def act(viewer: Viewer, record: Feedback) -> str:
            form = ReferenceForm(request.POST)
            if not form.is_valid():
                return _("Type the reference of the other record.")
            do(viewer, record.pk, form.cleaned_data["reference"])
            return ""

        return _work_on(request, slug, feedback_id, act)

    return view


def _plain(do: Callable[[Viewer, object], object]) -> Callable[..., HttpResponse]:
    @login_required
    @require_POST
    def view(request: HttpRequest, slug: str, feedback_id: str) -> HttpResponse:
        def act(viewer: Viewer, record: Feedback) -> str:
            do(viewer, record.pk)
            return ""

        return _work_on(request, slug, feedback_id, act)

    return view


link_duplicate = _with_reference(actions.do_link_duplicate)
merge = _with_reference(actions.do_merge)
add_to_group = _with_reference(actions.do_add_to_group)
unlink = _plain(actions.do_unlink)
remove_from_group = _plain(actions.do_remove_from_group)
mark_spam = _plain(actions.do_mark_spam)
unmark_spam = _plain(actions.do_unmark_spam)
block_sender = _plain(actions.do_block_sender)
unblock_sender = _plain(actions.do_unblock_sender)


@login_required
@require_http_methods(["GET", "POST"])
def policy_settings(request: HttpRequest, slug: str) -> HttpResponse:
    """The project's duplicate and spam settings (managers)."""
    project, viewer = access_project(request.user, slug)
    if not viewer.can("manage_project"):
        raise Http404
    current = policies_for({project.pk})[project.pk]
    initial = {
        "window_hours": current.window_hours,
        "similarity": round(current.similarity * 100),
        "rate_messages": current.rate_messages,
        "rate_minutes": current.rate_minutes,
    }
    form = PolicyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        do_set_duplicate_policy(
            viewer,
            window_hours=data["window_hours"],
            similarity=data["similarity"] / 100,
            rate_messages=data["rate_messages"],
            rate_minutes=data["rate_minutes"],
        )
        messages.success(request, _("Saved. New records follow these settings."))
        return redirect("triage:duplicate_settings", slug=project.slug)
    return render(
        request, "triage/duplicates/settings.html", {**layout(project, viewer), "form": form}
    )
