"""Spam flags and the block list, by hand. A blocked sender is named by the contact's
keyed index (``Contact.phone_index`` / ``handle_index``), never by the number: the block
list says nothing without the project's key, and is shredded with it."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from responsemap.protection.audit import record_event
from responsemap.protection.viewer import Viewer
from responsemap.triage.duplicates.actions.birth import sender_index
from responsemap.triage.duplicates.actions.links import DuplicateRefused
from responsemap.triage.duplicates.models import SenderBlock, SpamMark, SpamReason
from responsemap.triage.models import Feedback
from responsemap.triage.queries import access_feedback


def _event(action: str, viewer: Viewer, record: Feedback, purpose: str) -> None:
    record_event(
        action,
        project_id=record.project_id,
        actor=viewer,
        object_type="feedback",
        object_id=record.pk,
        fields=["spam_mark.reason"],
        purpose=purpose,
    )


def _mark(record: Feedback, viewer: Viewer, reason: str) -> bool:
    """Flag the record (in the caller's transaction); False if it was already."""
    try:
        with transaction.atomic():
            SpamMark.objects.create(
                feedback=record,
                project_id=record.project_id,
                reason=reason,
                marked_at=timezone.now(),
                marked_by_id=viewer.user_id,
            )
    except IntegrityError:
        return False
    return True


def do_mark_spam(viewer: Viewer, feedback_id: object) -> None:
    """Flag a record as spam: hidden from the inbox's default view. Audited:
    ``feedback.mark_spam``."""
    record = access_feedback(viewer, feedback_id, write=True)
    with transaction.atomic():
        if not _mark(record, viewer, SpamReason.HAND):
            raise DuplicateRefused(_("This record is flagged as spam already."))
        _event("feedback.mark_spam", viewer, record, SpamReason.HAND)


def do_unmark_spam(viewer: Viewer, feedback_id: object) -> None:
    """Take a record's spam flag away (back in the inbox). Audited: ``feedback.unmark_spam``."""
    record = access_feedback(viewer, feedback_id, write=True)
    with transaction.atomic():
        removed, _rows = SpamMark.objects.filter(feedback_id=record.pk).delete()
        if not removed:
            raise DuplicateRefused(_("This record is not flagged as spam."))
        _event("feedback.unmark_spam", viewer, record, "")


def _sender_of(record: Feedback) -> str:
    index = sender_index(record)
    if not index:
        raise DuplicateRefused(_("This record has no sender to block: it is anonymous."))
    return index


def do_block_sender(viewer: Viewer, feedback_id: object) -> None:
    """Put the record's sender on the project's block list (their next messages are
    flagged spam as they arrive) and flag this record. Audited: ``sender.block`` on the
    record (the index itself is in no event)."""
    record = access_feedback(viewer, feedback_id, write=True)
    index = _sender_of(record)
    with transaction.atomic():
        try:
            with transaction.atomic():
                SenderBlock.objects.create(
                    project_id=record.project_id,
                    sender_index=index,
                    created_at=timezone.now(),
                    created_by_id=viewer.user_id,
                )
        except IntegrityError:
            raise DuplicateRefused(_("This sender is on the block list already.")) from None
        record_event(
            "sender.block",
            project_id=record.project_id,
            actor=viewer,
            object_type="feedback",
            object_id=record.pk,
            fields=["contact"],
        )
        if _mark(record, viewer, SpamReason.BLOCKED):
            _event("feedback.mark_spam", viewer, record, SpamReason.BLOCKED)


def do_unblock_sender(viewer: Viewer, feedback_id: object) -> None:
    """Take the record's sender off the block list (flags already set stay). Audited:
    ``sender.unblock``."""
    record = access_feedback(viewer, feedback_id, write=True)
    index = _sender_of(record)
    with transaction.atomic():
        removed, _rows = SenderBlock.objects.filter(
            project_id=record.project_id, sender_index=index
        ).delete()
        if not removed:
            raise DuplicateRefused(_("This sender is not on the block list."))
        record_event(
            "sender.unblock",
            project_id=record.project_id,
            actor=viewer,
            object_type="feedback",
            object_id=record.pk,
            fields=["contact"],
        )


def is_blocked(record: Feedback) -> bool:
    index = sender_index(record)
    return (
        bool(index)
        and SenderBlock.objects.filter(project_id=record.project_id, sender_index=index).exists()
    )
