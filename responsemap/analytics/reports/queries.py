"""Loading a project's report narrative for a person (chokepoint 1): whoever may read
the project's report (``may_read_report``)."""

from __future__ import annotations

from responsemap.analytics import queries
from responsemap.analytics.reports.models import ReportNarrative
from responsemap.projects.sharing.queries import partner_of
from responsemap.protection.viewer import Viewer


def may_read_report(viewer: Viewer) -> bool:
    """Anyone who sees the project's dashboards, and a partner's users."""
    return queries.may_see_dashboard(viewer) or partner_of(viewer) is not None


def narrative_for(viewer: Viewer) -> ReportNarrative | None:
    if not may_read_report(viewer):
        return None
    return ReportNarrative.objects.filter(project_id=viewer.project_id).first()
