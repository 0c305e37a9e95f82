"""Loading a person's saved filters: their own, in their project, nobody else's."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.http import Http404

from responsemap.protection.viewer import Viewer
from responsemap.triage.inbox.models import SavedFilter


def saved_filters_of(viewer: Viewer) -> QuerySet[SavedFilter]:
    if viewer.user_id is None or not viewer.can("view_feedback"):
        return SavedFilter.objects.none()
    return SavedFilter.objects.filter(project_id=viewer.project_id, owner_id=viewer.user_id)


def access_saved_filter(viewer: Viewer, saved_filter_id: object) -> SavedFilter:
    try:
        key = uuid.UUID(str(saved_filter_id))
    except ValueError:
        raise Http404 from None
    saved = saved_filters_of(viewer).filter(pk=key).first()
    if saved is None:
        raise Http404
    return saved
