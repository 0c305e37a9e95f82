"""The import tasks: the dry run (``check_import``), and rows into records in batches,
resumable (``run_import``).

``run_import(job_id)`` is idempotent. Each batch runs in one transaction with the job
row locked: it reads ``processed``, stores the next rows, moves the counters and
commits. A worker that dies loses at most its open batch, and the next run (the task
enqueued again) goes on from ``processed``; two runs of one job take turns on the
lock and never count a row twice. Row keys make a row stored twice impossible anyway.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from responsemap.accounts.queries import viewer_for
from responsemap.imports.checking import MAX_LISTED_ERRORS, dry_run, error_entries, job_table
from responsemap.imports.feedback_rows import FeedbackRowSink
from responsemap.imports.mapping import Mapping, parse_rows
from responsemap.imports.models import ImportJob
from responsemap.imports.queries import may_import
from responsemap.imports.reader import UnreadableFile
from responsemap.imports.rows import ParsedRow
from responsemap.imports.transitions import move_job
from responsemap.lib import clock
from responsemap.protection.viewer import Viewer

log = logging.getLogger(__name__)
BATCH_SIZE = 200
State = ImportJob.State
# Jobs a person left before starting them: uploaded, or mapped and checked.
ABANDONABLE = [State.UPLOADED, State.MAPPED]
# The upkeep looks for abandoned jobs at most this often (per worker), this many a round.
EXPIRE_CHECK_SECONDS = 300
EXPIRE_BATCH = 100
_last_expiry_check: list[float] = []


@task()
def check_import(job_id: str) -> None:
    """Read every row with the mapping and store the counts and errors; no record is
    written. Runs outside a transaction (a big XLSX takes seconds to read), and the
    result lands only if the job is still being checked."""
    job = (
        ImportJob.objects.select_related("project")
        .filter(pk=job_id, state=ImportJob.State.CHECKING)
        .first()
    )
    if job is None:
        return
    try:
        table = job_table(job)
    except UnreadableFile as exc:
        _fail(job, exc.code, State.CHECKING)
        return
    result = dry_run(job, Mapping.from_json(job.mapping), table)
    move_job(
        job,
        [State.CHECKING],
        State.MAPPED,
        action="import.check",
        fields=["dry_run", "errors"],
        total=len(table.rows),
        dry_run=result.counts(),
        errors=result.errors,
    )


@task()
def run_import(job_id: str) -> None:
    job = (
        ImportJob.objects.select_related("project", "created_by")
        .filter(pk=job_id, state=ImportJob.State.RUNNING)
        .first()
    )
    if job is None:
        return  # finished, failed or gone: nothing to do
    actor = viewer_for(job.created_by, job.project_id) if job.created_by else None
    if actor is None or not may_import(actor):
        _fail(job, "not_allowed")
        return
    try:
        table = job_table(job)
    except UnreadableFile as exc:
        _fail(job, exc.code)
        return
    mapping = Mapping.from_json(job.mapping)
    rows = parse_rows(job.project, table, mapping)
    sink = FeedbackRowSink(job.project)
    while _run_batch(job, rows, mapping, sink, actor):
        pass


def _run_batch(
    job: ImportJob, rows: list[ParsedRow], mapping: Mapping, sink: FeedbackRowSink, actor: Viewer
) -> bool:
    """Store the next batch; False when there is nothing left (or the job stopped)."""
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().filter(pk=job.pk).first()
        if locked is None or locked.state != ImportJob.State.RUNNING:
            return False
        batch = rows[locked.processed : locked.processed + BATCH_SIZE]
        if not batch:
            _finish(locked, actor)
            return False
        errors: list[dict[str, object]] = []
        for row, (outcome, problems) in zip(batch, sink.store_many(batch, actor), strict=True):
            if outcome == "created":
                locked.created += 1
                errors.extend(error_entries(row, problems, locked, mapping))  # notes
            elif outcome == "skipped":
                locked.skipped += 1
            else:
                locked.failed += 1
                errors.extend(error_entries(row, problems, locked, mapping))
        locked.processed += len(batch)
        fields = ["processed", "created", "skipped", "failed", "updated_at"]
        room = MAX_LISTED_ERRORS - len(locked.errors)
        if errors and room > 0:
            locked.errors = [*locked.errors, *errors[:room]]
            fields.append("errors")
        locked.save(update_fields=fields)  # progress: bookkeeping (ADR 0006)
    return True


def _finish(job: ImportJob, actor: Viewer) -> None:
    """Done; the file is no longer needed, so its sealed bytes go: no personal data kept."""
    move_job(
        job,
        [State.RUNNING],
        State.DONE,
        action="import.finish",
        actor=actor,
        fields=["content"],
        reason=f"created {job.created}, skipped {job.skipped}, failed {job.failed}",
        finished_at=timezone.now(),
        content=None,
    )


def _fail(job: ImportJob, reason: str, state: str = ImportJob.State.RUNNING) -> None:
    """Stopped for good (a failed job is never read again, only deleted): its sealed
    file goes now, as on finishing, rather than staying until someone deletes the job."""
    move_job(
        job,
        [state],
        State.FAILED,
        action="import.fail",
        fields=["content"],
        reason=reason,
        failure_reason=reason,
        finished_at=timezone.now(),
        content=None,
    )


def expire_abandoned_jobs() -> int:
    """The upkeep (every worker, every few seconds; looks every ``EXPIRE_CHECK_SECONDS``):
    a job uploaded and never started, untouched for ``RESPONSEMAP_IMPORT_EXPIRE_HOURS``,
    is expired and its sealed file deleted — the file holds personal data and nobody is
    going to import it. Each is a state change a person may ask about ("where did my
    import go?"), so it goes through ``move_job`` with its audit event
    (``import.expire``), as finishing and failing do; only progress counters are
    bookkeeping (ADR 0006). Returns how many were expired."""
    now = clock.monotonic()
    if _last_expiry_check and now - _last_expiry_check[0] < EXPIRE_CHECK_SECONDS:
        return 0
    _last_expiry_check[:] = [now]
    hours = int(getattr(settings, "RESPONSEMAP_IMPORT_EXPIRE_HOURS", 72))
    cutoff = clock.now() - timedelta(hours=hours)
    due = list(
        ImportJob.objects.filter(state__in=ABANDONABLE, updated_at__lt=cutoff)
        .only("pk", "project_id", "state")
        .order_by("updated_at")[:EXPIRE_BATCH]
    )
    expired = 0
    for job in due:
        # Conditional on the state and the time: a job started or edited meanwhile is
        # not expired.
        expired += move_job(
            job,
            ABANDONABLE,
            State.EXPIRED,
            untouched_since=cutoff,
            action="import.expire",
            fields=["content"],
            reason=f"not started within {hours} hours",
            finished_at=clock.now(),
            content=None,
        )
    return expired
