"""Loading import jobs for a person: scoped to their project, 404 otherwise.

Who may import: holders of ``enter_feedback`` (hotline operators, feedback officers
and managers in the default roles). An import creates feedback records, the same
thing that permission allows one at a time; ``manage_project`` alone does not allow
creating records, so it does not allow importing them either. The import screens
show header names, counts and row numbers, never a cell's value.
"""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.http import Http404

from responsemap.imports.models import ImportJob
from responsemap.protection.viewer import Viewer

IMPORT_PERMISSION = "enter_feedback"


def may_import(viewer: Viewer) -> bool:
    return viewer.can(IMPORT_PERMISSION)


def jobs_visible_to(viewer: Viewer) -> QuerySet[ImportJob]:
    if not may_import(viewer):
        return ImportJob.objects.none()
    return ImportJob.objects.filter(project_id=viewer.project_id).select_related("created_by")


def access_import_job(viewer: Viewer, job_id: str) -> ImportJob:
    try:
        key = uuid.UUID(str(job_id))
    except ValueError:
        raise Http404 from None
    job = jobs_visible_to(viewer).filter(pk=key).first()
    if job is None:
        raise Http404
    return job
