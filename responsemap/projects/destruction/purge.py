"""The destruction's steps after the key: counts, rows, audit chain, files, caches,
certificate. Each step is idempotent and each batch commits with the run's state
(``DestructionRun``), so ``continue_destruction`` goes on where a killed run stopped.

The tables are found from the models: every model with a foreign key to the project
(except what destruction keeps: the project row, the run, the aggregates), ordered so
that a table is emptied before the tables it points at. Rows that hang from those
without a project column of their own (a rumour group's members, a team's members, an
event's listing rows) go with their parent, by Django's cascade, in the same batch.
"""

from __future__ import annotations

import graphlib
import logging
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import models, transaction

from responsemap.lib import clock
from responsemap.projects.destruction import caches
from responsemap.projects.destruction.aggregates import count_project
from responsemap.projects.destruction.certificate import record_certificate
from responsemap.projects.destruction.models import DestructionRun, ProjectAggregate
from responsemap.projects.destruction.task_rows import LABEL as TASK_ROWS
from responsemap.projects.destruction.task_rows import purge_task_rows
from responsemap.projects.models import Project
from responsemap.protection.audit import purge_project_chain
from responsemap.protection.keyring import crypto_shred_project
from responsemap.protection.viewer import ProjectId
from responsemap.protection.witness import write_checkpoint

log = logging.getLogger(__name__)
Step = DestructionRun.Step
BATCH = 2000
KEPT: tuple[type[models.Model], ...] = (Project, DestructionRun, ProjectAggregate)
# What a process keeps in memory about a project is forgotten in the process that
# destroys it at the files step, in every other one within ``caches.RECHECK_SECONDS``
# (an app registers its own cache with ``on_destruction`` in ``ready()``).
on_destruction = caches.on_destruction


class Crash(BaseException):  # noqa: N818 (a test's stand-in for a killed process)
    """Raised by a test's ``after_batch`` to stop a run as a killed process would."""


def _project_field(model: type[models.Model]) -> str | None:
    for field in model._meta.concrete_fields:
        if isinstance(field, models.ForeignKey) and field.related_model is Project:
            return field.name
    return None


def project_tables() -> list[tuple[type[models.Model], str]]:
    """Every model holding the project's rows and its project field, in the order they
    are emptied: a model before every model it points at."""
    found = {
        model: name
        for model in apps.get_models()
        if model not in KEPT and (name := _project_field(model)) is not None
    }

    def order(strict: bool) -> list[type[models.Model]]:
        sorter: graphlib.TopologicalSorter[type[models.Model]] = graphlib.TopologicalSorter()
        for model in sorted(found, key=lambda m: m._meta.label_lower):
            sorter.add(model)
            for field in model._meta.concrete_fields:
                target = field.related_model if field.is_relation else None
                if isinstance(target, type) and target in found and target is not model:
                    nullable = field.remote_field.on_delete is models.SET_NULL  # type: ignore[union-attr]
                    if strict or not nullable:
                        sorter.add(target, model)  # the pointing model goes first
        return list(sorter.static_order())

    try:
        ordered = order(strict=True)
    except graphlib.CycleError:
        ordered = order(strict=False)  # links that only go null on delete can wait
    return [(model, found[model]) for model in ordered]


def files_dir(project_id: object) -> Path:
    """Where a project's files live on this machine (exports, uploads kept as files)."""
    return Path(settings.VAR_DIR) / "projects" / str(project_id)


def continue_destruction(
    project_id: ProjectId, *, after_batch: Callable[[DestructionRun], None] | None = None
) -> DestructionRun:
    """Take a started destruction to its end from wherever it stopped."""
    run = DestructionRun.objects.get(project_id=project_id)
    for step, work in STEPS:
        if run.step == step:
            work(run, after_batch)
    return run


def _advance(run: DestructionRun, step: str, **changes: object) -> None:
    for name, value in changes.items():
        setattr(run, name, value)
    run.step = step
    run.save(update_fields=["step", *changes])


