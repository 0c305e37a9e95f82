"""Reads of a project's messages for other apps' screens."""

from __future__ import annotations

from responsemap.intake.messages.models import OutboundMessage
from responsemap.protection.viewer import ProjectId

State = OutboundMessage.State


def unsent_at_closure(project_id: ProjectId) -> dict[str, int]:
    """How many of a closed project's messages were not sent because it closed."""
    count = OutboundMessage.objects.filter(project_id=project_id, state=State.CLOSED).count()
    return {"unsent": count}
