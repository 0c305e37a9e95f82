from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from responsemap.protection.catalogue import Classification, FieldPolicy, declare
from responsemap.protection.models import AuditEvent

declare(
    AuditEvent,
    [
        FieldPolicy("created_at", _("When"), Classification.INTERNAL, "view_audit"),
        FieldPolicy("actor_label", _("Who"), Classification.INTERNAL, "view_audit"),
        FieldPolicy("role", _("Role"), Classification.INTERNAL, "view_audit"),
        FieldPolicy("action", _("Action"), Classification.INTERNAL, "view_audit"),
        FieldPolicy("fields", _("Fields"), Classification.INTERNAL, "view_audit"),
        FieldPolicy("purpose", _("Purpose"), Classification.INTERNAL, "view_audit"),
        FieldPolicy("reason", _("Reason"), Classification.CONFIDENTIAL, "view_audit"),
        FieldPolicy("client_ip", _("Address"), Classification.CONFIDENTIAL, "view_audit"),
        FieldPolicy("seq", _("Sequence"), Classification.INTERNAL, "view_audit"),
    ],
)
