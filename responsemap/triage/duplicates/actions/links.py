"""Linking, unlinking and merging duplicates, and rumour groups, by hand.

Both records are loaded through ``access_feedback`` (``write=True``): a person can
only link records they may see and edit, and the other record is named by its
reference as they see it. Every change is audited on both records, in one
transaction. Nothing is deleted: an unlink ends the link (``ended_at``) and a merge
closes the merged record, linked to the one kept.
"""

from __future__ import annotations

import uuid

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from responsemap.protection.audit import EventSpec, record_events
from responsemap.protection.viewer import Viewer
from responsemap.triage.choices import Status
from responsemap.triage.duplicates.models import DuplicateLink, LinkKind, RumourGroup, RumourMember
from responsemap.triage.models import Feedback, normalise_reference
from responsemap.triage.queries import access_feedback, feedback_visible_to


class DuplicateRefused(Exception):
    """A link, merge, group or spam change the records' state does not allow; its
    message says why, in words, for the page."""


def record_by_reference(viewer: Viewer, reference: str) -> Feedback:
    """The record with this reference among those the person may edit, or a refusal
    that does not say whether it exists."""
    found = None
    if viewer.can("edit_feedback"):
        found = feedback_visible_to(viewer).filter(reference=normalise_reference(reference)).first()
    if found is None:
        raise DuplicateRefused(_("No record you may work on has that reference."))
    return found


def current_original(feedback_id: uuid.UUID) -> uuid.UUID | None:
    return (
        DuplicateLink.objects.filter(duplicate_id=feedback_id, ended_at__isnull=True)
        .values_list("original_id", flat=True)
        .first()
    )


def _events(
    action: str, viewer: Viewer, records: list[Feedback], fields: list[str], purpose: str
) -> None:
    record_events(
        [
            EventSpec(
                action,
                project_id=r.project_id,
                actor=viewer,
                object_type="feedback",
                object_id=r.pk,
                fields=fields,
                purpose=purpose,
            )
            for r in records
        ]
    )


def _link(viewer: Viewer, record: Feedback, original: Feedback, kind: str) -> DuplicateLink:
    if original.pk == record.pk:
        raise DuplicateRefused(_("A record can't be a duplicate of itself."))
    root = current_original(original.pk)
    if root is not None:
        # Link to the first of the chain, never a duplicate of a duplicate.
        try:
            original = access_feedback(viewer, root, write=True)
        except Http404:
            raise DuplicateRefused(
                _("That record is a duplicate of one you may not work on.")
            ) from None
        if original.pk == record.pk:
            raise DuplicateRefused(_("That record is already a duplicate of this one."))
    if current_original(record.pk) is not None:
        raise DuplicateRefused(_("This record is already linked as a duplicate: unlink it first."))
    if DuplicateLink.objects.filter(original_id=record.pk, ended_at__isnull=True).exists():
        raise DuplicateRefused(
            _("Other records are duplicates of this one: link them the other way round.")
        )
    link = DuplicateLink(
        project_id=record.project_id,
        duplicate=record,
        original=original,
        kind=kind,
        created_at=timezone.now(),
        created_by_id=viewer.user_id,
    )
    link.save(force_insert=True)
    return link


def do_link_duplicate(
    viewer: Viewer, feedback_id: object, original_reference: str
) -> DuplicateLink:
    """Link a record as a duplicate of the one with ``original_reference`` (or of the
    first of its chain). Audited: ``duplicate.link`` on both records."""
    record = access_feedback(viewer, feedback_id, write=True)
    original = record_by_reference(viewer, original_reference)
    with transaction.atomic():
        link = _link(viewer, record, original, LinkKind.HAND)
        _events(
            "duplicate.link",
            viewer,
            [record, link.original],
            ["duplicate_links.kind"],
            LinkKind.HAND,
        )
    return link


