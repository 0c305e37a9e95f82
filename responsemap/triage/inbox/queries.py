"""Loading a person's saved filters: their own, in their project, nobody else's; and
the count of protected cases a list leaves out for a person who may not see them."""

from __future__ import annotations

import uuid

from django.db.models import Q, QuerySet
from django.http import Http404

from responsemap.protection.viewer import Viewer
from responsemap.triage.choices import Sensitivity
from responsemap.triage.inbox.models import SavedFilter
from responsemap.triage.models import Feedback


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


def protected_cases_not_shown(viewer: Viewer, scope: Q | None = None) -> int:
    """How many protection-sensitive records of the viewer's project a list leaves out
    for a person without ``view_sensitive`` (0 for those who see them, and for those
    who see no records at all): a count, nothing else, so that they know protected
    cases exist and that protection staff handle them.

    ``scope`` is the list's own condition ("my work", "overdue only"), never the
    person's filters or words: a count that followed a search or a date range would
    tell what a hidden record says, or when it came. One count on the (project,
    sensitivity, …) index: the hidden levels by name, every level but normal."""
    if not viewer.can("view_feedback") or viewer.can("view_sensitive"):
        return 0
    hidden = [level for level in Sensitivity.values if level != Sensitivity.NORMAL]
    rows = Feedback.objects.filter(project_id=viewer.project_id, sensitivity__in=hidden)
    if scope is not None:
        rows = rows.filter(scope)
    return rows.count()
