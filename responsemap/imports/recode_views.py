"""The sheets screen (which sheets of an XLSX, read how) and the recoding screen (the
file's choice values → the project's codes).

Both read the job's file (sealed; opened for the system purpose "read an uploaded
import file"), in the request: at most 10 MB. The recoding screen lists the distinct
values of columns matched to coded fields, and only of columns that look like choice
lists (few, short values: ``recodes.choice_values``), never free text.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from functools import partial, wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from responsemap.imports import actions
from responsemap.imports.checking import job_file, job_table
from responsemap.imports.feedback_rows import FeedbackRowSink
from responsemap.imports.mapping import Mapping
from responsemap.imports.queries import access_import_job
from responsemap.imports.reader import Table, UnreadableFile, read_tables
from responsemap.imports.recode_forms import RecodeForm, SheetsForm, XLSFormUpload
from responsemap.imports.recodes import CODED, choice_values, suggest
from responsemap.imports.rows import describe
from responsemap.imports.sheets import describe_sheets, shape_of
from responsemap.imports.views import _headers, _importer
from responsemap.imports.xlsform import MAX_FORM_BYTES, XLSForm, read_xlsform
from responsemap.lib.uploads import BoundedMemoryUpload
from responsemap.projects.layout import layout
from responsemap.projects.models import Project
from responsemap.protection.present import present


def bounded_xlsform(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A recoding screen's view whose XLSForm upload streams into memory and is dropped
    once past ``MAX_FORM_BYTES`` (``lib.uploads``), never spooled to a temporary file
    on disk first (Django's default handlers write any large file there). The handler
    must be set before the body is read, so the CSRF check runs after it."""
    protected = csrf_protect(view)

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST":
            request.upload_handlers = [BoundedMemoryUpload(request, MAX_FORM_BYTES)]
        return protected(request, *args, **kwargs)

    return wrapper


def upload_too_large(request: HttpRequest) -> bool:
    """Was a file of this request dropped for its size (``bounded_xlsform``)?"""
    return any(isinstance(h, BoundedMemoryUpload) and h.too_large for h in request.upload_handlers)


def saving_recodes(request: HttpRequest) -> bool:
    """A POST of the recoding form itself (not of an XLSForm, given or dropped)."""
    return (
        request.method == "POST"
        and "xlsform" not in request.FILES
        and not upload_too_large(request)
    )


@login_required
@require_http_methods(["GET", "POST"])
def sheets(request: HttpRequest, slug: str, job_id: str) -> HttpResponse:
    project, viewer = _importer(request, slug)
    job = access_import_job(viewer, job_id)
    if job.state not in actions.EDITABLE or job.file_kind != "xlsx":
        return redirect("imports:job", slug=slug, job_id=job.pk)
    try:
        tables = read_tables(job.file_kind, job_file(job))
    except UnreadableFile as exc:
        return redirect_with_problem(request, slug, job.pk, exc.code)
    current = Mapping.from_json(job.mapping or {}).sheets
    infos = describe_sheets(tables)
    form = SheetsForm(request.POST or None, sheets=infos, current=current)
    if request.method == "POST" and form.is_valid():
        chosen = {"base": form.cleaned_data["base"], "with": form.cleaned_data["others"]}
        table, joined = shape_of(tables, chosen)
        actions.do_set_sheets(job, {**chosen, "joined": joined}, table, len(table.rows), viewer)
        return redirect("imports:mapping", slug=slug, job_id=job.pk)
    return render(
        request,
        "imports/sheets.html",
        {
            **layout(project, viewer),
            "job": present(job, viewer, "import_mapping"),
            "form": form,
            "sheets": infos,
        },
        status=400 if form.is_bound else 200,
    )


def redirect_with_problem(
    request: HttpRequest, slug: str, job_id: object, code: str
) -> HttpResponse:
    from django.contrib import messages

    messages.error(request, describe(code))
    return redirect("imports:job", slug=slug, job_id=job_id)


