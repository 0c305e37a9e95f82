"""Screens of the bulk import: upload → mapping → dry run → import → progress/result.

Every screen loads the project with ``access_project`` and the job through
``access_import_job`` (scoped to the project): a person without the import
permission, or from another project, gets a 404. No screen and no report shows a
cell's value; errors are (row number, column, reason). The file's name and header row
are sealed (ADR 0008): ``present()`` opens them for the importer; errors keep a column's
number and are named here from the opened headers.
"""

from __future__ import annotations

import csv
import json
from collections import abc
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from responsemap.imports import actions
from responsemap.imports.forms import MappingForm, UploadForm
from responsemap.imports.mapping import TARGETS, Mapping
from responsemap.imports.models import ImportJob
from responsemap.imports.pull.queries import may_manage_pulls
from responsemap.imports.queries import access_import_job, jobs_visible_to, may_import
from responsemap.imports.reader import MAX_FILE_BYTES, UnreadableFile
from responsemap.imports.recodes import needs_recoding
from responsemap.imports.rows import FILE_PROBLEMS, describe
from responsemap.lib.uploads import BoundedMemoryUpload
from responsemap.projects.layout import layout
from responsemap.projects.lifecycle.marks import mark_export
from responsemap.projects.models import Project
from responsemap.projects.queries import access_project
from responsemap.protection.listing import record_listing
from responsemap.protection.present import Presented, present, present_many
from responsemap.protection.viewer import Viewer

SHOWN_ERRORS = 100
REFRESH_SECONDS = 2


def _importer(request: HttpRequest, slug: str) -> tuple[Project, Viewer]:
    project, viewer = access_project(request.user, slug)
    if not may_import(viewer):
        raise Http404
    return project, viewer


def _index(
    request: HttpRequest, project: Project, viewer: Viewer, form: UploadForm, problem: str = ""
) -> HttpResponse:
    jobs = present_many(
        list(jobs_visible_to(viewer).order_by("-created_at")[:20]), viewer, "imports"
    )
    record_listing(viewer, "importjob", jobs, purpose="imports")
    return render(
        request,
        "imports/index.html",
        {
            **layout(project, viewer),
            "form": form,
            "jobs": jobs,
            "problem": problem,
            "may_pull": may_manage_pulls(viewer),
        },
        status=400 if problem or form.is_bound else 200,
    )


@login_required
def index(request: HttpRequest, slug: str) -> HttpResponse:
    project, viewer = _importer(request, slug)
    return _index(request, project, viewer, UploadForm())


@csrf_exempt  # the upload handler must be set before the body is read; checked below
@login_required
@require_POST
def upload(request: HttpRequest, slug: str) -> HttpResponse:
    project, viewer = _importer(request, slug)
    handler = BoundedMemoryUpload(request, MAX_FILE_BYTES)
    request.upload_handlers = [handler]
    return _upload(request, project, viewer, handler)


@csrf_protect
def _upload(
    request: HttpRequest, project: Project, viewer: Viewer, handler: BoundedMemoryUpload
) -> HttpResponse:
    files = request.FILES  # reads the body, through the handler
    if handler.too_large:
        return _index(request, project, viewer, UploadForm(), str(FILE_PROBLEMS["too_large"]))
    form = UploadForm(request.POST, files)
    if not form.is_valid():
        problem = " ".join(str(e) for e in form.errors.get("file", []))
        return _index(request, project, viewer, UploadForm(), problem or describe("no_file"))
    upload = form.cleaned_data["file"]
    try:
        job = actions.do_create_import_job(
            project=project, file_name=upload.name or "", data=upload.read(), actor=viewer
        )
    except UnreadableFile as exc:
        return _index(request, project, viewer, UploadForm(), describe(exc.code))
    return redirect("imports:mapping", slug=project.slug, job_id=job.pk)


@login_required
@require_http_methods(["GET", "POST"])
def mapping(request: HttpRequest, slug: str, job_id: str) -> HttpResponse:
    project, viewer = _importer(request, slug)
    job = access_import_job(viewer, job_id)
    if job.state not in actions.EDITABLE:
        return redirect("imports:job", slug=slug, job_id=job.pk)
    shown = present(job, viewer, "import_mapping")
    headers = _headers(shown)
    form = MappingForm(request.POST or None, job=job, headers=headers)
    if request.method == "POST" and form.is_valid():
        chosen = form.mapping()
        recode = needs_recoding(chosen)
        actions.do_set_mapping(job, chosen, viewer, headers, check=not recode)
        if recode:
            return redirect("imports:recodes", slug=slug, job_id=job.pk)
        return redirect("imports:job", slug=slug, job_id=job.pk)
    current = job.mapping or {}
    return render(
        request,
        "imports/mapping.html",
        {
            **layout(project, viewer),
            "job": shown,
            "form": form,
            "column_count": len(headers),
            "saved": bool(current.get("saved")),
            "sheet_count": int(current.get("sheet_count") or 1),
        },
        status=400 if form.is_bound else 200,
    )


def _listed(job: Presented, name: str) -> tuple[Any, ...]:
    value = job[name].value
    return value if isinstance(value, tuple) else ()


