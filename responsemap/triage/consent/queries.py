"""Reads for the record page's consent card."""

from __future__ import annotations

from responsemap.intake.contacts.models import ConsentRecord, Contact


def latest_consents(contact: Contact, limit: int) -> list[ConsentRecord]:
    """The person's latest consent records, newest first: the contact was loaded with a
    record the viewer may see (``access_feedback``)."""
    return list(
        ConsentRecord.objects.filter(contact=contact).order_by("-recorded_at", "-pk")[:limit]
    )
