"""What the pull screens may show of a pull source.

The secrets (token, password) are not catalogued: no screen shows them, they are only
replaced. The form's field paths are sealed like an import's header row and opened for
those who may manage pulls; the rest is coded (server, ids, counts, reason codes).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from responsemap.imports.pull.models import PullSource
from responsemap.imports.pull.queries import MANAGE_PERMISSION
from responsemap.protection.catalogue import Classification, FieldPolicy, declare

C = Classification
declare(
    PullSource,
    [
        FieldPolicy("kind", _("Server"), C.INTERNAL),
        FieldPolicy("name", _("Name"), C.INTERNAL),
        FieldPolicy("config", _("Connection"), C.INTERNAL),
        FieldPolicy("fields", _("Form fields"), C.CONFIDENTIAL, MANAGE_PERMISSION),
        FieldPolicy("mapping", _("Field matching"), C.INTERNAL),
        FieldPolicy("is_active", _("Active"), C.INTERNAL),
        FieldPolicy("interval_minutes", _("Every (minutes)"), C.INTERNAL),
        FieldPolicy("last_submission_at", _("Newest submission"), C.INTERNAL),
        FieldPolicy("next_run_at", _("Next fetch"), C.INTERNAL),
        FieldPolicy("running_since", _("Fetching since"), C.INTERNAL),
        FieldPolicy("last_run_at", _("Last fetch"), C.INTERNAL),
        FieldPolicy("last_outcome", _("Outcome"), C.INTERNAL),
        FieldPolicy("last_fetched", _("Fetched"), C.INTERNAL),
        FieldPolicy("last_created", _("Created"), C.INTERNAL),
        FieldPolicy("last_skipped", _("Already in"), C.INTERNAL),
        FieldPolicy("last_failed", _("Failed"), C.INTERNAL),
        FieldPolicy("total_created", _("Created in all"), C.INTERNAL),
        FieldPolicy("errors", _("Problems"), C.INTERNAL),
        FieldPolicy("created_by", _("Connected by"), C.INTERNAL),
        FieldPolicy("created_at", _("Connected"), C.INTERNAL),
    ],
)