def _headers(job: Presented) -> list[str]:
    """The file's header names: sealed JSON, opened by ``present()`` for the importer
    (empty if it may not see them or the key is gone)."""
    shown = job["headers"]
    if shown.masked or not isinstance(shown.value, str):
        return []
    headers = json.loads(shown.value)
    return [str(h) for h in headers] if isinstance(headers, list) else []


def _column_name(column: object, headers: list[str]) -> str:
    """An error's column (its number in the headers) by its header's name."""
    if not isinstance(column, int) or not 0 <= column < len(headers):
        return ""
    return headers[column] or _("column %(n)s") % {"n": column + 1}


def _errors(job: Presented, limit: int | None = None) -> list[dict[str, Any]]:
    """(row, column, reason) of the problems (the first ``limit``), the column by its
    name and the reason in words."""
    headers = _headers(job)
    errors = [e for e in _listed(job, "errors")[:limit] if isinstance(e, abc.Mapping)]
    return [
        {
            "row": e["row"],
            "column": _column_name(e["column"], headers),
            "text": describe(str(e["reason"])),
        }
        for e in errors
    ]


def _shown_errors(job: Presented) -> list[dict[str, Any]]:
    return _errors(job, SHOWN_ERRORS)


def _mapped_columns(job: Presented) -> list[tuple[str, str]]:
    mapping = job["mapping"].value
    headers = _headers(job)
    columns = Mapping.from_json(dict(mapping) if isinstance(mapping, abc.Mapping) else {}).columns
    return [
        (str(t.label), str(headers[columns[t.name]]))
        for t in TARGETS
        if t.name in columns and columns[t.name] < len(headers)
    ]


@login_required
def check(request: HttpRequest, slug: str, job_id: str) -> HttpResponse:
    project, viewer = _importer(request, slug)
    job = access_import_job(viewer, job_id)
    if job.state != ImportJob.State.MAPPED:
        return redirect("imports:job", slug=slug, job_id=job.pk)
    shown = present(job, viewer, "import_check")
    return render(
        request,
        "imports/check.html",
        {
            **layout(project, viewer),
            "job": shown,
            "counts": shown["dry_run"].value,
            "errors": _shown_errors(shown),
            "columns": _mapped_columns(shown),
        },
    )


@login_required
@require_POST
def start(request: HttpRequest, slug: str, job_id: str) -> HttpResponse:
    _project, viewer = _importer(request, slug)
    job = access_import_job(viewer, job_id)
    if not actions.do_start_import(job, viewer):
        messages.error(request, _("This import can't be started: check the file first."))
    return redirect("imports:job", slug=slug, job_id=job.pk)


@login_required
@require_POST
def resume(request: HttpRequest, slug: str, job_id: str) -> HttpResponse:
    _project, viewer = _importer(request, slug)
    job = access_import_job(viewer, job_id)
    if actions.do_resume_import(job, viewer):
        messages.success(request, _("The import goes on from where it stopped."))
    return redirect("imports:job", slug=slug, job_id=job.pk)


@login_required
@require_POST
def discard(request: HttpRequest, slug: str, job_id: str) -> HttpResponse:
    _project, viewer = _importer(request, slug)
    job = access_import_job(viewer, job_id)
    if actions.do_discard_import_job(job, viewer):
        messages.success(request, _("The import and its file were deleted."))
        return redirect("imports:index", slug=slug)
    return redirect("imports:job", slug=slug, job_id=job.pk)


@login_required
def job_status(request: HttpRequest, slug: str, job_id: str) -> HttpResponse:
    project, viewer = _importer(request, slug)
    job = access_import_job(viewer, job_id)
    if job.state == ImportJob.State.UPLOADED:
        return redirect("imports:mapping", slug=slug, job_id=job.pk)
    if job.state == ImportJob.State.MAPPED:
        return redirect("imports:check", slug=slug, job_id=job.pk)
    running = job.state in (ImportJob.State.CHECKING, ImportJob.State.RUNNING)
    percent = round(100 * job.processed / job.total) if job.total else 100
    shown = present(job, viewer, "import_job")
    return render(
        request,
        "imports/job.html",
        {
            **layout(project, viewer),
            "job": shown,
            "running": running,
            "refresh": REFRESH_SECONDS if running and request.GET.get("refresh") != "off" else 0,
            "percent": percent,
            "stale": actions.is_stale(job),
            "errors": _shown_errors(shown),
            "failure": describe(job.failure_reason) if job.failure_reason else "",
            "expire_hours": getattr(settings, "RESPONSEMAP_IMPORT_EXPIRE_HOURS", 72),
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _safe_cell(value: object) -> str:
    """No spreadsheet formula can ride in through a header name (CSV injection)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@login_required
def error_report(request: HttpRequest, slug: str, job_id: str) -> HttpResponse:
    """Row number, column name, reason — never the value of a cell."""
    _project, viewer = _importer(request, slug)
    job = access_import_job(viewer, job_id)
    writer = csv.writer(_Echo())
    lines = [writer.writerow([_("row"), _("column"), _("reason")])]
    lines += [
        writer.writerow([e["row"], _safe_cell(e["column"]), e["text"]])
        for e in _errors(present(job, viewer, "import_errors"))
    ]
    response = HttpResponse("".join(lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-errors-{str(job.pk)[:8]}.csv"'
    mark_export(response, _project)
    response["Cache-Control"] = "no-store"
    return response
