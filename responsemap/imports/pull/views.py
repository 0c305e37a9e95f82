"""Screens of the pulls from form servers, under the imports pages: the list, connect
(or change) a form, match its fields, and a source's page with its last and next
fetch, what it brought, its problems, and "Fetch now".

Every screen loads the project with ``access_project`` and the source through
``access_pull_source`` (managers who may import; anyone else gets a 404). No screen
shows a secret or a submission's value: problems are (submission id, field, reason).
"""

from __future__ import annotations

import json
from collections import abc
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from responsemap.imports.mapping import TARGETS, Mapping
from responsemap.imports.pull import actions
from responsemap.imports.pull.actions import form_key_of
from responsemap.imports.pull.clients import PullError
from responsemap.imports.pull.forms import PullMappingForm, PullSourceForm
from responsemap.imports.pull.models import PullSource
from responsemap.imports.pull.queries import (
    access_pull_source,
    may_manage_pulls,
    sources_visible_to,
)
from responsemap.imports.pull.repeats import (
    SUBMISSION,
    comment_fields,
    headers_for,
    is_per_row,
    shape_of,
    values_table,
)
from responsemap.imports.pull.running import sample_fields
from responsemap.imports.pull.transitions import OVERLAP
from responsemap.imports.recode_forms import RecodeForm
from responsemap.imports.recode_views import bounded_xlsform, recode_choices, saving_recodes
from responsemap.imports.recodes import CODED, needs_recoding
from responsemap.imports.rows import describe
from responsemap.imports.saved import NamedMapping, open_saved, saved_mapping_for
from responsemap.projects.layout import layout
from responsemap.projects.models import Project
from responsemap.projects.queries import access_project
from responsemap.protection.listing import record_listing
from responsemap.protection.present import Presented, present, present_many
from responsemap.protection.viewer import Viewer

PER_PAGE = 25
OUTCOMES = {
    "ok": gettext_lazy("Fetched"),
    "unauthorized": gettext_lazy(
        "The server refused the sign-in (401/403): check the token, or the e-mail and "
        "password, and that this account may read the form's data."
    ),
    "not_found": gettext_lazy(
        "The server has no such form (404): check the form id and, for ODK, the project number."
    ),
    "timeout": gettext_lazy("The server did not answer in time. The next fetch tries again."),
    "unreachable": gettext_lazy("The server can't be reached: check its address."),
    "server_error": gettext_lazy("The server had an error (5xx). The next fetch tries again."),
    "server_busy": gettext_lazy("The server asked to slow down (429). The next fetch tries again."),
    "refused": gettext_lazy("The server refused the request."),
    "bad_response": gettext_lazy("The server's answer was not what KoboToolbox or ODK send."),
    "no_secrets": gettext_lazy("The saved token or password can no longer be opened."),
    "no_mapping": gettext_lazy("Match the form's fields first: the message text is needed."),
    "not_allowed": gettext_lazy(
        "The person who connected this form may no longer manage the project or enter "
        "feedback: connect it again."
    ),
    "failed": gettext_lazy("The fetch stopped on an error. The next fetch tries again."),
    "forbidden_host": gettext_lazy(
        "The server's address can't be fetched from: it is this server itself, a local or "
        "cloud service address, or a private network address this installation does not "
        "allow. Nothing was fetched."
    ),
    "too_large": gettext_lazy(
        "An answer from the server was larger than this installation accepts, so nothing "
        "of it was imported. If it goes on, ask the administrator to raise the limit."
    ),
}


def describe_outcome(code: str) -> str:
    return str(OUTCOMES.get(code, code)) if code else ""


def _manager(request: HttpRequest, slug: str) -> tuple[Project, Viewer]:
    project, viewer = access_project(request.user, slug)
    if not may_manage_pulls(viewer):
        raise Http404
    return project, viewer


def _listed(shown: Presented) -> dict[str, Any]:
    return {
        "source": shown,
        "outcome": describe_outcome(str(shown["last_outcome"].value or "")),
        "ok": shown["last_outcome"].value == "ok",
    }


