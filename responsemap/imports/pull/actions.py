"""State changes of a pull source; each is atomic and audited (field names and counts,
never a secret or a submission's value).

connect (``do_create_pull_source``) → fields seen on the server
(``do_set_pull_fields``) → mapping (``do_set_pull_mapping``, which asks for a first
pull) → pulls on the schedule or on "Fetch now" (``do_request_pull``); the worker's
own moves of a pull are in ``transitions.py``.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from django.db import transaction

from responsemap.imports.pull.models import PullSource
from responsemap.imports.pull.repeats import is_per_row
from responsemap.imports.pull.running import pull_submissions
from responsemap.imports.saved import NamedMapping, do_save_mapping, form_key
from responsemap.lib import clock
from responsemap.projects.models import Project
from responsemap.protection.audit import record_event
from responsemap.protection.viewer import Viewer


def _event(
    source: PullSource,
    actor: Viewer | None,
    *,
    action: str,
    fields: list[str] | None = None,
    reason: str = "",
    purpose: str = "",
) -> None:
    record_event(
        action,
        project_id=source.project_id,
        actor=actor,
        object_type="pullsource",
        object_id=source.pk,
        fields=fields or [],
        reason=reason,
        purpose=purpose,
    )


def do_create_pull_source(
    *,
    project: Project,
    kind: str,
    name: str,
    config: dict[str, str],
    secrets: dict[str, str],
    interval_minutes: int,
    actor: Viewer,
) -> PullSource:
    """Connect a form; its secrets are sealed with the project key."""
    with transaction.atomic():
        source = PullSource(
            project=project,
            created_by_id=actor.user_id,
            kind=kind,
            name=name,
            config=config,
            interval_minutes=interval_minutes,
            fields=json.dumps([]),
        )
        source.secrets = json.dumps(secrets)
        source.save(force_insert=True)
        _event(source, actor, action="import.pull_connect", fields=["secrets"], purpose=kind)
    return source


def do_update_pull_source(
    source: PullSource,
    *,
    name: str,
    config: dict[str, str],
    secrets: dict[str, str] | None,
    interval_minutes: int,
    is_active: bool,
    actor: Viewer,
) -> None:
    """Change the connection; ``secrets`` None keeps the sealed ones. A source turned
    back on is due at once."""
    with transaction.atomic():
        source.name = name
        source.config = config
        source.interval_minutes = interval_minutes
        changed = ["name", "config", "interval_minutes", "is_active", "updated_at"]
        if is_active and not source.is_active and source.mapping:
            source.next_run_at = clock.now()
            changed.append("next_run_at")
        source.is_active = is_active
        if secrets is not None:
            source.secrets = json.dumps(secrets)
            changed.append("secrets")
        source.save(update_fields=changed)
        _event(
            source, actor, action="import.pull_change", fields=sorted(set(changed) - {"updated_at"})
        )


def do_set_pull_fields(source: PullSource, fields: dict[str, Any], actor: Viewer) -> None:
    """Keep what a sample of submissions showed of the form (``running.sample_fields``:
    field paths, repeat groups, the values of its choice lists), sealed: a field name
    may be anything."""
    with transaction.atomic():
        source.fields = json.dumps(fields, ensure_ascii=False)
        source.save(update_fields=["fields", "updated_at"])
        _event(source, actor, action="import.pull_check", fields=["fields"])


def form_key_of(source: PullSource) -> str:
    """The key the form's mapping is saved under, as an upload of its export finds it
    (a Kobo export's ``_xform_id_string`` is the asset uid)."""
    config = source.config or {}
    form_id = str(config.get("asset_uid") or config.get("form_id") or "")
    return form_key(source.project_id, form_id=form_id)


def do_set_pull_mapping(
    source: PullSource, mapping: dict[str, Any], actor: Viewer, *, start: bool = True
) -> None:
    """Save which field feeds which target, and keep it as the form's mapping (offered
    to the next upload of its export); with ``start``, the source is due at once (else
    the recoding screen comes first, and starts it)."""
    with transaction.atomic():
        changes: dict[str, Any] = {"mapping": mapping, "updated_at": clock.now()}
        if start:
            changes["next_run_at"] = clock.now()
        PullSource.objects.filter(pk=source.pk).update(**changes)
        source.refresh_from_db()
        _event(
            source,
            actor,
            action="import.pull_map",
            fields=sorted(mapping.get("columns", {})),
            purpose="phone numbers kept: consent confirmed" if mapping.get("keep_phone") else "",
        )
        _save_for_form(source, mapping, actor)
        source_id = str(source.pk)
        if start and source.is_active:
            transaction.on_commit(lambda: pull_submissions.enqueue(source_id))


def do_set_pull_sheets(source: PullSource, sheets: dict[str, Any], actor: Viewer) -> None:
    """How the form's repeat groups are read (``repeats.py``): joined into each
    submission's record, or one record per repeat row. The fields matched before stay
    where their names still exist; fetching waits for the fields to be matched again."""
    with transaction.atomic():
        mapping = {**(source.mapping or {}), "sheets": sheets}
        PullSource.objects.filter(pk=source.pk).update(mapping=mapping, updated_at=clock.now())
        source.refresh_from_db()
        _event(source, actor, action="import.pull_sheets", fields=["mapping"])


def do_set_pull_recodes(
    source: PullSource, recodes: dict[str, dict[str, str]], actor: Viewer
) -> None:
    """The form's choice values → the project's codes, kept with the source's mapping
    and the form's saved mapping (as a file's recoding)."""
    with transaction.atomic():
        mapping = {**(source.mapping or {}), "recodes": recodes}
        PullSource.objects.filter(pk=source.pk).update(mapping=mapping, updated_at=clock.now())
        source.refresh_from_db()
        _event(source, actor, action="import.pull_recode", fields=sorted(recodes))
        _save_for_form(source, mapping, actor)


def _save_for_form(source: PullSource, mapping: dict[str, Any], actor: Viewer) -> None:
    """Keep the matching as the form's saved mapping, for the next upload of its export:
    without the phone consent (confirmed for each source or file) and only when each
    record is a submission (a repeat row's fields are named apart from a file's)."""
    named = NamedMapping.from_json(json.dumps(mapping))
    if is_per_row(named.sheets):
        return
    named = replace(named, keep_phone=False, sheets={})
    do_save_mapping(source.project, form_key_of(source), named, actor)


def do_request_pull(source: PullSource, actor: Viewer) -> bool:
    """ "Fetch now": the pull is queued at once; False if the source can't pull yet
    (no mapping, turned off)."""
    if not source.mapping or not source.is_active:
        return False
    with transaction.atomic():
        PullSource.objects.filter(pk=source.pk).update(
            next_run_at=clock.now(), updated_at=clock.now()
        )
        _event(source, actor, action="import.pull_request")
        source_id = str(source.pk)
        transaction.on_commit(lambda: pull_submissions.enqueue(source_id))
    return True


def do_fetch_everything_again(source: PullSource, actor: Viewer) -> None:
    """Forget the newest submission time: the next pull reads the whole form again
    (records already in are skipped; rows refused before are tried again)."""
    with transaction.atomic():
        PullSource.objects.filter(pk=source.pk).update(
            last_submission_at=None, updated_at=clock.now()
        )
        _event(source, actor, action="import.pull_rewind", fields=["last_submission_at"])


def do_delete_pull_source(source: PullSource, actor: Viewer) -> None:
    """Disconnect: the sealed secrets go with the row; records already made stay."""
    with transaction.atomic():
        _event(source, actor, action="import.pull_disconnect", fields=["secrets"])
        PullSource.objects.filter(pk=source.pk).delete()
