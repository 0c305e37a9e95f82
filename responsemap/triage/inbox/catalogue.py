from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from responsemap.protection.catalogue import Classification, FieldPolicy, declare
from responsemap.triage.inbox.models import SavedFilter

C = Classification
declare(
    SavedFilter,
    [
        FieldPolicy("created_at", _("Saved"), C.INTERNAL),
        # Sealed at rest only; shown to their owner alone (triage.inbox.saved).
        FieldPolicy("name", _("Saved filter name"), C.CONFIDENTIAL),
        FieldPolicy("query", _("Saved filter"), C.CONFIDENTIAL),
    ],
)
