"""The task queue's rows that name a destroyed project (``django-tasks-db``).

A queued, finished or failed task keeps its arguments: ids only (a record's, an
outbound message's, an import's, a pull source's or the project's own), never text. The
ids still name what the project held, so the destruction removes those rows too, with
its rows step, while the project's rows still exist to say which ids are its own.

Not removed: a task running at that moment (its worker writes its result to the row
when it ends; it finds nothing of the project's to work on) and the destruction's own
task (``tasks.destroy_project_task``), which names only the project's id, kept on the
project's row anyway.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import models, transaction
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from responsemap.protection.viewer import ProjectId

LABEL = DBTaskResult._meta.label_lower
CHUNK = 1000
OWN_TASK = "responsemap.projects.destruction.tasks.destroy_project_task"


def batched(values: Iterable[Any], size: int) -> Iterator[list[Any]]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _values(arguments: Any) -> Iterator[str]:
    """Every id-like value in a task's arguments, as text."""
    if isinstance(arguments, dict):
        for value in arguments.values():
            yield from _values(value)
    elif isinstance(arguments, list | tuple):
        for value in arguments:
            yield from _values(value)
    elif isinstance(arguments, str) or (
        isinstance(arguments, int) and not isinstance(arguments, bool)
    ):
        yield str(arguments)


def _fitting(pk: models.Field[Any, Any], values: Iterable[str]) -> list[Any]:
    """The values that could be a primary key of this kind."""
    while pk.is_relation:  # a one-to-one primary key: the kind of what it points at
        pk = pk.target_field  # type: ignore[attr-defined]
    if isinstance(pk, models.UUIDField):
        found = []
        for value in values:
            try:
                found.append(uuid.UUID(value))
            except ValueError:
                continue
        return found
    if isinstance(pk, models.AutoField | models.BigAutoField | models.IntegerField):
        return [int(v) for v in values if v.isdigit() and len(v) < 19]
    return list(values)


def _naming(tasks: dict[str, set[uuid.UUID]], project_id: ProjectId, tables: Any) -> set[Any]:
    named = set(tasks.get(str(project_id), ()))
    for model, project_field in tables:
        candidates = _fitting(model._meta.pk, tasks)
        for chunk in batched(candidates, CHUNK):
            own = model._base_manager.filter(**{project_field: project_id}, pk__in=chunk)
            for pk in own.values_list("pk", flat=True):
                named |= tasks.get(str(pk), set())
    return named


def purge_task_rows(project_id: ProjectId, tables: Any) -> int:
    """Remove the task rows whose arguments name the project or one of its rows
    (``tables``: ``purge.project_tables()``); returns how many."""
    by_value: dict[str, set[uuid.UUID]] = {}
    rows = (
        DBTaskResult.objects.exclude(status=TaskResultStatus.RUNNING)
        .exclude(task_path=OWN_TASK)
        .values_list("pk", "args_kwargs")
        .order_by()
    )
    for pk, arguments in rows.iterator(chunk_size=2000):
        for value in set(_values(arguments)):
            by_value.setdefault(value, set()).add(pk)
    named = _naming(by_value, project_id, tables)
    removed = 0
    for chunk in batched(sorted(named, key=str), CHUNK):
        with transaction.atomic():
            removed += (
                DBTaskResult.objects.filter(pk__in=chunk)
                .exclude(status=TaskResultStatus.RUNNING)
                .delete()[0]
            )
    return removed
