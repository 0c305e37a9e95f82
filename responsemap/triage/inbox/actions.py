"""The inbox's changes: bulk status changes and assignments (each record through its
own audited action, ``do_change_status`` / ``do_assign``), and a person's saved filters
(one transaction and one audit event each; the name and query sealed, never logged)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from responsemap.protection import system_opens
from responsemap.protection.audit import record_event
from responsemap.protection.present import open_for_system
from responsemap.protection.system_opens import SystemPurpose
from responsemap.protection.tokens import tokens_for
from responsemap.protection.viewer import Viewer
from responsemap.triage.actions import WorkflowRefused, do_assign, do_change_status
from responsemap.triage.inbox.models import SavedFilter
from responsemap.triage.inbox.queries import access_saved_filter
from responsemap.triage.models import Feedback
from responsemap.triage.queries import access_feedback
from responsemap.triage.redaction import write_search_tokens

# At most one page's worth at a time (the inbox shows 25; a little room).
BULK_MAX = 100
SAVED_FILTERS_MAX = 30
NAME_MAX_LENGTH = 80


class BulkRefused(Exception):
    """A bulk request refused as a whole (no permission, nothing or too much selected)."""


@dataclass
class BulkResult:
    """What a bulk action did: the references of the records changed, and for each one
    refused, its reference (empty if the person may not see it) and why, in words."""

    done: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def _check(viewer: Viewer, feedback_ids: Sequence[object], limit: int) -> list[object]:
    if not viewer.can("edit_feedback"):
        raise Http404
    ids = list(dict.fromkeys(feedback_ids))
    if not ids:
        raise BulkRefused(_("Select at least one record."))
    if len(ids) > limit:
        raise BulkRefused(_("Select at most %(n)d records at a time.") % {"n": limit})
    return ids


def _each(viewer: Viewer, ids: list[object], change) -> BulkResult:  # type: ignore[no-untyped-def]
    result = BulkResult()
    for feedback_id in ids:
        try:
            record = change(feedback_id)
        except Http404:
            # Not one the person may see (or gone): its reference is not said.
            result.refused.append(("", _("Not found, or not one you may work on.")))
        except WorkflowRefused as refused:
            result.refused.append((_reference_of(viewer, feedback_id), str(refused)))
        else:
            result.done.append(record.reference)
    return result


def _reference_of(viewer: Viewer, feedback_id: object) -> str:
    return access_feedback(viewer, feedback_id).reference


def do_bulk_change_status(
    viewer: Viewer, feedback_ids: Sequence[object], to_status: str, *, limit: int = BULK_MAX
) -> BulkResult:
    """Move each selected record to ``to_status`` through ``do_change_status`` (its own
    transaction, race check and audit event): some may move and others be refused.
    ``limit``: ticked records, a page's worth; all matching the filters, confirmed
    (``select_all``), more."""
    ids = _check(viewer, feedback_ids, limit)
    return _each(viewer, ids, lambda pk: do_change_status(viewer, pk, to_status))


def do_bulk_assign(
    viewer: Viewer,
    feedback_ids: Sequence[object],
    assignee_user_id: int | None,
    *,
    limit: int = BULK_MAX,
) -> BulkResult:
    """Assign each selected record through ``do_assign`` (None: unassign)."""
    ids = _check(viewer, feedback_ids, limit)
    return _each(viewer, ids, lambda pk: do_assign(viewer, pk, assignee_user_id))


def do_save_filter(viewer: Viewer, name: str, query: str) -> SavedFilter:
    """Keep the inbox's ``query`` (its filters, already cleaned) under ``name`` for the
    viewer alone. Audited: ``saved_filter.save`` (no name, no query)."""
    if not viewer.can("view_feedback") or viewer.user_id is None:
        raise Http404
    name = name.strip()[:NAME_MAX_LENGTH]
    if not name:
        raise WorkflowRefused(_("Give the filter a name."))
    with transaction.atomic():
        mine = SavedFilter.objects.filter(project_id=viewer.project_id, owner_id=viewer.user_id)
        if mine.count() >= SAVED_FILTERS_MAX:
            raise WorkflowRefused(
                _("You have %(n)d saved filters already: delete one first.")
                % {"n": SAVED_FILTERS_MAX}
            )
        saved = SavedFilter(
            id=uuid.uuid4(),
            project_id=viewer.project_id,
            owner_id=viewer.user_id,
            name=name,
            query=query,
            created_at=timezone.now(),
        )
        saved.save()
        record_event(
            "saved_filter.save",
            project_id=viewer.project_id,
            actor=viewer,
            object_type="savedfilter",
            object_id=saved.pk,
            fields=["name", "query"],
        )
    return saved


def do_delete_saved_filter(viewer: Viewer, saved_filter_id: object) -> None:
    """Delete one of the viewer's own saved filters (another's is a 404)."""
    saved = access_saved_filter(viewer, saved_filter_id)
    with transaction.atomic():
        SavedFilter.objects.filter(pk=saved.pk).delete()
        record_event(
            "saved_filter.delete",
            project_id=viewer.project_id,
            actor=viewer,
            object_type="savedfilter",
            object_id=saved.pk,
        )


def do_rebuild_search_tokens(project_id: uuid.UUID, *, batch: int = 500) -> int:
    """Remake the word-search tokens of every redacted copy of a project (after the
    stemming changed: ``protection.tokens``), ``batch`` records per transaction, in the
    order of their ids; returns how many records were indexed. The copies are opened for
    the system (``index_search``, counted); one ``feedback.reindex`` event at the end."""
    done, after = 0, None
    rows = Feedback.objects.filter(project_id=project_id, redacted_at__isnull=False)
    while True:
        chunk = rows.order_by("pk")
        if after is not None:
            chunk = chunk.filter(pk__gt=after)
        records = list(chunk.only("pk", "project_id", "redacted_content")[:batch])
        if not records:
            break
        with transaction.atomic():
            for record in records:
                text = open_for_system(
                    record, "redacted_content", purpose=SystemPurpose.INDEX_SEARCH
                )
                record.pending_tokens = tokens_for(project_id, text or "")
            write_search_tokens(records, replace=True)
        done += len(records)
        after = records[-1].pk
    with transaction.atomic():
        record_event(
            "feedback.reindex",
            project_id=project_id,
            actor=None,
            object_type="project",
            object_id=project_id,
            purpose=str(done),
        )
    system_opens.flush()  # the opens counted, written to the project's chain
    return done
