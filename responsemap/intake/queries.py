from __future__ import annotations

import uuid

from responsemap.intake.models import Channel, ConsentNotice
from responsemap.protection.viewer import ProjectId


def channel_for_webhook(channel_id: str) -> Channel | None:
    """The active channel behind an inbound URL (a provider, not a person, is asking)."""
    try:
        key = uuid.UUID(channel_id)
    except ValueError:
        return None
    return (
        Channel.objects.select_related("project")
        .filter(pk=key, is_active=True, project__status__in=["design", "active"])
        .first()
    )


def consent_notices_of(project_id: ProjectId) -> list[ConsentNotice]:
    """Every version of the project's consent notices, newest first per language."""
    return list(
        ConsentNotice.objects.filter(project_id=project_id).order_by("language", "-version")
    )
