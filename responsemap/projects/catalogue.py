"""What a screen may show of a project: nothing in it is personal, and all of it may be
known to anyone who can reach the project's public form or is a member."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from responsemap.projects.models import Project
from responsemap.protection.catalogue import Classification, FieldPolicy, declare

C = Classification
declare(
    Project,
    [
        FieldPolicy("name", _("Name"), C.PUBLIC),
        # In every address of the project's screens.
        FieldPolicy("slug", _("Short name"), C.PUBLIC),
        FieldPolicy("organisation", _("Organisation"), C.PUBLIC),
        FieldPolicy("country", _("Country"), C.PUBLIC),
        FieldPolicy("languages", _("Languages"), C.PUBLIC),
        FieldPolicy("time_zone", _("Time zone"), C.PUBLIC),
        FieldPolicy("purpose", _("Purpose"), C.PUBLIC),
        FieldPolicy("status", _("Status"), C.PUBLIC),
        FieldPolicy("retention_days", _("Kept for (days)"), C.INTERNAL),
        # The data's class and the project's life: no one's personal data.
        FieldPolicy("sensitivity", _("Sensitivity class"), C.PUBLIC),
        FieldPolicy("sensitivity_review_on", _("Sensitivity review date"), C.INTERNAL),
        FieldPolicy("controller_organisation", _("Data controller's organisation"), C.INTERNAL),
        FieldPolicy("processors", _("Processors"), C.INTERNAL),
        FieldPolicy("id_patterns", _("Identity number patterns"), C.INTERNAL),
        FieldPolicy("review_interval_days", _("Checklist review every (days)"), C.INTERNAL),
        FieldPolicy("review_due_on", _("Checklists next reviewed on"), C.INTERNAL),
        FieldPolicy("activated_at", _("Active since"), C.INTERNAL),
        FieldPolicy("closed_at", _("Closed on"), C.INTERNAL),
    ],
)

from responsemap.projects.destruction import catalogue as _destruction  # noqa: E402, F401  (legal holds)
from responsemap.projects.sharing import catalogue as _sharing  # noqa: E402, F401  (partners, agreements)
