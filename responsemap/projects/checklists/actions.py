"""Answering and approving a project's data-protection checklists. Every save is a new
version (nothing is edited in place); only the project's data controller approves, and
only the newest version, once it is complete."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from responsemap.accounts.queries import viewer_for
from responsemap.lib import clock
from responsemap.projects.checklists.models import ChecklistVersion
from responsemap.projects.checklists.queries import missing_answers, review_due_at
from responsemap.projects.checklists.questions import ANSWERS, CHECKLISTS, checklist
from responsemap.projects.models import Project
from responsemap.protection.audit import record_event
from responsemap.protection.viewer import Viewer

NOTE_MAX = 2000


class ChecklistRefused(ValueError):
    """The change can't be made; the message says why, in words."""


def do_save_checklist(
    project: Project,
    code: str,
    answers: Mapping[str, str],
    notes: Mapping[str, str],
    *,
    actor: Viewer,
) -> ChecklistVersion:
    """Save the answers to one checklist as its next version."""
    found = checklist(code)
    if found is None:
        raise ChecklistRefused(f"no checklist {code!r}")
    known = {q.code for q in found.questions}
    kept_answers = {k: v for k, v in answers.items() if k in known and v in ANSWERS}
    kept_notes = {k: v.strip()[:NOTE_MAX] for k, v in notes.items() if k in known and v.strip()}
    for attempt in range(3):
        try:
            with transaction.atomic():
                newest = ChecklistVersion.objects.filter(project=project, checklist=code).aggregate(
                    n=Max("version")
                )["n"]
                row = ChecklistVersion.objects.create(
                    project=project,
                    checklist=code,
                    version=(newest or 0) + 1,
                    answers=kept_answers,
                    notes=kept_notes,
                    saved_by_id=actor.user_id,
                    saved_at=clock.now(),
                )
                record_event(
                    "checklist.save",
                    project_id=project.pk,
                    actor=actor,
                    object_type="checklist",
                    object_id=f"{code}:{row.version}",
                    fields=sorted(kept_answers),
                )
            return row
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def do_approve_checklist(project: Project, code: str, version: int, *, actor: Viewer) -> None:
    """The data controller approves the newest version of a complete checklist."""
    if project.data_controller_id is None or project.data_controller_id != actor.user_id:
        raise ChecklistRefused("only the project's data controller approves its checklists")
    found = checklist(code)
    if found is None:
        raise ChecklistRefused(f"no checklist {code!r}")
    with transaction.atomic():
        row = (
            ChecklistVersion.objects.select_for_update()
            .filter(project=project, checklist=code)
            .order_by("-version")
            .first()
        )
        if row is None or row.version != version:
            raise ChecklistRefused("a newer version was saved since: read it again first")
        if missing_answers(found, row.answers, row.notes):
            raise ChecklistRefused("every question needs an answer (and a note for each No)")
        if row.approved_at is not None:
            return
        ChecklistVersion.objects.filter(pk=row.pk).update(
            approved_by_id=actor.user_id, approved_at=clock.now()
        )
        due = review_due_at(project.pk, project.review_interval_days)
        review_due_on = timezone.localdate(due) if due else None
        Project.objects.filter(pk=project.pk).update(review_due_on=review_due_on)
        project.review_due_on = review_due_on
        record_event(
            "checklist.approve",
            project_id=project.pk,
            actor=actor,
            object_type="checklist",
            object_id=f"{code}:{row.version}",
        )


def complete_checklists(project: Project, controller: Any) -> None:
    """Answer every checklist "yes" and approve it as ``controller`` (the project's data
    controller and a member): the demo project, and tests that need an active project
    the way a real one becomes active."""
    actor = viewer_for(controller, project.pk)
    if actor is None:
        raise ChecklistRefused("the data controller must be a member of the project")
    for found in CHECKLISTS:
        answers = {question.code: "yes" for question in found.questions}
        row = do_save_checklist(project, found.code, answers, {}, actor=actor)
        do_approve_checklist(project, found.code, row.version, actor=actor)
