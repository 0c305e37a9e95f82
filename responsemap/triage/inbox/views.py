"""The inbox: the records a person may see, filtered, searched and paged at any size
(``listing``), each shown through ``present_many`` and the page logged."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from responsemap.projects.layout import layout
from responsemap.projects.models import Project
from responsemap.projects.queries import access_project
from responsemap.protection.listing import record_listing
from responsemap.protection.present import present_many
from responsemap.protection.viewer import Viewer
from responsemap.triage.actions import WorkflowRefused, assignable_members
from responsemap.triage.alerts.queries import overdue_q
from responsemap.triage.choices import Status
from responsemap.triage.inbox import listing
from responsemap.triage.inbox.actions import (
    BulkRefused,
    BulkResult,
    do_bulk_assign,
    do_bulk_change_status,
    do_delete_saved_filter,
    do_save_filter,
)
from responsemap.triage.inbox.forms import BulkForm, InboxForm, SaveFilterForm, filter_query
from responsemap.triage.inbox.listing import (
    PAGE_SIZE,
    InboxPage,
    filtered,
    my_work_q,
    page_of,
)
from responsemap.triage.inbox.queries import protected_cases_not_shown, saved_filters_of
from responsemap.triage.inbox.select_all import (
    SELECT_ALL_MAX,
    FiltersRefused,
    fingerprint,
    matching_ids,
)
from responsemap.triage.queries import calls_entered_by, feedback_visible_to
from responsemap.triage.suggestions.queries import cards_for

# The filters a listing event names (by name, never by value).
INBOX_FILTERS = (
    "words",
    "q",
    "status",
    "type_code",
    "urgency",
    "source",
    "sector",
    "area",
    "sensitivity",
    "assignee",
    "team",
    "overdue",
    "since",
    "until",
)
# How the listing event names a filter whose name on the form says less.
FILTER_NAMES = {"words": "search"}
# The parameters that choose a page, left out of the links that keep the filters.
PAGE_PARAMS = ("page", "from_end", "after", "before")


def _href(query: QueryDict, params: dict[str, str]) -> str:
    kept = query.copy()
    for name in PAGE_PARAMS:
        kept.pop(name, None)
    for name, value in params.items():
        kept[name] = value
    return "?" + kept.urlencode()


def pager_context(page: InboxPage, query: QueryDict) -> dict[str, Any]:
    """The numbers and links a pager shows; never the rows."""
    return {
        "number": page.number,
        "from_end": page.from_end,
        "num_pages": page.num_pages,
        "count": min(page.count, page.cap),
        "cap": page.cap,
        "capped": page.capped,
        "previous": _href(query, page.previous) if page.previous else None,
        "next": _href(query, page.next) if page.next else None,
        "links": [
            {
                "number": link.number,
                "href": _href(query, link.params),
                "current": link.current,
                "gap": link.gap,
            }
            for link in page.links
        ],
    }


def _saved(viewer: Viewer, url: str) -> list[dict[str, Any]]:
    """The viewer's saved filters, their names and queries opened through present_many
    (theirs alone: ``saved_filters_of``)."""
    shown = present_many(list(saved_filters_of(viewer)), viewer, "inbox")
    return [
        {"id": item.id, "name": str(item["name"]), "href": f"{url}?{item['query']}"}
        for item in shown
        if not item["name"].masked and not item["query"].masked
    ]


@login_required
def inbox(request: HttpRequest, slug: str, scope: str = "") -> HttpResponse:
    """The inbox; ``scope`` "mine": "My work", the open records assigned to the viewer
    or to one of their teams."""
    project, viewer = access_project(request.user, slug)
    if not viewer.can("view_feedback"):
        raise Http404
    form = InboxForm(
        request.GET or None, project=project, can_see_sensitive=viewer.can("view_sensitive")
    )
    rows = feedback_visible_to(viewer).select_related("area", "assignee", "team")
    # The list's own condition, for the count of protected cases it leaves out.
    hidden_scope = Q()
    if scope == "mine":
        mine = my_work_q(viewer)
        rows = rows.filter(mine)
        hidden_scope &= mine
    used: list[str] = ["my_work"] if scope == "mine" else []
    sort = ""
    cap = listing.COUNT_CAP
    if form.is_valid():
        data = form.cleaned_data
        used += [FILTER_NAMES.get(name, name) for name in INBOX_FILTERS if data.get(name)]
        sort = data["sort"]
        rows = filtered(rows, project.pk, data)
        if data.get("words"):
            cap = min(cap, listing.WORDS_COUNT_CAP)
        if data.get("overdue"):
            overdue = overdue_q(timezone.now())
            rows = rows.filter(overdue)
            hidden_scope &= overdue
    page = page_of(rows, sort, request.GET.dict(), PAGE_SIZE, cap)
    items = present_many(page.rows, viewer, "inbox")
    # Each row's suggested codes (triage.suggestions), one query for the page.
    suggestions = cards_for(page.rows)
    # Which filters, never what was searched for: a search may be a name or a number.
    record_listing(viewer, "feedback", items, purpose="inbox", filters=used)
    url = reverse("triage:my_work" if scope == "mine" else "triage:inbox", args=[slug])
    query = filter_query(request.GET)
    can_edit = viewer.can("edit_feedback")
    return render(
        request,
        "triage/inbox.html",
        {
            **layout(project, viewer),
            "form": form,
            "pager": pager_context(page, request.GET),
            "items": items,
            "scope": scope,
            "saved_filters": _saved(viewer, reverse("triage:inbox", args=[slug])),
            "save_form": SaveFilterForm(initial={"query": query}) if query else None,
            "bulk_form": (
                BulkForm(members=assignable_members(project.pk), initial={"back": query})
                if can_edit
                else None
            ),
            "list_url": url,
            "suggestions": suggestions,
            "back": request.get_full_path(),
            "protected_not_shown": protected_cases_not_shown(viewer, hidden_scope),
            # "All N matching these filters", when there are more than this page and
            # few enough to act on at once (the inbox only: "my work" is another list).
            "select_all_count": (
                page.count
                if can_edit
                and scope != "mine"
                and not page.capped
                and len(items) < page.count <= SELECT_ALL_MAX
                else 0
            ),
        },
    )


def _said(request: HttpRequest, result: BulkResult) -> None:
    """The outcome of a bulk action, in words: how many changed, which were refused and why."""
    if result.done:
        messages.success(
            request,
            ngettext("%(n)d record changed.", "%(n)d records changed.", len(result.done))
            % {"n": len(result.done)},
        )
    for reference, why in result.refused:
        if reference:
            messages.error(
                request, _("%(ref)s not changed: %(why)s") % {"ref": reference, "why": why}
            )
        else:
            messages.error(request, _("A record was not changed: %(why)s") % {"why": why})


@login_required
@require_POST
def bulk(request: HttpRequest, slug: str) -> HttpResponse:
    """Change the status of, or assign, the records ticked in the inbox: each through
    its own audited action; a role that may not edit gets a 404 and nothing changes."""
    project, viewer = access_project(request.user, slug)
    if not viewer.can("edit_feedback"):
        raise Http404
    form = BulkForm(request.POST, members=assignable_members(project.pk))
    back = reverse("triage:inbox", args=[slug])
    if not form.is_valid():
        messages.error(request, _("Choose what to do with the selected records."))
        return redirect(back)
    data = form.cleaned_data
    back += "?" + filter_query(QueryDict(data["back"] or ""))
    if data["everything"]:
        return _bulk_everything(request, project, viewer, form, back)
    try:
        if data["action"] == "status":
            result = do_bulk_change_status(viewer, data["ids"], data["to_status"])
        else:
            result = do_bulk_assign(viewer, data["ids"], data["assignee"])
    except BulkRefused as refused:
        messages.error(request, str(refused))
        return redirect(back)
    _said(request, result)
    return redirect(back)


def _bulk_everything(
    request: HttpRequest, project: Project, viewer: Viewer, form: BulkForm, back: str
) -> HttpResponse:
    """Every record matching the filters: their count confirmed first, then each through
    its own audited action, only if they are still the records counted
    (``select_all``)."""
    data = form.cleaned_data
    try:
        ids = matching_ids(viewer, project, data["back"] or "")
    except FiltersRefused:
        messages.error(request, _("These filters could not be read. Filter the inbox again."))
        return redirect(back)
    if not ids:
        messages.error(request, _("No record matches these filters."))
        return redirect(back)
    if len(ids) > SELECT_ALL_MAX:
        messages.error(
            request,
            _("More than %(n)s records match these filters: narrow them to act on all at once.")
            % {"n": number_format(SELECT_ALL_MAX)},
        )
        return redirect(back)
    mark = fingerprint(ids)
    if data["confirm"] != mark:
        if data["confirm"]:
            messages.warning(
                request,
                _(
                    "The records matching these filters changed since you counted them. "
                    "Nothing was done: check the new number."
                ),
            )
        members = dict(assignable_members(project.pk))
        if data["action"] == "status":
            doing = _("Move them to “%(status)s”.") % {"status": Status(data["to_status"]).label}
        elif data["assignee"] is None:
            doing = _("Unassign them.")
        else:
            doing = _("Assign them to %(name)s.") % {"name": members.get(data["assignee"], "?")}
        return render(
            request,
            "triage/inbox/bulk_confirm.html",
            {
                **layout(project, viewer),
                "count": len(ids),
                "doing": doing,
                "data": data,
                "confirm": mark,
                "back_url": back,
            },
        )
    if data["action"] == "status":
        result = do_bulk_change_status(viewer, ids, data["to_status"], limit=SELECT_ALL_MAX)
    else:
        result = do_bulk_assign(viewer, ids, data["assignee"], limit=SELECT_ALL_MAX)
    _said(request, result)
    return redirect(back)


@login_required
@require_POST
def save_filter(request: HttpRequest, slug: str) -> HttpResponse:
    project, viewer = access_project(request.user, slug)
    if not viewer.can("view_feedback"):
        raise Http404
    form = SaveFilterForm(request.POST)
    back = reverse("triage:inbox", args=[slug])
    if not form.is_valid():
        messages.error(request, _("Give the filter a name."))
        return redirect(back)
    query = filter_query(QueryDict(form.cleaned_data["query"] or ""))
    try:
        do_save_filter(viewer, form.cleaned_data["name"], query)
    except WorkflowRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("Filters saved."))
    return redirect(f"{back}?{query}")


@login_required
@require_POST
def delete_saved_filter(request: HttpRequest, slug: str, saved_id: str) -> HttpResponse:
    project, viewer = access_project(request.user, slug)
    do_delete_saved_filter(viewer, saved_id)
    messages.success(request, _("Saved filter deleted."))
    return redirect("triage:inbox", slug)


@login_required
def my_calls(request: HttpRequest, slug: str) -> HttpResponse:
    """The "My calls" screen: the records the viewer entered on the hotline, newest first, paged
    like the inbox; reference, time, type and status only (never the message), a link
    to the record only for a viewer who may open it."""
    project, viewer = access_project(request.user, slug)
    if not viewer.can("enter_feedback"):
        raise Http404
    rows = calls_entered_by(viewer)
    page = page_of(rows, "", request.GET.dict(), PAGE_SIZE)
    openable = set(
        feedback_visible_to(viewer)
        .filter(pk__in=[r.pk for r in page.rows])
        .values_list("pk", flat=True)
    )
    sees_sensitive = viewer.can("view_sensitive")
    shown = present_many(page.rows, viewer, "my_calls")
    calls = [
        {
            "shown": item,
            # A protection-sensitive call: its reference and time only, to a role that
            # does not see those records.
            "held": record.sensitivity != "normal" and not sees_sensitive,
            "openable": record.pk in openable,
        }
        for record, item in zip(page.rows, shown, strict=True)
    ]
    record_listing(viewer, "feedback", shown, purpose="my_calls")
    return render(
        request,
        "triage/inbox/my_calls.html",
        {**layout(project, viewer), "calls": calls, "pager": pager_context(page, request.GET)},
    )
