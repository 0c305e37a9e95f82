"""Assigning a record to a team (issue 10, point 4): with or without a person, a record
can be a team's. The team must be one of the record's project; whoever may edit the record
may assign it. Audited like a person's assignment (``feedback.assign``, naming ``team``)."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from responsemap.accounts.queries import teams_of
from responsemap.protection.audit import record_event
from responsemap.protection.viewer import Viewer
from responsemap.triage.actions import WorkflowRefused, do_change_status
from responsemap.triage.choices import Status
from responsemap.triage.models import Feedback
from responsemap.triage.queries import access_feedback


def assignable_teams(project_id: uuid.UUID | str) -> list[tuple[int, str]]:
    """The project's teams: (id, name)."""
    return list(teams_of(project_id).values_list("pk", "name"))


def do_assign_team(viewer: Viewer, feedback_id: object, team_id: int | None) -> Feedback:
    """Give a record to one of its project's teams (None: to no team). A new or triaged
    record moves to assigned, race-safe as in ``do_change_status`` (if someone moved it
    meanwhile, nothing is saved and the person is told)."""
    record = access_feedback(viewer, feedback_id, write=True)
    if team_id is not None and team_id not in dict(assignable_teams(record.project_id)):
        raise WorkflowRefused(_("That team is not one of this project's."))
    if team_id == record.team_id:
        return record
    with transaction.atomic():
        Feedback.objects.filter(pk=record.pk).update(team_id=team_id, updated_at=timezone.now())
        record_event(
            "feedback.assign",
            project_id=record.project_id,
            actor=viewer,
            object_type="feedback",
            object_id=record.pk,
            fields=["team"],
        )
        if team_id is not None and record.status in (Status.NEW, Status.TRIAGED):
            do_change_status(viewer, record.pk, Status.ASSIGNED, expected=record.status)
    record.team_id = team_id
    return record