@login_required
@require_http_methods(["GET", "POST"])
@bounded_xlsform
def recodes(request: HttpRequest, slug: str, job_id: str) -> HttpResponse:
    project, viewer = _importer(request, slug)
    job = access_import_job(viewer, job_id)
    if job.state not in actions.EDITABLE:
        return redirect("imports:job", slug=slug, job_id=job.pk)
    shown = present(job, viewer, "import_mapping")
    headers = _headers(shown)
    mapping = Mapping.from_json(job.mapping or {})
    try:
        table = job_table(job)
    except UnreadableFile:
        # Nothing to recode: the check says why the file can't be imported.
        actions.do_set_recodes(job, {}, viewer, headers)
        return redirect("imports:job", slug=slug, job_id=job.pk)

    offered = recode_choices(request, project, table, mapping.columns, mapping.recodes)
    saving = saving_recodes(request)
    form = RecodeForm(
        request.POST if saving else None,
        project=project,
        values=offered.values,
        suggested=offered.suggested,
    )
    if saving and form.is_valid():
        actions.do_set_recodes(job, form.recodes(), viewer, headers)
        return redirect("imports:job", slug=slug, job_id=job.pk)
    return render(
        request,
        "imports/recodes.html",
        {
            **layout(project, viewer),
            "job": shown,
            **offered.context(form),
            "mark": "imports/_mark.html",
            "back_url": reverse("imports:mapping", args=[slug, job.pk]),
            "back_label": _("Match the columns"),
            "subject": shown["file_name"],
            "submit_label": _("Check the file"),
            "submit_help": _(
                "The check reads every row and writes nothing. The recoding is kept for "
                "this form's next file."
            ),
        },
        status=400 if offered.form_problem or (saving and not form.is_valid()) else 200,
    )


@dataclass
class Offered:
    """What the recoding screen offers: each coded field's values and the code
    suggested for each, from a file's rows or a pulled form's sampled values."""

    values: dict[str, list[str]] = field(default_factory=dict)
    suggested: dict[str, dict[str, str | None]] = field(default_factory=dict)
    too_many: list[str] = field(default_factory=list)
    form_problem: str = ""
    form_read: bool = False

    def context(self, form: RecodeForm) -> dict[str, Any]:
        return {
            "form": form,
            "upload": XLSFormUpload(),
            "form_problem": self.form_problem,
            "form_read": self.form_read,
            "too_many": [str(dict(_labels()).get(t, t)) for t in self.too_many],
        }


def recode_choices(
    request: HttpRequest,
    project: Project,
    table: Table,
    columns: MappingABC[str, int],
    known_recodes: MappingABC[str, MappingABC[str, str]],
) -> Offered:
    """The values of ``table``'s columns matched to coded fields (``columns``: target
    → column), each with the code chosen before (``known_recodes``) or suggested from
    the import's words and the XLSForm the person gave in this request."""
    offered = Offered()
    xlsform = XLSForm()
    data = request.FILES.get("xlsform") if request.method == "POST" else None
    if upload_too_large(request) or (data is not None and (data.size or 0) > MAX_FORM_BYTES):
        offered.form_problem = _("The form's file (XLSForm) is larger than %(size)s MB.") % {
            "size": formats.number_format(MAX_FORM_BYTES / (1024 * 1024), 0)
        }
    elif data is not None:
        try:
            xlsform = read_xlsform(data.read())
        except UnreadableFile as exc:
            offered.form_problem = describe(exc.code)
    offered.form_read = bool(xlsform.questions)
    sink = FeedbackRowSink(project)
    for target in CODED:
        column = columns.get(target)
        if column is None or column >= len(table.headers):
            continue
        header = table.headers[column]
        found = choice_values(table, column, xlsform.is_multiple(header))
        if found is None:
            offered.too_many.append(target)
            continue
        if not found:
            continue
        offered.values[target] = found
        known = known_recodes.get(target, {})
        guesses = suggest(found, partial(sink.known, target), xlsform.labels(header))
        # What was chosen before (this file, or the form's saved mapping) stands,
        # unless a given XLSForm has a better word for it.
        offered.suggested[target] = {
            v: guesses[v]
            if (xlsform.questions and guesses[v] is not None) or v not in known
            else known[v]
            for v in found
        }
    return offered


def _labels() -> list[tuple[str, str]]:
    from responsemap.imports.mapping import TARGETS

    return [(t.name, str(t.label)) for t in TARGETS]
