"""``{% unread_alerts viewer as n %}``: the viewer's unread notifications, for the nav
(``triage/alerts/nav.html``). One count query, on the person's own rows."""

from __future__ import annotations

from django import template

from responsemap.protection.viewer import Viewer
from responsemap.triage.alerts.queries import unread_count

register = template.Library()


@register.simple_tag
def unread_alerts(viewer: Viewer | None) -> int:
    if viewer is None or not viewer.can("view_feedback"):
        return 0
    return unread_count(viewer)
