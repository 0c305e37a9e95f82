"""Changes to a project's messages that another app's action makes, in its transaction.

A closed project's messages still queued are never sent: they say so ("Not sent: project
closed"). ``do_close_project`` runs ``mark_unsent`` through ``projects.hooks``
(registered in ``IntakeConfig.ready``), in its transaction, and its ``project.close``
event counts them; the send worker does the same to a message queued as it closed."""

from __future__ import annotations

from responsemap.intake.messages.models import OutboundMessage
from responsemap.protection.viewer import ProjectId

State = OutboundMessage.State


def mark_unsent(project_id: ProjectId) -> dict[str, object]:
    """Mark the project's queued messages (a retry waiting included); their number goes
    into the ``project.close`` event."""
    count = OutboundMessage.objects.filter(project_id=project_id, state=State.QUEUED).update(
        state=State.CLOSED, next_attempt_at=None
    )
    return {"unsent": count}
