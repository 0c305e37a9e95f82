"""What the destruction screens may show of a legal hold (loaded from the projects
app's catalogue)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from responsemap.projects.destruction.models import LegalHold
from responsemap.projects.destruction.queries import MANAGE_LEGAL_HOLD
from responsemap.protection.catalogue import Classification, FieldPolicy, declare

C = Classification
declare(
    LegalHold,
    [
        # Sealed; shown without a reveal to whoever manages holds (one view event a page).
        FieldPolicy("reason", _("Reason"), C.CONFIDENTIAL, MANAGE_LEGAL_HOLD),
        FieldPolicy("expires_on", _("Until"), C.INTERNAL, MANAGE_LEGAL_HOLD),
        FieldPolicy("placed_at", _("Placed"), C.INTERNAL, MANAGE_LEGAL_HOLD),
        FieldPolicy("lifted_at", _("Lifted"), C.INTERNAL, MANAGE_LEGAL_HOLD),
    ],
)
