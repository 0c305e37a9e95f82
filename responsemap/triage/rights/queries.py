"""Loading data-subject requests and finding the person a request is about.

Only the project's data-protection role (``handle_subject_requests``) sees requests; to
anyone else a request is a 404. A person is found by phone number — the number typed
is normalised and turned into the project's blind index, then forgotten — or by the
reference code of one of their records (read through ``feedback_visible_to``).
"""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.http import Http404

from responsemap.intake.contacts.models import Contact
from responsemap.intake.contacts.phones import normalise_phone, phone_index
from responsemap.protection.viewer import Viewer
from responsemap.triage.models import Feedback, normalise_reference
from responsemap.triage.queries import feedback_visible_to
from responsemap.triage.rights.models import SubjectRequest

PERMISSION = "handle_subject_requests"


def may_handle(viewer: Viewer) -> bool:
    return viewer.can(PERMISSION)


def requests_visible_to(viewer: Viewer) -> QuerySet[SubjectRequest]:
    if not may_handle(viewer):
        return SubjectRequest.objects.none()
    return SubjectRequest.objects.filter(project_id=viewer.project_id)


def access_subject_request(viewer: Viewer, request_id: object) -> SubjectRequest:
    try:
        key = uuid.UUID(str(request_id))
    except ValueError:
        raise Http404 from None
    found = (
        requests_visible_to(viewer).select_related("contact", "opened_by", "handled_by")
    ).filter(pk=key)
    request = found.first()
    if request is None:
        raise Http404
    return request


def contacts_of_project(viewer: Viewer) -> QuerySet[Contact]:
    """The contacts a data-protection role may act on: the project's, not erased."""
    if not may_handle(viewer):
        return Contact.objects.none()
    return Contact.objects.filter(project_id=viewer.project_id, erased_at__isnull=True)


def find_by_phone(viewer: Viewer, typed: str, country: str) -> Contact | None:
    """The contact of a phone number typed in any usual form (``InvalidPhone`` if it
    is not one). Only its blind index is compared: the number is neither stored nor
    logged."""
    index = phone_index(viewer.project_id, normalise_phone(typed, country))
    return contacts_of_project(viewer).filter(phone_index=index).first()


def find_by_reference(viewer: Viewer, typed: str) -> tuple[Feedback | None, Contact | None]:
    """The record of a reference code, and the contact behind it (None if anonymous)."""
    if not may_handle(viewer):
        return None, None
    record = (
        feedback_visible_to(viewer)
        .select_related("contact")
        .filter(reference=normalise_reference(typed))
        .first()
    )
    if record is None:
        return None, None
    contact = record.contact if record.contact and record.contact.erased_at is None else None
    return record, contact


def records_of(subject: SubjectRequest) -> list[Feedback]:
    """Every record held about a request's person (not erased), oldest first: the
    request was loaded for its handler by ``access_subject_request``, and what is held
    about the person is the whole answer, whoever else may see each record."""
    if subject.contact_id is None:
        return []
    return list(
        Feedback.objects.filter(
            project_id=subject.project_id, contact_id=subject.contact_id, erased_at__isnull=True
        ).order_by("received_at", "pk")
    )
