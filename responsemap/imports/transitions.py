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
from datetime import datetime

from django.db import transaction
from django.db.models import Q
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
    untouched_since: datetime | None = None,
    **columns: object,
) -> bool:
    """Move ``job`` to ``target`` and set ``columns`` if it is still in one of
    ``sources`` (and, given ``untouched_since``, not changed since then), with the
    ``action`` audit event; False (and no event) if it was not."""
    still = Q(pk=job.pk, state__in=sources)
    if untouched_since is not None:
        still &= Q(updated_at__lt=untouched_since)
    with transaction.atomic():
        moved = ImportJob.objects.filter(still).update(
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
