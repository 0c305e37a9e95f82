"""An import job's one way from state to state, audited.

``move_job`` is every transition of a job (mapping, checked, started, finished,
failed): a conditional ``UPDATE … WHERE state IN (…)`` and its row count, so of two
workers (or a worker and a person) only one moves the job, and the audit event is
written in the same transaction, only by the one that did.

It lives outside ``actions.py`` because ``actions.py`` enqueues the tasks of
``tasks.py``, and the tasks move jobs too: both import it, neither imports the other
back.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from django.db import transaction
from django.utils import timezone

from responsemap.imports.models import ImportJob
from responsemap.protection.audit import record_event
from responsemap.protection.viewer import Viewer


def move_job(
    job: ImportJob,
    sources: Collection[str],
    target: str,
    *,
    action: str,
    actor: Viewer | None = None,
    fields: Iterable[str] = (),
    reason: str = "",
    purpose: str = "",
    **columns: object,
) -> bool:
    """Move ``job`` to ``target`` and set ``columns`` if it is still in one of
    ``sources``, with the ``action`` audit event; False (and no event) if it was not."""
    with transaction.atomic():
        moved = ImportJob.objects.filter(pk=job.pk, state__in=sources).update(
            state=target, updated_at=timezone.now(), **columns
        )
        if moved:
            record_event(
                action,
                project_id=job.project_id,
                actor=actor,
                object_type="importjob",
                object_id=job.pk,
                fields=fields,
                reason=reason,
                purpose=purpose,
            )
    return bool(moved)