@login_required
def index(request: HttpRequest, slug: str) -> HttpResponse:
    project, viewer = _manager(request, slug)
    query = request.GET.get("q", "").strip()[:100]
    kind = request.GET.get("kind", "")
    rows = sources_visible_to(viewer)
    if query:
        rows = rows.filter(name__icontains=query)
    if kind in PullSource.Kind.values:
        rows = rows.filter(kind=kind)
    total = rows.count()
    pages = max(1, -(-total // PER_PAGE))
    try:
        page = min(max(1, int(request.GET.get("page", "1"))), pages)
    except ValueError:
        page = 1
    sources = present_many(
        list(rows.order_by("name", "pk")[(page - 1) * PER_PAGE : page * PER_PAGE]),
        viewer,
        "pull_sources",
    )
    record_listing(viewer, "pullsource", sources, purpose="pull_sources")
    return render(
        request,
        "imports/pull/index.html",
        {
            **layout(project, viewer),
            "rows": [_listed(s) for s in sources],
            "q": query,
            "kind": kind,
            "kinds": PullSource.Kind.choices,
            "page": page,
            "pages": range(1, pages + 1),
            "total": total,
        },
    )


def _check_fields(source: PullSource, viewer: Viewer) -> str:
    """Ask the server for a few submissions and keep the form's field paths; the
    problem in words, or ""."""
    try:
        fields = sample_fields(source)
    except PullError as exc:
        return describe_outcome(exc.code)
    actions.do_set_pull_fields(source, fields, viewer)
    return ""


@login_required
@require_http_methods(["GET", "POST"])
def connect(request: HttpRequest, slug: str) -> HttpResponse:
    project, viewer = _manager(request, slug)
    form = PullSourceForm(request.POST or None, initial={"kind": "kobo"})
    if request.method == "POST" and form.is_valid():
        source = actions.do_create_pull_source(
            project=project,
            kind=form.kind_value(),
            name=form.cleaned_data["name"],
            config=form.config(),
            secrets=form.secrets() or {},
            interval_minutes=form.cleaned_data["interval_minutes"],
            actor=viewer,
        )
        if not form.cleaned_data["is_active"]:
            actions.do_update_pull_source(
                source,
                name=source.name,
                config=source.config,
                secrets=None,
                interval_minutes=source.interval_minutes,
                is_active=False,
                actor=viewer,
            )
        problem = _check_fields(source, viewer)
        if problem:
            messages.error(request, problem)
            return redirect("imports:pull_source", slug=slug, source_id=source.pk)
        return redirect("imports:pull_mapping", slug=slug, source_id=source.pk)
    return render(
        request,
        "imports/pull/connect.html",
        {**layout(project, viewer), "form": form, "source": None},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def change(request: HttpRequest, slug: str, source_id: str) -> HttpResponse:
    project, viewer = _manager(request, slug)
    source = access_pull_source(viewer, source_id)
    form = PullSourceForm(request.POST or None, source=source)
    if request.method == "POST" and form.is_valid():
        actions.do_update_pull_source(
            source,
            name=form.cleaned_data["name"],
            config=form.config(),
            secrets=form.secrets(),
            interval_minutes=form.cleaned_data["interval_minutes"],
            is_active=form.cleaned_data["is_active"],
            actor=viewer,
        )
        messages.success(request, _("The connection was saved."))
        return redirect("imports:pull_source", slug=slug, source_id=source.pk)
    return render(
        request,
        "imports/pull/connect.html",
        {
            **layout(project, viewer),
            "form": form,
            "source": present(source, viewer, "pull_source"),
        },
        status=400 if form.is_bound else 200,
    )


def _shape(shown: Presented) -> dict[str, Any]:
    """What a sample of the form showed (``running.sample_fields``), opened by present()."""
    value = shown["fields"]
    if value.masked or not isinstance(value.value, str):
        return shape_of(None)
    try:
        return shape_of(json.loads(value.value or "[]"))
    except ValueError:
        return shape_of(None)


def _sheets(source: PullSource) -> dict[str, Any]:
    return dict((source.mapping or {}).get("sheets") or {})


def _uses_repeats(shape: dict[str, Any], mapping: dict[str, Any]) -> bool:
    """Does a fetch need the repeat groups' rows? (ODK asks for them apart.)"""
    sheets = mapping.get("sheets") or {}
    if is_per_row(sheets):
        return True
    used = [*(mapping.get("columns") or {}).values(), *(mapping.get("more_text") or [])]
    return any(str(path).partition("/")[0] in shape["repeats"] for path in used)


@login_required
@require_http_methods(["GET", "POST"])
def mapping(request: HttpRequest, slug: str, source_id: str) -> HttpResponse:
    project, viewer = _manager(request, slug)
    source = access_pull_source(viewer, source_id)
    shown = present(source, viewer, "pull_mapping")
    shape = _shape(shown)
    sheets = _sheets(source)
    fields = headers_for(shape, sheets) if shape["fields"] else []
    saved = None if source.mapping else open_saved(saved_mapping_for(project, form_key_of(source)))
    form = PullMappingForm(
        request.POST or None,
        source=source,
        fields=fields,
        saved=dict(saved.columns) if saved else None,
        comments=comment_fields(shape, sheets),
    )
    if request.method == "POST" and form.is_valid():
        chosen = form.mapping()
        chosen["repeats"] = _uses_repeats(shape, chosen)
        recode = needs_recoding(Mapping(columns={t: 0 for t in chosen["columns"]}))
        actions.do_set_pull_mapping(source, chosen, viewer, start=not recode)
        if recode:
            return redirect("imports:pull_recodes", slug=slug, source_id=source.pk)
        messages.success(request, _("Saved: the first fetch has started."))
        return redirect("imports:pull_source", slug=slug, source_id=source.pk)
    return render(
        request,
        "imports/pull/mapping.html",
        {
            **layout(project, viewer),
            "source": shown,
            "form": form,
            "fields": fields,
            "repeats": _repeat_choices(shape, sheets),
        },
        status=400 if form.is_bound else 200,
    )


def _repeat_choices(shape: dict[str, Any], sheets: dict[str, Any]) -> dict[str, Any] | None:
    """The form's repeat groups and how they are read (None if it has none)."""
    names = list(shape["repeats"])
    if not names:
        return None
    return {"names": names, "base": str(sheets.get("base") or SUBMISSION)}


@login_required
@require_POST
def repeats(request: HttpRequest, slug: str, source_id: str) -> HttpResponse:
    """How the form's repeat groups are read: joined into each submission's record
    (``base`` = submission), or one record per row of one repeat group."""
    project, viewer = _manager(request, slug)
    source = access_pull_source(viewer, source_id)
    shape = _shape(present(source, viewer, "pull_mapping"))
    base = request.POST.get("base", SUBMISSION)
    if base != SUBMISSION and base not in shape["repeats"]:
        messages.error(request, _("Choose one of the form's repeat groups."))
        return redirect("imports:pull_mapping", slug=slug, source_id=source.pk)
    sheets: dict[str, Any] = {"base": base}
    if base != SUBMISSION:
        sheets["with"] = [SUBMISSION]
    actions.do_set_pull_sheets(source, sheets, viewer)
    messages.success(request, _("Now match the fields again: they are named as read."))
    return redirect("imports:pull_mapping", slug=slug, source_id=source.pk)


@login_required
@require_http_methods(["GET", "POST"])
@bounded_xlsform
def recodes(request: HttpRequest, slug: str, source_id: str) -> HttpResponse:
    """The form's choice values → the project's codes: the file import's recoding
    screen (``recode_views.recode_choices``), with the values a sample of submissions
    showed. Offered before the first fetch; the first save starts it."""
    project, viewer = _manager(request, slug)
    source = access_pull_source(viewer, source_id)
    shown = present(source, viewer, "pull_mapping")
    mapping = source.mapping or {}
    columns = {str(t): str(p) for t, p in (mapping.get("columns") or {}).items()}
    if "content" not in columns:
        return redirect("imports:pull_mapping", slug=slug, source_id=source.pk)
    shape = _shape(shown)
    coded = [t for t in CODED if t in columns]
    table = values_table(shape, _sheets(source), [columns[t] for t in coded])
    offered = recode_choices(
        request,
        project,
        table,
        {t: i for i, t in enumerate(coded)},
        NamedMapping.from_json(json.dumps(mapping)).recodes,
    )
    saving = saving_recodes(request)
    form = RecodeForm(
        request.POST if saving else None,
        project=project,
        values=offered.values,
        suggested=offered.suggested,
    )
    if saving and form.is_valid():
        first = source.last_run_at is None and source.next_run_at is None
        actions.do_set_pull_recodes(source, form.recodes(), viewer)
        if first and actions.do_request_pull(source, viewer):
            messages.success(request, _("Saved: the first fetch has started."))
        else:
            messages.success(request, _("Saved: the next fetch recodes the values so."))
        return redirect("imports:pull_source", slug=slug, source_id=source.pk)
    return render(
        request,
        "imports/recodes.html",
        {
            **layout(project, viewer),
            **offered.context(form),
            "mark": "imports/pull/_recode_mark.html",
            "back_url": reverse("imports:pull_mapping", args=[slug, source.pk]),
            "back_label": _("Match the form's fields"),
            "subject": shown["name"],
            "submit_label": _("Save"),
            "submit_help": _(
                "Kept with this form's matching, for every fetch and the next upload of its export."
            ),
        },
        status=400 if offered.form_problem or (saving and not form.is_valid()) else 200,
    )


def _errors(shown: Presented) -> list[dict[str, str]]:
    labels = {t.name: str(t.label) for t in TARGETS}
    errors = shown["errors"].value
    listed = errors if isinstance(errors, list | tuple) else []
    return [
        {
            "submission": str(e.get("submission", "")),
            "field": labels.get(str(e.get("field", "")), ""),
            "text": describe(str(e.get("reason", ""))),
        }
        for e in listed
        if isinstance(e, abc.Mapping)
    ]


@login_required
def source_page(request: HttpRequest, slug: str, source_id: str) -> HttpResponse:
    project, viewer = _manager(request, slug)
    source = access_pull_source(viewer, source_id)
    shown = present(source, viewer, "pull_source")
    columns = dict((source.mapping or {}).get("columns") or {})
    return render(
        request,
        "imports/pull/source.html",
        {
            **layout(project, viewer),
            "source": shown,
            "outcome": describe_outcome(source.last_outcome),
            "ok": source.last_outcome == "ok",
            "running": source.running_since is not None,
            "mapped": [(str(t.label), columns[t.name]) for t in TARGETS if t.name in columns],
            "errors": _errors(shown),
            "config": sorted((str(k), str(v)) for k, v in (source.config or {}).items()),
            # The newest submission fetched (the next fetch asks from a little before).
            "newest": source.last_submission_at + OVERLAP if source.last_submission_at else None,
        },
    )


@login_required
@require_POST
def fetch(request: HttpRequest, slug: str, source_id: str) -> HttpResponse:
    _project, viewer = _manager(request, slug)
    source = access_pull_source(viewer, source_id)
    if actions.do_request_pull(source, viewer):
        messages.success(request, _("Fetching now: refresh the page to see what came in."))
    else:
        messages.error(request, _("Match the form's fields and turn fetching on first."))
    return redirect("imports:pull_source", slug=slug, source_id=source.pk)


@login_required
@require_POST
def check(request: HttpRequest, slug: str, source_id: str) -> HttpResponse:
    """Check the connection again and read the form's fields anew."""
    _project, viewer = _manager(request, slug)
    source = access_pull_source(viewer, source_id)
    problem = _check_fields(source, viewer)
    if problem:
        messages.error(request, problem)
        return redirect("imports:pull_source", slug=slug, source_id=source.pk)
    messages.success(request, _("Connected: the form's fields were read again."))
    return redirect("imports:pull_mapping", slug=slug, source_id=source.pk)


@login_required
@require_POST
def rewind(request: HttpRequest, slug: str, source_id: str) -> HttpResponse:
    _project, viewer = _manager(request, slug)
    source = access_pull_source(viewer, source_id)
    actions.do_fetch_everything_again(source, viewer)
    messages.success(
        request, _("The next fetch reads every submission again; those already in are skipped.")
    )
    return redirect("imports:pull_source", slug=slug, source_id=source.pk)


@login_required
@require_POST
def delete(request: HttpRequest, slug: str, source_id: str) -> HttpResponse:
    _project, viewer = _manager(request, slug)
    source = access_pull_source(viewer, source_id)
    actions.do_delete_pull_source(source, viewer)
    messages.success(request, _("Disconnected. The records it brought in stay."))
    return redirect("imports:pull", slug=slug)
