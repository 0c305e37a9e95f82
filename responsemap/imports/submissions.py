"""Records made from repeat-group rows, linked to their submission's record.

A repeat row imported as its own record (``sheets``: one record per repeat row) keeps
its submission's key; the submission's record is the import record with that key
(imported from the submissions sheet with ``_uuid`` as row key), before or after.
"""

from __future__ import annotations

from django.db.models import QuerySet

from responsemap.imports.form_models import SubmissionLink
from responsemap.protection.present import present, present_many
from responsemap.protection.viewer import Viewer
from responsemap.triage.choices import Source
from responsemap.triage.models import Feedback
from responsemap.triage.queries import feedback_visible_to
from responsemap.triage.record_extras import Card


def link_to_submission(records: Feedback | list[Feedback], submission_key: str) -> None:
    """Bookkeeping of the record's creation (inside ``FeedbackRowSink.store``)."""
    made = records if isinstance(records, list) else [records]
    SubmissionLink.objects.bulk_create(
        [
            SubmissionLink(feedback_id=f.pk, project_id=f.project_id, submission_key=submission_key)
            for f in made
        ],
        ignore_conflicts=True,
    )


def submission_of(feedback: Feedback, visible: QuerySet[Feedback]) -> Feedback | None:
    """The submission's record among ``visible`` (what the viewer may see:
    ``feedback_visible_to``), or None."""
    link = SubmissionLink.objects.filter(feedback_id=feedback.pk).first()
    if link is None:
        return None
    return visible.filter(
        project_id=feedback.project_id,
        source=Source.IMPORT,
        provider_message_id=link.submission_key,
    ).first()


def repeat_rows_of(feedback: Feedback, visible: QuerySet[Feedback]) -> list[Feedback]:
    """The records made from the submission's repeat rows, among ``visible``."""
    if feedback.source != Source.IMPORT or not feedback.provider_message_id:
        return []
    linked = SubmissionLink.objects.filter(
        project_id=feedback.project_id, submission_key=feedback.provider_message_id
    ).values("feedback_id")
    return list(visible.filter(pk__in=linked).order_by("received_at"))


# A submission's repeat rows listed on its record page, at most.
SHOWN_ROWS = 50


def submission_links(record: Feedback, viewer: Viewer) -> Card | None:
    """The record page's card of links between a repeat row's record and its
    submission's (both ways), through ``feedback_visible_to`` and present(): a record
    the viewer may not see is not linked, nor counted. Registered with
    ``triage.record_extras`` (``ImportsConfig.ready``)."""
    if record.source != Source.IMPORT:
        return None
    visible = feedback_visible_to(viewer)
    parent = submission_of(record, visible)
    rows = repeat_rows_of(record, visible)
    if parent is None and not rows:
        return None
    links = {
        "submission": present(parent, viewer, "feedback_detail") if parent else None,
        "rows": present_many(rows[:SHOWN_ROWS], viewer, "feedback_detail"),
        "more": max(0, len(rows) - SHOWN_ROWS),
    }
    return "imports/_submission_links.html", links
