"""Verifying a record: its status, sources and triangulation notes, and the social
media checklist. Whoever may edit the record may verify it; each change audited (the
fields named, never the notes' text)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from responsemap.protection.audit import record_event
from responsemap.protection.viewer import Viewer
from responsemap.triage.choices import Source
from responsemap.triage.models import Feedback
from responsemap.triage.queries import access_feedback
from responsemap.triage.verification.models import (
    CheckItem,
    Verification,
    VerificationCheck,
    VerificationStatus,
)

NOTES_MAX_LENGTH = 4000
MAX_SOURCES = 1000


class VerificationRefused(Exception):
    """A verification change that is not possible; its message says why, in words."""


def _check_text(text: str) -> str:
    text = text.strip()
    if len(text) > NOTES_MAX_LENGTH:
        raise VerificationRefused(
            _("A note can be %(n)d characters at most.") % {"n": NOTES_MAX_LENGTH}
        )
    return text


def do_verify_feedback(
    viewer: Viewer, feedback_id: object, status: str, sources_count: int, notes: str = ""
) -> Verification:
    """Set a record's verification: status, independent sources, triangulation notes
    (sealed; an empty note keeps the one there). Audited: ``feedback.verify``, the
    status in its purpose."""
    record = access_feedback(viewer, feedback_id, write=True)
    if status not in VerificationStatus.values:
        raise VerificationRefused(_("That is not a verification status."))
    if not 0 <= sources_count <= MAX_SOURCES:
        raise VerificationRefused(_("The number of sources is not possible."))
    notes = _check_text(notes)
    with transaction.atomic():
        row = Verification.objects.select_for_update().filter(feedback_id=record.pk).first()
        fields = ["verification.status", "verification.sources_count"]
        if row is None:
            row = Verification(project_id=record.project_id, feedback=record)
        row.status, row.sources_count = status, sources_count
        row.updated_at, row.updated_by_id = timezone.now(), viewer.user_id
        if notes:
            row.notes = notes
            fields.append("verification.notes")
        row.save()
        record_event(
            "feedback.verify",
            project_id=record.project_id,
            actor=viewer,
            object_type="feedback",
            object_id=record.pk,
            fields=fields,
            purpose=status,
        )
    return row


def needs_checklist(record: Feedback) -> bool:
    return record.source == Source.SOCIAL


def do_check_item(
    viewer: Viewer, feedback_id: object, item: str, ticked: bool, note: str = ""
) -> VerificationCheck:
    """Tick (or untick) one item of the social media checklist, with a sealed note.
    Audited: ``verification.check``, the item in its purpose."""
    record = access_feedback(viewer, feedback_id, write=True)
    if not needs_checklist(record):
        raise VerificationRefused(_("The checklist is for items taken from social media."))
    if item not in CheckItem.values:
        raise VerificationRefused(_("That is not an item of the checklist."))
    note = _check_text(note)
    with transaction.atomic():
        row = (
            VerificationCheck.objects.select_for_update()
            .filter(feedback_id=record.pk, item=item)
            .first()
        )
        if row is None:
            row = VerificationCheck(project_id=record.project_id, feedback=record, item=item)
        row.ticked = ticked
        row.checked_at, row.checked_by_id = timezone.now(), viewer.user_id
        fields = ["verification_checks.ticked"]
        if note:
            row.note = note
            fields.append("verification_checks.note")
        row.save()
        record_event(
            "verification.check",
            project_id=record.project_id,
            actor=viewer,
            object_type="feedback",
            object_id=record.pk,
            fields=fields,
            purpose=item,
        )
    return row
