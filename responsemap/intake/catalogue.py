from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from responsemap.intake.models import Contact
from responsemap.protection.catalogue import Classification, FieldPolicy, declare

declare(
    Contact,
    [
        FieldPolicy(
            "phone", _("Phone number"), Classification.STRICT, "view_feedback", "reveal_contact"
        ),
        FieldPolicy("name", _("Name"), Classification.STRICT, "view_feedback", "reveal_contact"),
        FieldPolicy("language", _("Language"), Classification.INTERNAL),
    ],
)
