"""State changes of an import job; each is atomic and audited (field names only).

upload → ``uploaded`` → mapping → ``checking`` (the dry run, in the worker) →
``mapped`` → start → ``running`` → ``done``; ``failed`` when the file turns out
unreadable or the importer lost the permission. The mapping may be changed until the
import starts.
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from responsemap.imports.mapping import Mapping, suggest_mapping
from responsemap.imports.models import ImportJob
from responsemap.imports.reader import kind_for, read_headers
from responsemap.imports.tasks import check_import, run_import
from responsemap.imports.transitions import move_job
from responsemap.lib import clock
from responsemap.projects.models import Project
from responsemap.protection.audit import record_event
from responsemap.protection.viewer import Viewer

EDITABLE = [ImportJob.State.UPLOADED, ImportJob.State.MAPPED]
# A running job whose counters have not moved for this long may be resumed by hand
# (its worker died); resuming a live job is harmless, only wasteful.
STALE_AFTER = timedelta(minutes=2)


def do_create_import_job(
    *, project: Project, file_name: str, data: bytes, actor: Viewer
) -> ImportJob:
    """Read the file's headers (raises ``UnreadableFile``), then keep the file sealed."""
    name = file_name.replace("\\", "/").rsplit("/", 1)[-1][:255]
    kind = kind_for(name, data[:8])
    headers, rows = read_headers(kind, data)
    with transaction.atomic():
        job = ImportJob(
            project=project,
            created_by_id=actor.user_id,
            file_name=name,
            file_kind=kind,
            file_size=len(data),
            headers=json.dumps(headers),  # sealed at save, like the file and its name
            total=rows or 0,
            mapping=Mapping(columns=suggest_mapping(headers)).to_json(),
        )
        job.content = base64.b64encode(data).decode("ascii")
        job.save(force_insert=True)
        record_event(
            "import.upload",
            project_id=project.pk,
            actor=actor,
            object_type="importjob",
            object_id=job.pk,
            fields=["content"],
            purpose=kind,
        )
    return job


def do_set_mapping(job: ImportJob, mapping: Mapping, actor: Viewer) -> bool:
    """Save the mapping and have the worker check every row with it (the dry run);
    False if the job is past the mapping step."""
    with transaction.atomic():
        changed = move_job(
            job,
            EDITABLE,
            ImportJob.State.CHECKING,
            action="import.map",
            actor=actor,
            fields=sorted(mapping.columns),
            # The importer's word that the people agreed to their numbers being kept.
            purpose="phone numbers kept: consent confirmed" if mapping.keep_phone else "",
            mapping=mapping.to_json(),
            dry_run={},
            errors=[],
        )
        if not changed:
            return False
        job_id = str(job.pk)
        transaction.on_commit(lambda: check_import.enqueue(job_id))
    return True


def do_start_import(job: ImportJob, actor: Viewer) -> bool:
    """Mapped → running, and the task is enqueued after commit; False if not mapped."""
    with transaction.atomic():
        started = move_job(
            job,
            [ImportJob.State.MAPPED],
            ImportJob.State.RUNNING,
            action="import.start",
            actor=actor,
            processed=0,
            created=0,
            skipped=0,
            failed=0,
            errors=[],
            started_at=timezone.now(),
        )
        if not started:
            return False
        job_id = str(job.pk)
        transaction.on_commit(lambda: run_import.enqueue(job_id))
    return True


def is_stale(job: ImportJob) -> bool:
    busy = job.state in (ImportJob.State.CHECKING, ImportJob.State.RUNNING)
    return busy and job.updated_at < clock.now() - STALE_AFTER


def do_resume_import(job: ImportJob, actor: Viewer) -> bool:
    """Enqueue a stalled check or import again; an import goes on from the rows
    already processed."""
    if not is_stale(job):
        return False
    task = check_import if job.state == ImportJob.State.CHECKING else run_import
    with transaction.atomic():
        record_event(
            "import.resume",
            project_id=job.project_id,
            actor=actor,
            object_type="importjob",
            object_id=job.pk,
        )
        job_id = str(job.pk)
        transaction.on_commit(lambda: task.enqueue(job_id))
    return True


def do_discard_import_job(job: ImportJob, actor: Viewer) -> bool:
    """Delete a job that has not started (or failed), and with it the sealed file."""
    with transaction.atomic():
        deleted, _ = ImportJob.objects.filter(
            pk=job.pk, state__in=[*EDITABLE, ImportJob.State.FAILED]
        ).delete()
        if not deleted:
            return False
        record_event(
            "import.discard",
            project_id=job.project_id,
            actor=actor,
            object_type="importjob",
            object_id=job.pk,
            fields=["content"],
        )
    return True
