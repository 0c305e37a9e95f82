"""Everything the project holds about one person, for a data-subject access request:
their contact, consents, messages received and sent, records, replies, referrals, and
the audit of who saw or changed them — in the person's language, as JSON or a page.

Exposes personal data, so every field goes through ``present()``: the sealed ones are
revealed for the data-protection role with the reason "subject access request",
which writes a ``field.reveal`` event per row, like any reveal. Reading the audit
needs ``view_audit``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from responsemap.intake.contacts.models import ConsentRecord, Contact
from responsemap.intake.messages.models import InboundMessage, OutboundMessage
from responsemap.protection.audit_catalogue import action_label
from responsemap.protection.catalogue import policies_for
from responsemap.protection.models import AuditEvent, AuditListing
from responsemap.protection.present import Presented, present_many
from responsemap.protection.viewer import Viewer
from responsemap.triage.models import Feedback
from responsemap.triage.referrals.models import Referral
from responsemap.triage.replies.models import Reply

PURPOSE = "subject_access"
REASON = "subject access request"
FEEDBACK_FIELDS = (
    "reference",
    "received_at",
    "source",
    "language",
    "area",
    "type_code",
    "sector",
    "status",
    "content",
    "consent_withdrawn_at",
    "erased_at",
)
AUDIT_LIMIT = 2000


@dataclass
class Section:
    key: str
    title: str
    items: list[list[tuple[str, Any]]] = field(default_factory=list)


def _revealable(records: Sequence[models.Model], viewer: Viewer) -> list[str]:
    if not records:
        return []
    policies = policies_for(records[0])
    return [
        name
        for name, policy in policies.items()
        if policy.reveal_permission and viewer.can(policy.reveal_permission)
    ]


def _shown(
    records: Sequence[models.Model], viewer: Viewer, only: Iterable[str] | None = None
) -> list[Presented]:
    only_set = set(only) if only is not None else None
    reveal = [n for n in _revealable(records, viewer) if only_set is None or n in only_set]
    return present_many(
        list(records),
        viewer,
        PURPOSE,
        reveal=reveal,
        reason=REASON if reveal else "",
        only=only_set,
    )


def _items(shown: Sequence[Presented]) -> list[list[tuple[str, Any]]]:
    return [
        [
            (str(s.label), s.value)
            for s in item.values()
            if not s.masked and s.value is not None and s.value != ""
        ]
        for item in shown
    ]


def _audit(viewer: Viewer, objects: Iterable[tuple[str, object]]) -> list[AuditEvent]:
    wanted = Q(pk__in=[])
    listed = Q(pk__in=[])
    for object_type, object_id in objects:
        wanted |= Q(object_type=object_type, object_id=str(object_id))
        listed |= Q(object_type=object_type, object_id=str(object_id))
    listing_events = AuditListing.objects.filter(listed).values("event_id")
    return list(
        AuditEvent.objects.filter(project_id=viewer.project_id)
        .filter(wanted | Q(pk__in=listing_events))
        .order_by("created_at", "seq")[:AUDIT_LIMIT]
    )


def subject_file(viewer: Viewer, contact: Contact, language: str) -> list[Section]:
    """The sections of what is held about ``contact``, with labels in ``language``."""
    records = list(
        Feedback.objects.filter(project_id=viewer.project_id, contact=contact).select_related(
            "area"
        )
    )
    ids = [r.pk for r in records]
    consents = list(ConsentRecord.objects.filter(contact=contact).order_by("recorded_at", "pk"))
    inbound = list(InboundMessage.objects.filter(contact=contact).order_by("received_at", "pk"))
    outbound = list(OutboundMessage.objects.filter(contact=contact).order_by("created_at", "pk"))
    replies = list(Reply.objects.filter(feedback_id__in=ids).order_by("created_at", "pk"))
    referrals = list(
        Referral.objects.filter(feedback_id__in=ids)
        .select_related("agreement__partner")
        .order_by("referred_at", "pk")
    )
    objects: list[tuple[str, object]] = [("contact", contact.pk)]
    objects += [("feedback", pk) for pk in ids]
    objects += [("consentrecord", c.pk) for c in consents]
    events = _audit(viewer, objects) if viewer.can("view_audit") else []
    with translation.override(language or None):
        sections = [
            Section("contact", _("Your contact details"), _items(_shown([contact], viewer))),
            Section("consents", _("What you agreed to"), _items(_shown(consents, viewer))),
            Section(
                "messages_received", _("Messages you sent us"), _items(_shown(inbound, viewer))
            ),
            Section("messages_sent", _("Messages we sent you"), _items(_shown(outbound, viewer))),
            Section(
                "records",
                _("Your feedback records"),
                _items(_shown(records, viewer, FEEDBACK_FIELDS)),
            ),
            Section("replies", _("Our replies"), _items(_reply_rows(replies, viewer))),
            Section(
                "referrals",
                _("Referrals to partner organisations"),
                _items(_shown(referrals, viewer)),
            ),
            Section("audit", _("Who saw or changed your data"), _audit_items(events)),
        ]
    return sections


def _reply_rows(replies: Sequence[Reply], viewer: Viewer) -> list[Presented]:
    return _shown(replies, viewer) if replies else []


def _audit_items(events: Sequence[AuditEvent]) -> list[list[tuple[str, Any]]]:
    return [
        [
            (_("When"), event.created_at),
            (_("Who"), event.actor_label or _("The system")),
            (_("What"), action_label(event.action)),
        ]
        for event in events
    ]


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)


def as_json(sections: Sequence[Section], *, project: str, language: str) -> dict[str, Any]:
    return {
        "project": project,
        "language": language,
        "generated_at": timezone.now().isoformat(),
        "sections": [
            {
                "key": s.key,
                "title": str(s.title),
                "items": [{label: _jsonable(value) for label, value in item} for item in s.items],
            }
            for s in sections
        ],
    }
