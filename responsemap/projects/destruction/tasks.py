"""The worker's side: destroy every closed project whose retention period has ended
(unless a legal hold stands), and take up runs a killed worker left half-way."""

from __future__ import annotations

import logging

from django.db import transaction
from django_tasks import task
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from responsemap.lib import clock
from responsemap.projects.destruction.actions import (
    Approval,
    DestructionRefused,
    do_destroy_project,
)
from responsemap.projects.destruction.models import DestructionRun
from responsemap.projects.destruction.purge import continue_destruction
from responsemap.projects.destruction.queries import retention_ends, standing_hold
from responsemap.projects.models import Project

log = logging.getLogger(__name__)
CHECK_EVERY_SECONDS = 60.0
SLICE_SECONDS = 120.0
RETENTION_APPROVER = "retention period"
_last_check: list[float] = []


def due_projects() -> list[Project]:
    """Closed projects whose retention period has ended and that no hold keeps."""
    now = clock.now()
    due = []
    for project in Project.objects.filter(status=Project.Status.CLOSED, closed_at__isnull=False):
        ends = retention_ends(project)
        if ends is not None and ends <= now and standing_hold(project.pk, now) is None:
            due.append(project)
    return due


def unfinished_runs() -> list[str]:
    runs = DestructionRun.objects.exclude(step=DestructionRun.Step.DONE)
    return [str(pk) for pk in runs.values_list("project_id", flat=True)]


class _SliceOver(Exception):  # noqa: N818
    pass


@task()
def destroy_project_task(project_id: str) -> None:
    """Destroy one project (its retention ended), or go on with its run, for at most
    ``SLICE_SECONDS``, then queue the rest: a task must end well within the timeout
    after which another worker would take it up (``lib.tasks``) and run it twice."""
    deadline = clock.monotonic() + SLICE_SECONDS

    def stop_when_due(run: DestructionRun) -> None:
        if clock.monotonic() >= deadline:
            raise _SliceOver

    try:
        if DestructionRun.objects.filter(project_id=project_id).exists():
            continue_destruction(project_id, after_batch=stop_when_due)
            return
        project = Project.objects.filter(pk=project_id).first()
        if project is None:
            return
        do_destroy_project(
            project,
            approval=Approval.RETENTION,
            approved_by=RETENTION_APPROVER,
            after_batch=stop_when_due,
        )
    except _SliceOver:
        destroy_project_task.enqueue(project_id)
    except DestructionRefused as exc:
        log.info("project %s not destroyed: %s", project_id, exc)


def queue_destruction(project_id: object) -> None:
    """Queue the rest of a decided destruction for a worker. On the database backend,
    in the caller's transaction (the decision's): the run and its task appear together,
    so the upkeep never sees the run without the task and queues it twice. Elsewhere
    (the tests' immediate backend runs it at once) after the commit."""
    if isinstance(destroy_project_task.get_backend(), DatabaseBackend):
        destroy_project_task.enqueue(str(project_id))
    else:
        transaction.on_commit(lambda: destroy_project_task.enqueue(str(project_id)))


def _busy() -> bool:
    return DBTaskResult.objects.filter(
        task_path=destroy_project_task.module_path,
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
    ).exists()


def destroy_due_projects() -> int:
    """The upkeep (every worker, every few seconds; looks at most once a minute): queue
    the destruction of one due project, or of one run left half-way, unless one is
    queued or running already (one at a time: a run is long and must not run twice at
    once). Returns how many were queued."""
    now = clock.monotonic()
    if _last_check and now - _last_check[0] < CHECK_EVERY_SECONDS:
        return 0
    _last_check[:] = [now]
    if _busy():
        return 0
    todo = unfinished_runs() or [str(p.pk) for p in due_projects()]
    if not todo:
        return 0
    destroy_project_task.enqueue(todo[0])
    return 1
