"""SMS alerts to staff phones: which channels may text them, what the text says, who has
a verified number, and how a delivery status reads (docs/alerts.md, "By SMS").

The text names the record's reference and the project, in the person's language (the
one they chose with their number), and nothing else: never the message, the sender's
number or anything about them. A phone on a desk or a lock screen shows it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.utils import translation
from django.utils.translation import gettext

from responsemap.accounts.models import StaffPhone
from responsemap.intake.channels.models import Channel
from responsemap.triage.alerts.models import Notification

# Channel kinds that text a phone number (the messaging apps need a handle or a
# template the person opted into: not for staff alerts).
SMS_KINDS = ("kannel", "twilio", "africastalking")
# Their names, as a manager knows them (product names: not translated).
KIND_NAMES = {"kannel": "Kannel", "twilio": "Twilio", "africastalking": "Africa's Talking"}


def sms_channel_choices(project_id: uuid.UUID | str) -> list[tuple[str, str]]:
    """The project's channels that can text staff phones: (id, name and kind in words)."""
    channels = Channel.objects.filter(project_id=project_id, kind__in=SMS_KINDS, is_active=True)
    return [
        (str(c.pk), f"{c.name} ({KIND_NAMES[c.kind]})") for c in channels.order_by("name", "pk")
    ]


def staff_sms_text(kind: str, reference: str, project_name: str, language: str) -> str:
    """The alert's SMS: the reference and the project, in ``language``."""
    values = {"ref": reference, "project": project_name}
    with translation.override(language):
        if kind == Notification.Kind.ESCALATION:
            return (
                gettext("Not yet acknowledged: urgent record %(ref)s in %(project)s. Open the app.")
                % values
            )
        return gettext("Urgent record %(ref)s in %(project)s: open the app.") % values


def verified_phones(user_ids: Iterable[int]) -> set[int]:
    """The people among ``user_ids`` with a verified staff phone (one query)."""
    ids = list(user_ids)
    if not ids:
        return set()
    return set(
        StaffPhone.objects.filter(user_id__in=ids, verified_at__isnull=False).values_list(
            "user_id", flat=True
        )
    )
