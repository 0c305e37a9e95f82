"""What a person may see of replies, templates and call-back attempts (present())."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from responsemap.protection.catalogue import Classification, FieldPolicy, declare
from responsemap.triage.replies.models import CallbackAttempt, Reply, ReplyTemplate

C = Classification
declare(
    ReplyTemplate,
    [
        FieldPolicy("code", _("Code"), C.INTERNAL, "edit_feedback"),
        FieldPolicy("name", _("Name"), C.INTERNAL, "edit_feedback"),
        # Organisation text with placeholders, never a person's words: in clear.
        FieldPolicy("texts", _("Texts"), C.INTERNAL, "edit_feedback"),
        FieldPolicy("is_active", _("In use"), C.INTERNAL, "edit_feedback"),
        FieldPolicy("updated_at", _("Last changed"), C.INTERNAL, "edit_feedback"),
    ],
)
declare(
    Reply,
    [
        FieldPolicy("author", _("Sent by"), C.INTERNAL, "view_feedback"),
        FieldPolicy("created_at", _("Written"), C.INTERNAL, "view_feedback"),
        FieldPolicy("template_code", _("Template"), C.INTERNAL, "view_feedback"),
        # Sealed at rest only, like a note: shown to whoever sees the record.
        FieldPolicy("text", _("Reply"), C.CONFIDENTIAL, "view_feedback"),
    ],
)
declare(
    CallbackAttempt,
    [
        FieldPolicy("caller", _("Called by"), C.INTERNAL, "view_feedback"),
        FieldPolicy("created_at", _("When"), C.INTERNAL, "view_feedback"),
        FieldPolicy("outcome", _("Outcome"), C.INTERNAL, "view_feedback"),
        FieldPolicy("note", _("Note"), C.CONFIDENTIAL, "view_feedback"),
    ],
)
