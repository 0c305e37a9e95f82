"""What of a record's verification a person may see (protection.present). The notes are
sealed at rest and shown, like a record's notes, to whoever may see the record."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from responsemap.protection.catalogue import Classification, FieldPolicy, declare
from responsemap.triage.verification.models import Verification, VerificationCheck

C = Classification
declare(
    Verification,
    [
        FieldPolicy("status", _("Verification"), C.INTERNAL, "view_feedback"),
        FieldPolicy("sources_count", _("Independent sources"), C.INTERNAL, "view_feedback"),
        FieldPolicy("notes", _("Triangulation notes"), C.CONFIDENTIAL, "view_feedback"),
        FieldPolicy("updated_at", _("Last verified"), C.INTERNAL, "view_feedback"),
        FieldPolicy("updated_by", _("Verified by"), C.INTERNAL, "view_feedback"),
    ],
)
declare(
    VerificationCheck,
    [
        FieldPolicy("item", _("Check"), C.INTERNAL, "view_feedback"),
        FieldPolicy("ticked", _("Checklist item done"), C.INTERNAL, "view_feedback"),
        FieldPolicy("note", _("Check note"), C.CONFIDENTIAL, "view_feedback"),
        FieldPolicy("checked_at", _("Checked"), C.INTERNAL, "view_feedback"),
        FieldPolicy("checked_by", _("Checked by"), C.INTERNAL, "view_feedback"),
    ],
)
