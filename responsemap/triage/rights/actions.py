"""Acting on data-subject requests: open, rectify, withdraw consent, erase, close.

Design:
- Each action is one transaction with its audit event (``subject_request.*``); the
  events name fields and counts, never values: a phone number typed to find a person
  is turned into the blind index and forgotten.
- Withdrawal stops every outbound path at once: the contact is marked
  (``Contact.consent_withdrawn_at``, which ``messages.send.is_refused``,
  ``replies.routing`` and ``referrals`` all read), every consent record of theirs is
  marked withdrawn, their records are marked, and messages still queued to them are
  blocked.
- Erasure is withdrawal, then a tombstone, then a purge, in one transaction. The
  tombstone: each record of theirs says "erased on request" (``erased_at``), its text
  and redacted copy are cleared, its search tokens, duplicate signatures and band keys
  go; the contact's sealed phone, name and handle and both blind indexes are cleared.
  The purge: their messages, notes, replies, call-backs and consent records are
  deleted, referral notes and answers cleared (the referral row stays for the
  agreement's disclosure log), the contact row deleted. What stays of a record is its
  coded data (type, sector, area, status, dates, bands) for the project's counts.
  The audit log is append-only: its events name fields, not values, so it keeps
  nothing of what they said.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from responsemap.intake.contacts.models import ConsentRecord, Contact
from responsemap.intake.contacts.phones import normalise_phone, phone_index
from responsemap.intake.messages.models import InboundMessage, OutboundMessage
from responsemap.protection.audit import EventSpec, record_event, record_events
from responsemap.protection.viewer import Viewer
from responsemap.triage.duplicates.models import SenderBlock, SimilarityBand, TextSignature
from responsemap.triage.models import Feedback, FeedbackToken, Note
from responsemap.triage.redaction import apply_redaction, write_search_tokens
from responsemap.triage.referrals.models import Referral
from responsemap.triage.replies.models import CallbackAttempt, Reply
from responsemap.triage.rights.models import RequestKind, RequestStatus, SubjectRequest
from responsemap.triage.rights.queries import access_subject_request, may_handle
from responsemap.triage.verification.models import Verification, VerificationCheck

NOTE_MAX_LENGTH = 2000
TEXT_MAX_LENGTH = 4000


class RequestRefused(Exception):
    """A step that may not happen; its message says why, in words."""


def _check(viewer: Viewer) -> None:
    if not may_handle(viewer):
        raise RequestRefused(_("Only the project's data-protection role handles these requests."))


def default_deadline(received_at: datetime.datetime) -> datetime.datetime:
    return received_at + datetime.timedelta(days=settings.RESPONSEMAP_SUBJECT_REQUEST_DAYS)


@dataclass(frozen=True)
class NewRequest:
    kind: str
    contact: Contact | None
    reference: str = ""
    language: str = ""
    note: str = ""
    received_at: datetime.datetime | None = None
    deadline_days: int | None = None


def do_open_subject_request(viewer: Viewer, data: NewRequest) -> SubjectRequest:
    _check(viewer)
    if data.kind not in RequestKind.values:
        raise RequestRefused(_("Choose what the person asks for."))
    if data.contact is not None and data.contact.project_id != viewer.project_id:
        raise RequestRefused(_("This person is not in this project."))
    if len(data.note) > NOTE_MAX_LENGTH:
        raise RequestRefused(_("A note can be %(n)d characters at most.") % {"n": NOTE_MAX_LENGTH})
    received = data.received_at or timezone.now()
    due = (
        received + datetime.timedelta(days=data.deadline_days)
        if data.deadline_days
        else default_deadline(received)
    )
    with transaction.atomic():
        request = SubjectRequest(
            project_id=viewer.project_id,
            kind=data.kind,
            contact=data.contact,
            reference=data.reference,
            language=data.language or (data.contact.language if data.contact else ""),
            received_at=received,
            due_at=due,
            opened_by_id=viewer.user_id,
            handled_by_id=viewer.user_id,
        )
        if data.note.strip():
            request.note = data.note.strip()
        request.save(force_insert=True)
        record_event(
            "subject_request.open",
            project_id=viewer.project_id,
            actor=viewer,
            object_type="subjectrequest",
            object_id=request.pk,
            fields=["kind", "contact"] + (["note"] if data.note.strip() else []),
            purpose=data.kind,
        )
    return request


def _open_request(viewer: Viewer, request_id: object) -> tuple[SubjectRequest, Contact]:
    """The request, locked, and its person; refused if closed or about no one."""
    _check(viewer)
    request = access_subject_request(viewer, request_id)
    request = SubjectRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != RequestStatus.OPEN:
        raise RequestRefused(_("This request is closed."))
    contact = (
        Contact.objects.select_for_update()
        .filter(project_id=viewer.project_id, erased_at__isnull=True)
        .filter(pk__in=[request.contact_id] if request.contact_id else [])
        .first()
    )
    if contact is None:
        raise RequestRefused(_("No person is linked to this request, or they were erased."))
    return request, contact


def _step(viewer: Viewer, request: SubjectRequest, action: str, fields: list[str]) -> EventSpec:
    return EventSpec(
        f"subject_request.{action}",
        project_id=viewer.project_id,
        actor=viewer,
        object_type="subjectrequest",
        object_id=request.pk,
        fields=fields,
    )


def do_record_export(viewer: Viewer, request_id: object, fmt: str) -> SubjectRequest:
    """Note that what is held was handed over (the export's own reveals are audited
    by ``present()`` as it is built)."""
    _check(viewer)
    request = access_subject_request(viewer, request_id)
    with transaction.atomic():
        record_event(
            "subject_request.export",
            project_id=viewer.project_id,
            actor=viewer,
            object_type="subjectrequest",
            object_id=request.pk,
            purpose=fmt,
        )
        SubjectRequest.objects.filter(pk=request.pk).update(handled_by_id=viewer.user_id)
    return request


def do_rectify_contact(
    viewer: Viewer,
    request_id: object,
    *,
    name: str | None = None,
    language: str | None = None,
    phone: str | None = None,
    country: str = "",
) -> Contact:
    """Correct the person's name, language or phone number (``InvalidPhone`` for a
    number that is not one). The event names the fields changed."""
    with transaction.atomic():
        request, contact = _open_request(viewer, request_id)
        changed: list[str] = []
        if name is not None:
            contact.name = name.strip() or None
            changed.append("name")
        if language is not None and language != contact.language:
            contact.language = language
            changed.append("language")
        if phone:
            e164 = normalise_phone(phone, country)
            contact.phone = e164
            contact.phone_index = phone_index(contact.project_id, e164)
            changed += ["phone", "phone_index"]
        if not changed:
            raise RequestRefused(_("Nothing to correct."))
        try:
            with transaction.atomic():
                contact.save(update_fields=changed)
        except IntegrityError:
            raise RequestRefused(
                _("Another person of this project has this phone number.")
            ) from None
        SubjectRequest.objects.filter(pk=request.pk).update(handled_by_id=viewer.user_id)
        record_events(
            [
                _step(viewer, request, "rectify_contact", changed),
                EventSpec(
                    "contact.rectify",
                    project_id=viewer.project_id,
                    actor=viewer,
                    object_type="contact",
                    object_id=contact.pk,
                    fields=changed,
                ),
            ]
        )
    return contact


def do_rectify_record_text(
    viewer: Viewer, request_id: object, feedback_id: object, text: str
) -> Feedback:
    """Correct the text of one of the person's records: the redacted copy and its
    search tokens are made again from the corrected text."""
    text = text.strip()
    if not text:
        raise RequestRefused(_("Write the corrected text."))
    if len(text) > TEXT_MAX_LENGTH:
        raise RequestRefused(_("A text can be %(n)d characters at most.") % {"n": TEXT_MAX_LENGTH})
    with transaction.atomic():
        request, contact = _open_request(viewer, request_id)
        record = (
            Feedback.objects.select_related("project")
            .filter(project_id=viewer.project_id, contact=contact, erased_at__isnull=True)
            .filter(pk__in=_uuids(feedback_id))
            .first()
        )
        if record is None:
            raise RequestRefused(_("This record is not one of this person's."))
        record.content = text
        fields = ["content", *apply_redaction(record, text)]
        record.save(update_fields=[*fields, "updated_at"])
        write_search_tokens([record], replace=True)
        SubjectRequest.objects.filter(pk=request.pk).update(handled_by_id=viewer.user_id)
        record_events(
            [
                _step(viewer, request, "rectify_record", fields),
                EventSpec(
                    "feedback.rectify",
                    project_id=viewer.project_id,
                    actor=viewer,
                    object_type="feedback",
                    object_id=record.pk,
                    fields=fields,
                ),
            ]
        )
    return record


def _uuids(value: object) -> list[uuid.UUID]:
    """The id as a one-item list, or none if it is not one (a lookup that finds nothing)."""
    try:
        return [uuid.UUID(str(value))]
    except ValueError:
        return []


def _withdraw(contact: Contact, now: datetime.datetime) -> dict[str, int]:
    Contact.objects.filter(pk=contact.pk).update(consent_withdrawn_at=now)
    contact.consent_withdrawn_at = now
    consents = ConsentRecord.objects.filter(contact=contact, withdrawn_at__isnull=True).update(
        withdrawn_at=now
    )
    records = Feedback.objects.filter(contact=contact, consent_withdrawn_at__isnull=True).update(
        consent_withdrawn_at=now
    )
    blocked = OutboundMessage.objects.filter(
        contact=contact, state=OutboundMessage.State.QUEUED
    ).update(state=OutboundMessage.State.BLOCKED)
    return {"consents": consents, "records": records, "messages_stopped": blocked}


def do_withdraw_consent(viewer: Viewer, request_id: object) -> dict[str, int]:
    """Nothing more is sent to the person or shared about them, for any purpose."""
    now = timezone.now()
    with transaction.atomic():
        request, contact = _open_request(viewer, request_id)
        counts = _withdraw(contact, now)
        _close(request, viewer, RequestStatus.DONE, counts, now)
        record_events(
            [
                _step(viewer, request, "withdraw", ["consent_withdrawn_at"]),
                EventSpec(
                    "consent.withdraw",
                    project_id=viewer.project_id,
                    actor=viewer,
                    object_type="contact",
                    object_id=contact.pk,
                    fields=["consent_withdrawn_at"],
                    purpose="subject_request",
                ),
            ]
        )
    return counts


def do_erase_subject(viewer: Viewer, request_id: object) -> dict[str, int]:
    """Withdraw, tombstone, then purge everything held about the person (see the
    module header). Returns counts only."""
    now = timezone.now()
    with transaction.atomic():
        request, contact = _open_request(viewer, request_id)
        _withdraw(contact, now)
        records = Feedback.objects.filter(project_id=viewer.project_id, contact=contact)
        ids = list(records.values_list("pk", flat=True))
        # The tombstone: each record says so, nothing of what was said stays.
        records.update(
            erased_at=now, content=None, redacted_content=None, lat=None, lon=None, topic=""
        )
        tokens = FeedbackToken.objects.filter(feedback_id__in=ids).delete()[0]
        signatures = TextSignature.objects.filter(feedback_id__in=ids).delete()[0]
        SimilarityBand.objects.filter(feedback_id__in=ids).delete()
        indexes = [i for i in (contact.phone_index, contact.handle_index) if i]
        SenderBlock.objects.filter(project_id=viewer.project_id, sender_index__in=indexes).delete()
        Referral.objects.filter(feedback_id__in=ids).update(note=None, answer=None)
        Verification.objects.filter(feedback_id__in=ids).update(notes=None)
        VerificationCheck.objects.filter(feedback_id__in=ids).update(note=None)
        Contact.objects.filter(pk=contact.pk).update(
            phone=None, name=None, handle=None, phone_index="", handle_index="", erased_at=now
        )
        record_events(
            [
                _step(viewer, request, "tombstone", ["content", "redacted_content", "contact"]),
                *[
                    EventSpec(
                        "feedback.erase",
                        project_id=viewer.project_id,
                        actor=viewer,
                        object_type="feedback",
                        object_id=pk,
                        fields=["content", "redacted_content", "contact"],
                        purpose="subject_request",
                    )
                    for pk in ids
                ],
            ]
        )
        # The purge.
        counts = {
            "records": len(ids),
            "search_tokens": tokens,
            "signatures": signatures,
            "messages_received": InboundMessage.objects.filter(contact=contact).delete()[0],
            "notes": Note.objects.filter(feedback_id__in=ids).delete()[0],
            "replies": Reply.objects.filter(feedback_id__in=ids).delete()[0],
            "callbacks": CallbackAttempt.objects.filter(feedback_id__in=ids).delete()[0],
            "messages_sent": OutboundMessage.objects.filter(contact=contact).delete()[0],
            "consents": ConsentRecord.objects.filter(contact=contact).delete()[0],
        }
        records.update(contact=None)
        SubjectRequest.objects.filter(Q(contact=contact) & ~Q(pk=request.pk)).update(contact=None)
        Contact.objects.filter(pk=contact.pk).delete()
        _close(request, viewer, RequestStatus.DONE, counts, now)
        SubjectRequest.objects.filter(pk=request.pk).update(contact=None)
        record_events([_step(viewer, request, "purge", sorted(counts))])
    return counts


def _close(
    request: SubjectRequest,
    viewer: Viewer,
    status: str,
    outcome: dict[str, int],
    now: datetime.datetime,
) -> None:
    SubjectRequest.objects.filter(pk=request.pk, status=RequestStatus.OPEN).update(
        status=status, closed_at=now, handled_by_id=viewer.user_id, outcome=outcome
    )


def do_close_subject_request(viewer: Viewer, request_id: object, status: str) -> SubjectRequest:
    """Close a request as done (an export handed over, a correction made) or refused."""
    if status not in (RequestStatus.DONE, RequestStatus.REFUSED):
        raise RequestRefused(_("Choose how the request ends."))
    _check(viewer)
    now = timezone.now()
    with transaction.atomic():
        request = access_subject_request(viewer, request_id)
        request = SubjectRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != RequestStatus.OPEN:
            raise RequestRefused(_("This request is closed."))
        _close(request, viewer, status, dict(request.outcome or {}), now)
        record_event(
            "subject_request.close",
            project_id=viewer.project_id,
            actor=viewer,
            object_type="subjectrequest",
            object_id=request.pk,
            purpose=status,
        )
        request.refresh_from_db()
    return request
