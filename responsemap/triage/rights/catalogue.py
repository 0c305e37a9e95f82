"""What the screens may show of data-subject requests: only to the data-protection role
(``handle_subject_requests``). The note is sealed at rest and shown to that role."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from responsemap.protection.catalogue import Classification, FieldPolicy, declare
from responsemap.triage.rights.models import SubjectRequest

C = Classification
P = "handle_subject_requests"
declare(
    SubjectRequest,
    [
        FieldPolicy("kind", _("Request"), C.INTERNAL, P),
        FieldPolicy("status", _("Status"), C.INTERNAL, P),
        FieldPolicy("received_at", _("Received"), C.INTERNAL, P),
        FieldPolicy("due_at", _("Deadline"), C.INTERNAL, P),
        FieldPolicy("reference", _("Reference given"), C.INTERNAL, P),
        FieldPolicy("language", _("Language"), C.INTERNAL, P),
        FieldPolicy("opened_by", _("Opened by"), C.INTERNAL, P),
        FieldPolicy("handled_by", _("Handled by"), C.INTERNAL, P),
        FieldPolicy("closed_at", _("Closed"), C.INTERNAL, P),
        FieldPolicy("outcome", _("What was done"), C.INTERNAL, P),
        FieldPolicy("note", _("What the person asked"), C.CONFIDENTIAL, P),
    ],
)
