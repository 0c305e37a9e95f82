"""The lifecycle actions: activation needs every checklist approved by the data
controller; closing is once, audited, and names who approved it."""

from __future__ import annotations

from typing import Any

import pytest

from responsemap.accounts.models import User
from responsemap.accounts.queries import viewer_for
from responsemap.projects.checklists.actions import (
    ChecklistRefused,
    do_approve_checklist,
    do_save_checklist,
)
from responsemap.projects.checklists.queries import all_approved, checklist_states
from responsemap.projects.checklists.questions import CHECKLISTS
from responsemap.projects.lifecycle.actions import (
    LifecycleRefused,
    do_activate_project,
    do_close_project,
)
from responsemap.projects.models import Project
from responsemap.protection.models import AuditEvent
from responsemap.protection.viewer import Viewer

pytestmark = pytest.mark.django_db


def viewer(user: User, project: Project) -> Viewer:
    found = viewer_for(user, project.pk)
    assert found is not None
    return found


def answer_all(project: Project, actor: Viewer) -> None:
    for checklist in CHECKLISTS:
        do_save_checklist(
            project,
            checklist.code,
            {q.code: "yes" for q in checklist.questions},
            {},
            actor=actor,
        )


def approve_all(project: Project, actor: Viewer) -> None:
    for state in checklist_states(project.pk):
        assert state.latest is not None
        do_approve_checklist(project, state.checklist.code, state.latest.version, actor=actor)


@pytest.fixture
def designing(project: Project, personas: dict[str, User]) -> Project:
    Project.objects.filter(pk=project.pk).update(
        status=Project.Status.DESIGN, data_controller=personas["manager"]
    )
    project.refresh_from_db()
    return project


def test_activation_waits_for_every_checklist_approved(
    designing: Project, personas: dict[str, User]
) -> None:
    manager = viewer(personas["manager"], designing)
    with pytest.raises(LifecycleRefused):
        do_activate_project(designing, actor=manager)
    answer_all(designing, manager)
    with pytest.raises(LifecycleRefused):
        do_activate_project(designing, actor=manager)
    approve_all(designing, manager)
    assert all_approved(designing.pk)
    assert do_activate_project(designing, actor=manager)
    designing.refresh_from_db()
    assert designing.status == Project.Status.ACTIVE
    assert designing.activated_at is not None
    assert AuditEvent.objects.filter(project_id=designing.pk, action="project.activate").exists()


def test_a_new_version_needs_approval_again(designing: Project, personas: dict[str, User]) -> None:
    manager = viewer(personas["manager"], designing)
    answer_all(designing, manager)
    approve_all(designing, manager)
    first = CHECKLISTS[0]
    row = do_save_checklist(
        designing, first.code, {q.code: "yes" for q in first.questions}, {}, actor=manager
    )
    assert row.version == 2
    assert not all_approved(designing.pk)


def test_only_the_data_controller_approves(designing: Project, personas: dict[str, User]) -> None:
    manager = viewer(personas["manager"], designing)
    officer = viewer(personas["officer"], designing)
    answer_all(designing, manager)
    before = AuditEvent.objects.count()
    with pytest.raises(ChecklistRefused):
        do_approve_checklist(designing, CHECKLISTS[0].code, 1, actor=officer)
    assert AuditEvent.objects.count() == before
    assert not any(state.approved for state in checklist_states(designing.pk))


def test_a_no_needs_a_note(designing: Project, personas: dict[str, User]) -> None:
    manager = viewer(personas["manager"], designing)
    first = CHECKLISTS[0]
    answers = {q.code: "yes" for q in first.questions} | {first.questions[0].code: "no"}
    do_save_checklist(designing, first.code, answers, {}, actor=manager)
    with pytest.raises(ChecklistRefused):
        do_approve_checklist(designing, first.code, 1, actor=manager)
    do_save_checklist(
        designing, first.code, answers, {first.questions[0].code: "Done otherwise"}, actor=manager
    )
    do_approve_checklist(designing, first.code, 2, actor=manager)


def test_closing_is_once_and_audited(project: Project, personas: dict[str, Any]) -> None:
    assert do_close_project(project, actor=None, approver="Operator on duty", reason="ended")
    assert not do_close_project(project, actor=None, approver="Operator on duty")
    project.refresh_from_db()
    assert project.status == Project.Status.CLOSED
    assert project.closed_at is not None
    assert AuditEvent.objects.filter(project_id=project.pk, action="project.close").count() == 1


def test_closing_needs_an_approver(project: Project) -> None:
    with pytest.raises(LifecycleRefused):
        do_close_project(project, actor=None)
    project.refresh_from_db()
    assert project.status == Project.Status.ACTIVE