def do_unlink(viewer: Viewer, feedback_id: object) -> None:
    """End a record's current duplicate link (kept, with who ended it and when). A
    merged record stays closed: reopen it through its status. Race-safe: of two people
    unlinking at once, one does it. Audited: ``duplicate.unlink`` on both records."""
    record = access_feedback(viewer, feedback_id, write=True)
    link = DuplicateLink.objects.filter(duplicate_id=record.pk, ended_at__isnull=True).first()
    if link is None:
        raise DuplicateRefused(_("This record is not linked as a duplicate."))
    original = Feedback.objects.filter(pk=link.original_id).first()
    with transaction.atomic():
        ended = DuplicateLink.objects.filter(pk=link.pk, ended_at__isnull=True).update(
            ended_at=timezone.now(), ended_by_id=viewer.user_id
        )
        if not ended:
            raise DuplicateRefused(_("Someone else unlinked this record meanwhile."))
        _events(
            "duplicate.unlink",
            viewer,
            [r for r in (record, original) if r],
            ["duplicate_links.ended_at"],
            link.kind,
        )


def do_merge(viewer: Viewer, feedback_id: object, into_reference: str) -> DuplicateLink:
    """Merge a record into the one with ``into_reference``: linked as its duplicate and
    closed (race-safe: only if its status is still the one read). Its text, notes and
    history stay. Audited: ``feedback.merge`` on both records and the status move."""
    record = access_feedback(viewer, feedback_id, write=True)
    kept = record_by_reference(viewer, into_reference)
    with transaction.atomic():
        link = _link(viewer, record, kept, LinkKind.MERGE)
        if record.status != Status.CLOSED:
            moved = Feedback.objects.filter(pk=record.pk, status=record.status).update(
                status=Status.CLOSED, updated_at=timezone.now()
            )
            if not moved:
                raise DuplicateRefused(
                    _("Someone else changed this record meanwhile. Look again and retry.")
                )
            record_events(
                [
                    EventSpec(
                        "feedback.change_status",
                        project_id=record.project_id,
                        actor=viewer,
                        object_type="feedback",
                        object_id=record.pk,
                        fields=["status"],
                        purpose=f"{record.status}>{Status.CLOSED}",
                    )
                ]
            )
            record.status = Status.CLOSED
        _events(
            "feedback.merge",
            viewer,
            [record, link.original],
            ["duplicate_links.kind"],
            LinkKind.MERGE,
        )
    return link


def do_add_to_group(viewer: Viewer, feedback_id: object, other_reference: str) -> RumourGroup:
    """Put a record in the rumour group of the record with ``other_reference`` (a new
    group of the two if it has none). Audited: ``rumour.add`` on each record added."""
    record = access_feedback(viewer, feedback_id, write=True)
    other = record_by_reference(viewer, other_reference)
    if other.pk == record.pk:
        raise DuplicateRefused(_("Name another record than this one."))
    if RumourMember.objects.filter(feedback_id=record.pk).exists():
        raise DuplicateRefused(_("This record is in a rumour group already: take it out first."))
    now = timezone.now()
    with transaction.atomic():
        member = RumourMember.objects.filter(feedback_id=other.pk).select_related("group").first()
        added = [record]
        if member is None:
            group = RumourGroup(
                project_id=record.project_id, created_at=now, created_by_id=viewer.user_id
            )
            group.save(force_insert=True)
            RumourMember.objects.create(
                group=group,
                feedback=other,
                received_at=other.received_at,
                kind=LinkKind.HAND,
                added_at=now,
            )
            added.append(other)
        else:
            group = member.group
        RumourMember.objects.create(
            group=group,
            feedback=record,
            received_at=record.received_at,
            kind=LinkKind.HAND,
            added_at=now,
        )
        _events("rumour.add", viewer, added, ["rumour_membership.added_at"], LinkKind.HAND)
    return group


def do_remove_from_group(viewer: Viewer, feedback_id: object) -> None:
    """Take a record out of its rumour group (the group stays, with its other members).
    Audited: ``rumour.remove``."""
    record = access_feedback(viewer, feedback_id, write=True)
    with transaction.atomic():
        removed, _rows = RumourMember.objects.filter(feedback_id=record.pk).delete()
        if not removed:
            raise DuplicateRefused(_("This record is not in a rumour group."))
        _events("rumour.remove", viewer, [record], ["rumour_membership.added_at"], LinkKind.HAND)
