from __future__ import annotations

import uuid

from responsemap.intake.models import Channel, ConsentNotice, Contact
from responsemap.intake.phones import normalise_phone, phone_index
from responsemap.protection.viewer import ProjectId


def find_contact_by_phone(project_id: ProjectId, country: str, raw_phone: str) -> Contact | None:
    e164 = normalise_phone(raw_phone, country)
    return Contact.objects.filter(
        project_id=project_id, phone_index=phone_index(project_id, e164)
    ).first()


def channel_for_webhook(channel_id: str) -> Channel | None:
    """The active channel behind an inbound URL (a provider, not a person, is asking)."""
    try:
        key = uuid.UUID(channel_id)
    except ValueError:
        return None
    return (
        Channel.objects.select_related("project")
        .filter(pk=key, is_active=True, project__status__in=["design", "active"])
        .first()
    )


def consent_notices_of(project_id: ProjectId) -> list[ConsentNotice]:
    """Every version of the project's consent notices, newest first per language."""
    return list(
        ConsentNotice.objects.filter(project_id=project_id).order_by("language", "-version")
    )
