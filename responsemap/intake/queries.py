from __future__ import annotations

from responsemap.intake.models import Contact
from responsemap.intake.phones import normalise_phone, phone_index


def find_contact_by_phone(project_id: object, country: str, raw_phone: str) -> Contact | None:
    e164 = normalise_phone(raw_phone, country)
    return Contact.objects.filter(
        project_id=project_id, phone_index=phone_index(project_id, e164)
    ).first()