def shred_key(run: DestructionRun, _after: object = None) -> None:
    crypto_shred_project(run.project_id)  # again after a crash: idempotent
    caches.note_destroyed(run.project_id)  # other processes forget their caches
    _advance(run, Step.AGGREGATES, key_destroyed_at=clock.now())


def shred_key_now(project_id: ProjectId) -> DestructionRun:
    """The key step of a run, here and now, whoever else is taking the run further (a
    worker may be already): the key is destroyed (idempotent) and the run moves on only
    if it is still at that step."""
    crypto_shred_project(project_id)
    caches.note_destroyed(project_id)
    DestructionRun.objects.filter(project_id=project_id, step=Step.KEY).update(
        step=Step.AGGREGATES, key_destroyed_at=clock.now()
    )
    return DestructionRun.objects.get(project_id=project_id)


def count_aggregates(run: DestructionRun, _after: object = None) -> None:
    count_project(run.project_id, project_tables())
    _advance(run, Step.ROWS)


def _batches(
    model: type[models.Model], project_field: str, project_id: ProjectId
) -> Iterator[list[object]]:
    rows = model._base_manager.filter(**{project_field: project_id}).order_by()
    while ids := list(rows.values_list("pk", flat=True)[:BATCH]):
        yield ids


def purge_rows(run: DestructionRun, after_batch: Callable[[DestructionRun], None] | None) -> None:
    tables = project_tables()
    # The task queue's rows naming the project's rows first, while those rows exist to
    # say which ids are its own (again after a crash: finds what is left).
    tasks = purge_task_rows(run.project_id, tables)
    if tasks:
        with transaction.atomic():
            run.counts = {**run.counts, TASK_ROWS: run.counts.get(TASK_ROWS, 0) + tasks}
            run.save(update_fields=["counts"])
    for model, project_field in tables:
        for ids in _batches(model, project_field, run.project_id):
            with transaction.atomic():
                _, removed = model._base_manager.filter(pk__in=ids).delete()
                counts = dict(run.counts)
                for label, n in removed.items():
                    if n:
                        counts[label.lower()] = counts.get(label.lower(), 0) + n
                run.counts = counts
                run.save(update_fields=["counts"])
            if after_batch is not None:
                after_batch(run)
    _advance(run, Step.CHAIN)


def purge_chain(run: DestructionRun, _after: object = None) -> None:
    with transaction.atomic():
        summary = purge_project_chain(run.project_id, reason="project destroyed")
        _advance(
            run, Step.FILES, chain_events=summary["seq"], chain_final_hash=summary["final_hash"]
        )


def _shred_file(path: Path) -> None:
    try:
        size = path.stat().st_size
        with open(path, "r+b") as handle:
            handle.write(secrets.token_bytes(size))
            handle.flush()
            os.fsync(handle.fileno())
    except OSError:
        pass  # removed below all the same
    path.unlink(missing_ok=True)


def purge_files(run: DestructionRun, _after: object = None) -> None:
    """Files first (each overwritten, then removed), then this process's caches."""
    folder = files_dir(run.project_id)
    removed = 0
    if folder.is_dir():
        for path in sorted(folder.rglob("*"), reverse=True):
            if path.is_file() or path.is_symlink():
                _shred_file(path)
                removed += 1
        shutil.rmtree(folder, ignore_errors=True)
    caches.forget_project_caches(run.project_id)
    _advance(run, Step.CERTIFICATE, files=run.files + removed)


def write_certificate(run: DestructionRun, _after: object = None) -> None:
    with transaction.atomic():
        uid = record_certificate(run)
        _advance(run, Step.DONE, certificate_uid=uid, finished_at=clock.now())
    write_checkpoint()  # the system chain's new head, to the witness at once
    log.info("project %s destroyed", run.project_id)


STEPS: list[tuple[str, Callable[[DestructionRun, Callable[[DestructionRun], None] | None], None]]]
STEPS = [
    (Step.KEY, shred_key),
    (Step.AGGREGATES, count_aggregates),
    (Step.ROWS, purge_rows),
    (Step.CHAIN, purge_chain),
    (Step.FILES, purge_files),
    (Step.CERTIFICATE, write_certificate),
]
