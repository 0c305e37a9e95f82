"""Deferring a task, and taking up again the tasks whose worker died.

django-tasks-db marks a task "running" when a worker claims it, and "successful" or
"failed" when the task returns. A worker killed in between (SIGKILL, the OOM killer, a
power cut) leaves the row "running" for ever: nothing else would run it again.
``recover_abandoned_tasks`` puts back to "ready" every task that has been running for
longer than ``RESPONSEMAP_TASK_TIMEOUT_SECONDS`` (the same row: its ``worker_ids`` list
every worker that took it), and fails one that has been taken ``MAX_CLAIMS`` times, so a
task that kills its worker cannot take down every worker in turn. Every worker runs it
as it starts and then every few seconds (``run_upkeep``, ``manage.py db_worker``), with
the upkeep the apps register (``register_upkeep``: intake's sweep of messages left
waiting).

The timeout must be longer than any task runs: a sweep hands over after a few seconds,
a send waits at most a few seconds for its slot plus the provider's timeout. A task
taken up again while its first worker is only slow runs twice; tasks are idempotent
(STYLE.md), and the one whose second run could reach a person, sending, guards itself
(``intake/messages/send.py``, docs/adr/0009-delivery-after-a-worker-dies.md).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import TaskResultStatus, normalize_json
from django_tasks_db.models import DBTaskResult, get_date_max

from responsemap.lib import clock

log = logging.getLogger(__name__)

# A task claimed this many times without finishing is failed, not queued again.
MAX_CLAIMS = 5
WORKER_LOST = "responsemap.lib.tasks.WorkerLost"
# What a worker does besides running tasks, registered by the apps (lib imports none).
_upkeep: list[Callable[[], object]] = []


def register_upkeep(job: Callable[[], object]) -> None:
    if job not in _upkeep:
        _upkeep.append(job)


def run_upkeep() -> None:
    """One round of a worker's upkeep: dead workers' tasks first, then the apps'."""
    recover_abandoned_tasks()
    for job in list(_upkeep):
        job()


def enqueue_at(task: Any, when: datetime, *args: Any) -> bool:
    """Enqueue ``task`` to run at ``when``; False if the backend can't defer (the
    immediate backend of the tests), in which case nothing is queued: the caller's state
    stays in its row (a retry time, a message still "queued") for whoever looks next."""
    if not task.get_backend().supports_defer:
        return False
    task.using(run_after=when).enqueue(*args)
    return True


def enqueue_many(task: Any, calls: list[tuple[Any, ...]]) -> None:
    """Enqueue ``task`` once per argument tuple of ``calls``: on the database backend in
    one statement (the worker queues a receipt per message, 100 a batch: one insert, not
    100 round trips after its commit); elsewhere (the tests' immediate backend) one by
    one. The rows are those ``enqueue`` writes."""
    backend = task.get_backend()
    if not isinstance(backend, DatabaseBackend) or not calls:
        for args in calls:
            task.enqueue(*args)
        return
    backend.validate_task(task)
    DBTaskResult.objects.bulk_create(
        DBTaskResult(
            id=uuid.uuid4(),
            args_kwargs=normalize_json({"args": args, "kwargs": {}}),
            priority=task.priority,
            task_path=task.module_path,
            queue_name=task.queue_name,
            run_after=task.run_after or get_date_max(),
            backend_name=backend.alias,
        )
        for args in calls
    )


def is_queued(task: Any) -> bool:
    """Whether ``task`` (any arguments) waits in the queue, ready or deferred."""
    return DBTaskResult.objects.filter(
        task_path=task.module_path, status=TaskResultStatus.READY
    ).exists()


def task_timeout() -> timedelta:
    return timedelta(seconds=settings.RESPONSEMAP_TASK_TIMEOUT_SECONDS)


def recover_abandoned_tasks() -> tuple[list[str], list[str]]:
    """Tasks running for longer than the timeout: back to "ready", or failed if taken
    ``MAX_CLAIMS`` times already. Returns (ids queued again, ids failed); logs one line
    (ids and task names only). Race-safe: each row moves only if it is still running
    since the moment it was read, so workers recovering at once move it once."""
    cutoff = clock.now() - task_timeout()
    stale = list(
        DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff)
        .order_by("started_at")
        .values_list("id", "started_at", "worker_ids", "task_path")[:500]
    )
    again: list[str] = []
    failed: list[str] = []
    for task_id, started_at, worker_ids, task_path in stale:
        still = DBTaskResult.objects.filter(
            id=task_id, status=TaskResultStatus.RUNNING, started_at=started_at
        )
        named = f"{task_id} ({task_path.rsplit('.', 1)[-1]})"
        if len(worker_ids or []) >= MAX_CLAIMS:
            if still.update(
                status=TaskResultStatus.FAILED,
                finished_at=clock.now(),
                exception_class_path=WORKER_LOST,
                traceback=f"taken by {len(worker_ids)} workers, none of which finished it",
            ):
                failed.append(named)
        elif still.update(status=TaskResultStatus.READY, started_at=None):
            again.append(named)
    if again or failed:
        log.warning(
            "tasks left running by a worker that stopped: queued again %s; failed %s",
            ", ".join(again) or "none",
            ", ".join(failed) or "none",
        )
    return [n.split(" ")[0] for n in again], [n.split(" ")[0] for n in failed]
