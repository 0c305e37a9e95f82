"""The inbox: the records a person may see, filtered, searched and paged at any size
(``listing``), each shown through ``present_many`` and the page logged."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone

from responsemap.projects.layout import layout
from responsemap.projects.queries import access_project
from responsemap.protection.listing import record_listing
from responsemap.protection.present import present_many
from responsemap.triage.alerts.queries import overdue_q
from responsemap.triage.inbox.forms import InboxForm
from responsemap.triage.inbox.listing import COUNT_CAP, PAGE_SIZE, InboxPage, filtered, page_of
from responsemap.triage.queries import feedback_visible_to

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
        "count": min(page.count, COUNT_CAP),
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


@login_required
def inbox(request: HttpRequest, slug: str) -> HttpResponse:
    project, viewer = access_project(request.user, slug)
    if not viewer.can("view_feedback"):
        raise Http404
    form = InboxForm(
        request.GET or None, project=project, can_see_sensitive=viewer.can("view_sensitive")
    )
    rows = feedback_visible_to(viewer).select_related("area", "assignee")
    used: list[str] = []
    sort = ""
    if form.is_valid():
        data = form.cleaned_data
        used = [FILTER_NAMES.get(name, name) for name in INBOX_FILTERS if data.get(name)]
        sort = data["sort"]
        rows = filtered(rows, project.pk, data)
        if data.get("overdue"):
            rows = rows.filter(overdue_q(timezone.now()))
    page = page_of(rows, sort, request.GET.dict(), PAGE_SIZE)
    items = present_many(page.rows, viewer, "inbox")
    # Which filters, never what was searched for: a search may be a name or a number.
    record_listing(viewer, "feedback", items, purpose="inbox", filters=used)
    return render(
        request,
        "triage/inbox.html",
        {
            **layout(project, viewer),
            "form": form,
            "pager": pager_context(page, request.GET),
            "items": items,
            "count_cap": COUNT_CAP,
        },
    )
