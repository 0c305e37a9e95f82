"""What a screen may show of a report's narrative: whoever may load it (the report's
readers, ``reports.queries``) reads it; sealed at rest only (no reveal permission, like
a record's notes)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from responsemap.analytics.reports.models import ReportNarrative
from responsemap.protection.catalogue import Classification, FieldPolicy, declare

declare(
    ReportNarrative,
    [
        FieldPolicy("text", _("Narrative"), Classification.CONFIDENTIAL),
        FieldPolicy("updated_at", _("Last edited"), Classification.INTERNAL),
    ],
)
