"""State changes of an import job; each is atomic and audited (field names only).

upload → ``uploaded`` → mapping → ``checking`` (the dry run, in the worker) →
``mapped`` → start → ``running`` → ``done``; ``failed`` when the file turns out
unreadable or the importer lost the permission. The mapping may be changed until the
import starts.
"""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from responsemap.imports.form_models import SavedMapping
from responsemap.imports.mapping import Mapping, suggest_mapping, text_columns
from responsemap.imports.models import ImportJob
from responsemap.imports.reader import Table, kind_for, preview
from responsemap.imports.saved import (
    NamedMapping,
    form_id_of,
    form_key,
    open_saved,
    saved_mapping_for,
)
from responsemap.imports.sheets import ROW_KEY, shape_of
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
    """Read the file's headers (raises ``UnreadableFile``), then keep the file sealed.

    The mapping is the one saved for the form when there is one, else suggested from
    the HXL tags and the header names."""
    name = file_name.replace("\\", "/").rsplit("/", 1)[-1][:255]
    kind = kind_for(name, data[:8])
    seen = preview(kind, data)
    table, joined = shape_of(seen.tables, {})
    key = form_key(project.pk, form_id=form_id_of(seen.tables[0]), headers=table.headers)
    mapping = first_mapping(project, key, table, {"base": 0, "with": [], "joined": joined})
    with transaction.atomic():
        job = ImportJob(
            project=project,
            created_by_id=actor.user_id,
            file_name=name,
            file_kind=kind,
            file_size=len(data),
            headers=json.dumps(table.headers),  # sealed at save, like the file and its name
            total=seen.rows or 0,
            mapping={**mapping.to_json(), "form": key, "sheet_count": len(seen.tables)},
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


def first_mapping(project: Project, key: str, table: Table, sheets: dict[str, object]) -> Mapping:
    """The form's saved mapping for these headers, else one suggested from them."""
    named = open_saved(saved_mapping_for(project, key))
    if named is not None:
        found = named.for_headers(table.headers)
        return Mapping(
            columns=found.columns,
            date_order=found.date_order,
            time_zone=found.time_zone,
            more_text=found.more_text,
            recodes=found.recodes,
            sheets=sheets,
            saved=True,
        )
    return Mapping(
        columns=suggest_mapping(table.headers, table.hxl, table.own_columns),
        # A repeat group's comments join their submission's text (not the other way).
        more_text=text_columns(table.headers, table.own_columns)
        if table.headers[:1] != [ROW_KEY]
        else (),
        sheets=sheets,
    )


def do_set_mapping(
    job: ImportJob,
    mapping: Mapping,
    actor: Viewer,
    headers: list[str] | None = None,
    *,
    check: bool = True,
    audit_fields: list[str] | None = None,
) -> bool:
    """Save the mapping and have the worker check every row with it (the dry run);
    False if the job is past the mapping step. ``check`` False: saved only (the
    recoding screen comes next, and checks). With the file's ``headers`` (opened by
    the screen), the mapping is also kept for the form's next file."""
    form = str((job.mapping or {}).get("form") or "")
    with transaction.atomic():
        changed = move_job(
            job,
            EDITABLE,
            ImportJob.State.CHECKING if check else ImportJob.State.UPLOADED,
            action="import.map",
            actor=actor,
            fields=audit_fields if audit_fields is not None else sorted(mapping.columns),
            # The importer's word that the people agreed to their numbers being kept.
            purpose="phone numbers kept: consent confirmed" if mapping.keep_phone else "",
            mapping={**(job.mapping or {}), **mapping.to_json()},  # form, sheet count kept
            dry_run={},
            errors=[],
        )
        if not changed:
            return False
        if form and headers is not None:
            # Kept without the phone consent: that is confirmed for each file.
            named = NamedMapping.of(mapping, headers)
            do_save_mapping(job.project, form, replace(named, keep_phone=False), actor)
        if not check:
            return True
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
    """Delete a job that has not started (or failed, or expired), and with it the
    sealed file (if it still has one)."""
    with transaction.atomic():
        deleted, _ = ImportJob.objects.filter(
            pk=job.pk, state__in=[*EDITABLE, ImportJob.State.FAILED, ImportJob.State.EXPIRED]
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


def do_set_sheets(
    job: ImportJob, sheets: dict[str, object], table: Table, rows: int, actor: Viewer
) -> bool:
    """The sheets read together (``sheets.chosen``): the job's header row becomes the
    combined one, and its mapping the form's saved one or a new suggestion. False if
    the job is past the mapping step."""
    root = str((job.mapping or {}).get("form_root") or (job.mapping or {}).get("form") or "")
    base = sheets.get("base", 0)
    # One record per repeat row is another way of reading the form: saved apart.
    form = f"{root}/{base}" if root and base else root
    mapping = first_mapping(job.project, form, table, sheets) if form else Mapping(columns={})
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().filter(pk=job.pk, state__in=EDITABLE).first()
        if locked is None:
            return False
        locked.headers = json.dumps(table.headers)  # sealed at save
        locked.mapping = {
            **(job.mapping or {}),
            **mapping.to_json(),
            "form": form,
            "form_root": root,
        }
        locked.total = rows
        locked.state = ImportJob.State.UPLOADED
        locked.dry_run = {}
        locked.errors = []
        locked.save(
            update_fields=[
                "headers",
                "mapping",
                "total",
                "state",
                "dry_run",
                "errors",
                "updated_at",
            ]
        )
        record_event(
            "import.map",
            project_id=job.project_id,
            actor=actor,
            object_type="importjob",
            object_id=job.pk,
            fields=["headers"],
            purpose="sheets",
        )
    return True


def do_set_recodes(
    job: ImportJob, recodes: dict[str, dict[str, str]], actor: Viewer, headers: list[str]
) -> bool:
    """The recodes join the mapping, which is kept for the form and checked."""
    mapping = Mapping.from_json(job.mapping or {})
    merged = {**mapping.recodes, **recodes}
    return do_set_mapping(
        job, replace(mapping, recodes=merged), actor, headers, audit_fields=sorted(recodes)
    )


def do_save_mapping(project: Project, key: str, named: NamedMapping, actor: Viewer | None) -> None:
    """Keep the mapping for the form's next file (one per form: the last one wins)."""
    with transaction.atomic():
        saved = (
            SavedMapping.objects.select_for_update().filter(project=project, form_key=key).first()
        )
        if saved is None:
            saved = SavedMapping(project=project, form_key=key)
        saved.mapping = named.to_json()
        saved.updated_by_id = actor.user_id if actor else None
        saved.save()
        record_event(
            "import.map",  # the mapping, kept for the form
            project_id=project.pk,
            actor=actor,
            object_type="savedmapping",
            object_id=saved.pk,
            fields=sorted(named.columns),
        )
