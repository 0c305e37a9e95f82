from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from responsemap.intake.contacts.models import ConsentNotice, ConsentRecord, Contact
from responsemap.intake.contacts.phones import normalise_phone, phone_index
from responsemap.protection.audit import record_event
from responsemap.protection.keyring import blind_index
from responsemap.protection.viewer import ProjectId, Viewer


def do_get_or_create_contact(
    *, project_id: ProjectId, country: str, raw_phone: str, language: str = "", name: str = ""
) -> tuple[Contact, bool]:
    """The contact behind a phone number, created (sealed, indexed) on first contact."""
    e164 = normalise_phone(raw_phone, country)
    index = phone_index(project_id, e164)
    existing = Contact.objects.filter(project_id=project_id, phone_index=index).first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            contact = Contact(project_id=project_id, phone_index=index, language=language)
            contact.phone = e164
            if name:
                contact.name = name
            contact.save(force_insert=True)
    except IntegrityError:
        # Two messages from one new number at once: the other request created it.
        return Contact.objects.get(project_id=project_id, phone_index=index), False
    return contact, True


def do_get_or_create_contact_by_handle(
    *, project_id: ProjectId, handle: str
) -> tuple[Contact, bool]:
    index = blind_index(project_id, "contact.handle", handle)
    existing = Contact.objects.filter(project_id=project_id, handle_index=index).first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            contact = Contact(project_id=project_id, handle_index=index)
            contact.handle = handle
            contact.save(force_insert=True)
    except IntegrityError:
        return Contact.objects.get(project_id=project_id, handle_index=index), False
    return contact, True


def do_record_consent(
    *,
    project_id: ProjectId,
    contact: Contact | None,
    given: bool,
    method: str,
    purposes: list[str],
    notice_version: str = "",
    actor: Viewer | None = None,
    recorded_at: datetime | None = None,
) -> ConsentRecord:
    with transaction.atomic():
        consent = ConsentRecord.objects.create(
            project_id=project_id,
            contact=contact,
            given=given,
            method=method,
            purposes=purposes,
            notice_version=notice_version,
            recorded_by_id=actor.user_id if actor else None,
            recorded_at=recorded_at or timezone.now(),
        )
        record_event(
            "consent.record",
            project_id=project_id,
            actor=actor,
            object_type="consentrecord",
            object_id=consent.pk,
            fields=["given", "method", "purposes"],
        )
    return consent


def do_set_consent_notice(
    *, project_id: ProjectId, language: str, text: str, actor: Viewer | None = None
) -> ConsentNotice:
    """Publish a new version of the consent notice for one language."""
    with transaction.atomic():
        latest = (
            ConsentNotice.objects.select_for_update()
            .filter(project_id=project_id, language=language)
            .order_by("-version")
            .first()
        )
        notice = ConsentNotice.objects.create(
            project_id=project_id,
            language=language,
            version=(latest.version + 1) if latest else 1,
            text=text,
        )
        record_event(
            "consent_notice.publish",
            project_id=project_id,
            actor=actor,
            object_type="consentnotice",
            object_id=notice.pk,
            purpose=language,
        )
    return notice
