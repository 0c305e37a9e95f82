"""Where a project's data-protection checklists stand: the newest version of each, whether
all are complete and approved, and when they are next due for review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from responsemap.lib import clock
from responsemap.projects.checklists.models import ChecklistVersion
from responsemap.projects.checklists.questions import CHECKLISTS, Checklist
from responsemap.protection.viewer import ProjectId


def missing_answers(
    checklist: Checklist, answers: dict[str, str], notes: dict[str, str]
) -> list[str]:
    """The codes of the questions not answered yet; a "no" counts as answered only with a
    note that says what is done instead."""
    missing = []
    for question in checklist.questions:
        answer = answers.get(question.code)
        if answer not in ("yes", "no", "na") or (
            answer == "no" and not notes.get(question.code, "").strip()
        ):
            missing.append(question.code)
    return missing


def latest_versions(project_id: ProjectId) -> dict[str, ChecklistVersion]:
    """The newest saved version of each checklist of the project (one query)."""
    latest: dict[str, ChecklistVersion] = {}
    rows = ChecklistVersion.objects.filter(project_id=project_id).select_related(
        "saved_by", "approved_by"
    )
    for row in rows.order_by("checklist", "-version"):
        latest.setdefault(row.checklist, row)
    return latest


@dataclass(frozen=True)
class ChecklistState:
    checklist: Checklist
    latest: ChecklistVersion | None
    missing: int

    @property
    def complete(self) -> bool:
        return self.latest is not None and self.missing == 0

    @property
    def approved(self) -> bool:
        return self.complete and self.latest is not None and self.latest.approved_at is not None


def checklist_states(project_id: ProjectId) -> list[ChecklistState]:
    latest = latest_versions(project_id)
    states = []
    for checklist in CHECKLISTS:
        row = latest.get(checklist.code)
        missing = (
            len(missing_answers(checklist, row.answers, row.notes))
            if row
            else len(checklist.questions)
        )
        states.append(ChecklistState(checklist, row, missing))
    return states


def all_approved(project_id: ProjectId) -> bool:
    """Every checklist complete, and its newest version approved by the data controller."""
    return all(state.approved for state in checklist_states(project_id))


def review_due_at(project_id: ProjectId, interval_days: int) -> datetime | None:
    """When the checklists are next to be reviewed: the interval after the oldest of the
    latest approvals; None while any is not approved."""
    states = checklist_states(project_id)
    if not states or not all(state.approved for state in states):
        return None
    approvals = [s.latest.approved_at for s in states if s.latest and s.latest.approved_at]
    return min(approvals) + timedelta(days=interval_days)


def review_is_due(project_id: ProjectId, interval_days: int) -> bool:
    due = review_due_at(project_id, interval_days)
    return due is not None and due <= clock.now()
