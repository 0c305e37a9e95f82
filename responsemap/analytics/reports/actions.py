"""Changing a report's narrative (chokepoint 3): one transaction with its audit event
(the field's name only, never its text)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from responsemap.analytics.reports.models import ReportNarrative
from responsemap.lib import clock
from responsemap.protection.audit import record_event
from responsemap.protection.viewer import Viewer

NARRATIVE_MAX_LENGTH = 8000


class NarrativeRefused(Exception):
    """The change was not made; the message says why, in words."""


def do_edit_report_narrative(viewer: Viewer, text: str) -> ReportNarrative:
    """Set the narrative of the viewer's project's report (a manager's)."""
    if not viewer.can("manage_project"):
        raise NarrativeRefused(_("Only the project's managers write the report's narrative."))
    text = text.strip()
    if len(text) > NARRATIVE_MAX_LENGTH:
        raise NarrativeRefused(
            _("The narrative can be %(n)d characters at most.") % {"n": NARRATIVE_MAX_LENGTH}
        )
    with transaction.atomic():
        narrative = (
            ReportNarrative.objects.select_for_update().filter(project_id=viewer.project_id).first()
        ) or ReportNarrative(project_id=viewer.project_id)
        created = narrative._state.adding
        narrative.text = text
        narrative.updated_at = clock.now()
        narrative.updated_by_id = viewer.user_id
        narrative.save()
        record_event(
            "report.narrative_edit",
            project_id=viewer.project_id,
            actor=viewer,
            object_type="reportnarrative",
            object_id=narrative.pk,
            fields=["text"],
            details={"created": created},
        )
    return narrative
