"""Loading pull sources for a person: scoped to their project, 404 otherwise.

Who may connect a form server: a manager (``manage_project``: it holds the server's
credentials) who may also import (``enter_feedback``: a pull creates records). A
source's pulls run as the person who connected it, and stop ("not allowed") if that
person loses either permission.
"""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.http import Http404

from responsemap.imports.pull.models import PullSource
from responsemap.imports.queries import may_import
from responsemap.protection.viewer import Viewer

MANAGE_PERMISSION = "manage_project"


def may_manage_pulls(viewer: Viewer) -> bool:
    return viewer.can(MANAGE_PERMISSION) and may_import(viewer)


def sources_visible_to(viewer: Viewer) -> QuerySet[PullSource]:
    if not may_manage_pulls(viewer):
        return PullSource.objects.none()
    return PullSource.objects.filter(project_id=viewer.project_id)


def access_pull_source(viewer: Viewer, source_id: str) -> PullSource:
    try:
        key = uuid.UUID(str(source_id))
    except ValueError:
        raise Http404 from None
    source = sources_visible_to(viewer).filter(pk=key).first()
    if source is None:
        raise Http404
    return source
