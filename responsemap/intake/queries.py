from __future__ import annotations

from responsemap.intake.models import Contact
from responsemap.intake.phones import normalise_phone, phone_index
from responsemap.protection.viewer import ProjectId


def find_contact_by_phone(project_id: ProjectId, country: str, raw_phone: str) -> Contact | None:
    e164 = normalise_phone(raw_phone, country)
    return Contact.objects.filter(
        project_id=project_id, phone_index=phone_index(project_id, e164)
    ).first()
