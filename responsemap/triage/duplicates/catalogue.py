"""What of duplicates, rumour groups and spam flags a person may see (protection.present).
The linked records themselves are shown through their own catalogue, only to people who
may see them (``queries``); no link field leads to one."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from responsemap.protection.catalogue import Classification, FieldPolicy, declare
from responsemap.triage.duplicates.models import DuplicateLink, RumourGroup, RumourMember, SpamMark

C = Classification
declare(
    DuplicateLink,
    [
        FieldPolicy("kind", _("How it was linked"), C.INTERNAL, "view_feedback"),
        FieldPolicy("similarity", _("Words in common"), C.INTERNAL, "view_feedback"),
        FieldPolicy("created_at", _("Linked"), C.INTERNAL, "view_feedback"),
        FieldPolicy("created_by", _("Linked by"), C.INTERNAL, "view_feedback"),
        FieldPolicy("ended_at", _("Unlinked"), C.INTERNAL, "view_feedback"),
        FieldPolicy("ended_by", _("Unlinked by"), C.INTERNAL, "view_feedback"),
    ],
)
declare(
    RumourGroup,
    [
        FieldPolicy("created_at", _("Group started"), C.INTERNAL, "view_feedback"),
        FieldPolicy("created_by", _("Started by"), C.INTERNAL, "view_feedback"),
    ],
)
declare(
    RumourMember,
    [
        FieldPolicy("kind", _("How it was grouped"), C.INTERNAL, "view_feedback"),
        FieldPolicy("added_at", _("Added to a rumour group"), C.INTERNAL, "view_feedback"),
    ],
)
declare(
    SpamMark,
    [
        FieldPolicy("reason", _("Why it is spam"), C.INTERNAL, "view_feedback"),
        FieldPolicy("marked_at", _("Flagged"), C.INTERNAL, "view_feedback"),
        FieldPolicy("marked_by", _("Flagged by"), C.INTERNAL, "view_feedback"),
    ],
)
