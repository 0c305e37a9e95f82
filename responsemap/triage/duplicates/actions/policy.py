"""A project's duplicate and spam settings, changed by a manager (audited)."""

from __future__ import annotations

from django.db import transaction
from django.http import Http404

from responsemap.protection.audit import record_event
from responsemap.protection.viewer import Viewer
from responsemap.triage.duplicates.models import DuplicatePolicy

FIELDS = ("window_hours", "similarity", "rate_messages", "rate_minutes")


def do_set_duplicate_policy(
    viewer: Viewer, *, window_hours: int, similarity: float, rate_messages: int, rate_minutes: int
) -> DuplicatePolicy:
    """Set the window, similarity threshold and spam rate of the person's project (a
    manager). Applies to records born from then on. Audited: ``duplicate_policy.update``
    naming the fields changed."""
    if not viewer.can("manage_project"):
        raise Http404
    values = {
        "window_hours": window_hours,
        "similarity": similarity,
        "rate_messages": rate_messages,
        "rate_minutes": rate_minutes,
    }
    with transaction.atomic():
        policy = (
            DuplicatePolicy.objects.select_for_update().filter(project_id=viewer.project_id).first()
        ) or DuplicatePolicy(project_id=viewer.project_id)
        changed = [name for name in FIELDS if getattr(policy, name) != values[name]]
        for name, value in values.items():
            setattr(policy, name, value)
        policy.save()
        record_event(
            "duplicate_policy.update",
            project_id=viewer.project_id,
            actor=viewer,
            object_type="duplicatepolicy",
            object_id=policy.pk,
            fields=changed,
        )
    return policy
