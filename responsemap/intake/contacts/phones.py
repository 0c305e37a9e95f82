from __future__ import annotations

import phonenumbers

from responsemap.protection.keyring import blind_index
from responsemap.protection.viewer import ProjectId


class InvalidPhone(ValueError):
    pass


def normalise_phone(raw: str, country: str) -> str:
    """E.164 form of ``raw``, reading national numbers in the project's country."""
    try:
        number = phonenumbers.parse(raw, country.upper() or None)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone("not a phone number") from exc
    if not phonenumbers.is_possible_number(number):
        raise InvalidPhone("not a possible phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_index(project_id: ProjectId, e164: str) -> str:
    return blind_index(project_id, "contact.phone", e164)
