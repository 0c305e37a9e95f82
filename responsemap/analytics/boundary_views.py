"""The manager's screen to import administrative boundaries: the same checks and the
same writes as ``manage.py import_boundaries``; the records' areas are re-derived by a
task after the import commits."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from responsemap.analytics.boundary_forms import MAX_BYTES, BoundaryUploadForm, too_large_message
from responsemap.analytics.tasks import rederive_areas
from responsemap.geo.actions import do_import_boundaries
from responsemap.geo.boundaries import BoundaryFileRefused, load_geojson, read_boundaries
from responsemap.geo.queries import areas_of
from responsemap.lib.uploads import BoundedMemoryUpload
from responsemap.projects.layout import layout
from responsemap.projects.models import Project
from responsemap.projects.queries import access_project
from responsemap.protection.viewer import Viewer


@csrf_exempt  # the upload handler must be set before the body is read; checked below
@login_required
@require_http_methods(["GET", "POST"])
def import_boundaries(request: HttpRequest, slug: str) -> HttpResponse:
    project, viewer = access_project(request.user, slug)
    if not viewer.can("manage_project"):
        raise Http404
    # A file over the limit is dropped as it streams in, never spooled to a temporary
    # file on disk first (Django's default handlers write any size there).
    handler = BoundedMemoryUpload(request, MAX_BYTES)
    request.upload_handlers = [handler]
    return _import_boundaries(request, project, viewer, handler)


@csrf_protect
def _import_boundaries(
    request: HttpRequest, project: Project, viewer: Viewer, handler: BoundedMemoryUpload
) -> HttpResponse:
    slug = project.slug
    form = BoundaryUploadForm(request.POST or None, request.FILES or None)
    report_lines: list[str] = []
    status = 200
    if request.method == "POST":
        status = 400
        if handler.too_large:
            form.add_error("file", too_large_message())
        elif form.is_valid():
            data = form.cleaned_data
            level = data["level"]
            try:
                geojson = load_geojson(data["file"].read())
            except BoundaryFileRefused as refusal:
                form.add_error("file", str(refusal))
            else:
                report = read_boundaries(
                    project.pk,
                    geojson,
                    level=level,
                    pcode_field=data["pcode_field"] or f"ADM{level}_PCODE",
                    name_field=data["name_field"] or f"ADM{level}_EN",
                    parent_field=data["parent_field"],
                )
                report_lines = report.lines()
                if not report.boundaries:
                    form.add_error("file", _("No area to import: see the report."))
                elif data["dry_run"]:
                    status = 200
                else:
                    with transaction.atomic():
                        created, updated = do_import_boundaries(project.pk, report, actor=viewer)
                        transaction.on_commit(lambda: rederive_areas.enqueue(str(project.pk)))
                    messages.success(
                        request,
                        _(
                            "%(created)d areas added, %(updated)d updated. The records' areas "
                            "are being worked out again from their positions."
                        )
                        % {"created": created, "updated": updated},
                    )
                    for line in report_lines[1:]:
                        messages.warning(request, line)
                    return redirect("analytics:import_boundaries", slug=slug)
    levels: dict[int, int] = {}
    for level in areas_of(project.pk).values_list("level", flat=True):
        levels[level] = levels.get(level, 0) + 1
    return render(
        request,
        "analytics/import_boundaries.html",
        {
            **layout(project, viewer),
            "form": form,
            "report_lines": report_lines,
            "levels": sorted(levels.items()),
        },
        status=status,
    )
