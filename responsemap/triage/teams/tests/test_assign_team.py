"""Issue 10, point 4: a record assigned to a team, with or without a person."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.http import Http404
from django.test import Client
from django.urls import reverse

from responsemap.accounts.actions import do_create_team
from responsemap.accounts.models import Team, User
from responsemap.accounts.queries import viewer_for
from responsemap.projects.models import Project
from responsemap.protection.audit import with_details
from responsemap.protection.models import AuditEvent
from responsemap.protection.viewer import Viewer
from responsemap.triage.actions import WorkflowRefused, do_assign
from responsemap.triage.choices import Sensitivity, Status
from responsemap.triage.models import Feedback
from responsemap.triage.teams.actions import do_assign_team

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]
EDITORS = ["officer", "protection", "manager"]
NOT_EDITORS = ["operator", "partner", "donor", "outsider"]


def as_viewer(personas: dict[str, User], persona: str, project: Project) -> Viewer:
    viewer = viewer_for(personas[persona], project.pk)
    assert viewer is not None
    return viewer


@pytest.fixture
def team(personas: dict[str, User], project: Project) -> Team:
    return do_create_team(
        project_id=project.pk, name="Water desk", actor=as_viewer(personas, "manager", project)
    )


def assignments(record: Feedback) -> list[AuditEvent]:
    rows = AuditEvent.objects.filter(object_id=str(record.pk), action="feedback.assign")
    return with_details(rows.order_by("seq"))


def test_a_team_and_a_person_together_and_apart(
    personas: dict[str, User], project: Project, team: Team, make_feedback: Callable[..., Feedback]
) -> None:
    officer = as_viewer(personas, "officer", project)
    record = make_feedback()
    do_assign_team(officer, record.pk, team.pk)
    record.refresh_from_db()
    assert record.team_id == team.pk
    assert record.assignee_id is None
    assert record.status == Status.ASSIGNED  # new -> assigned, as for a person
    do_assign(officer, record.pk, personas["protection"].pk)
    record.refresh_from_db()
    assert record.team_id == team.pk
    assert record.assignee_id == personas["protection"].pk
    do_assign_team(officer, record.pk, None)
    record.refresh_from_db()
    assert record.team_id is None
    assert record.assignee_id == personas["protection"].pk
    assert [e.fields for e in assignments(record)] == [["team"], ["assignee"], ["team"]]


def test_the_same_team_again_changes_nothing(
    personas: dict[str, User], project: Project, team: Team, make_feedback: Callable[..., Feedback]
) -> None:
    officer = as_viewer(personas, "officer", project)
    record = make_feedback()
    do_assign_team(officer, record.pk, team.pk)
    do_assign_team(officer, record.pk, team.pk)
    assert len(assignments(record)) == 1


def test_another_projects_team_is_refused(
    personas: dict[str, User],
    project: Project,
    other_project: Project,
    make_feedback: Callable[..., Feedback],
) -> None:
    theirs = do_create_team(
        project_id=other_project.pk,
        name="Theirs",
        actor=Viewer(
            user_id=None,
            label="test",
            role="manager",
            project_id=other_project.pk,
            permissions=frozenset({"manage_project"}),
        ),
    )
    officer = as_viewer(personas, "officer", project)
    record = make_feedback()
    with pytest.raises(WorkflowRefused):
        do_assign_team(officer, record.pk, theirs.pk)
    record.refresh_from_db()
    assert record.team_id is None
    assert record.status == Status.NEW
    assert assignments(record) == []


@pytest.mark.parametrize("persona", NOT_EDITORS)
def test_who_may_not_edit_gets_404_and_nothing_changes(
    personas: dict[str, User],
    project: Project,
    other_project: Project,
    team: Team,
    make_feedback: Callable[..., Feedback],
    persona: str,
) -> None:
    where = other_project if persona == "outsider" else project
    viewer = as_viewer(personas, persona, where)
    record = make_feedback()
    with pytest.raises(Http404):
        do_assign_team(viewer, record.pk, team.pk)
    record.refresh_from_db()
    assert record.team_id is None
    assert assignments(record) == []


def test_a_sensitive_record_only_for_who_sees_them(
    personas: dict[str, User], project: Project, team: Team, make_feedback: Callable[..., Feedback]
) -> None:
    record = make_feedback(sensitivity=Sensitivity.SENSITIVE)
    with pytest.raises(Http404):
        do_assign_team(as_viewer(personas, "officer", project), record.pk, team.pk)
    do_assign_team(as_viewer(personas, "protection", project), record.pk, team.pk)
    record.refresh_from_db()
    assert record.team_id == team.pk


@pytest.mark.parametrize("persona", [*EDITORS, *NOT_EDITORS])
def test_the_record_page_offers_teams_to_who_may_edit(
    client_as: ClientFor,
    project: Project,
    team: Team,
    make_feedback: Callable[..., Feedback],
    persona: str,
) -> None:
    record = make_feedback()
    client = client_as(persona)
    page = client.get(reverse("triage:detail", args=[project.slug, record.pk]))
    url = reverse("triage:teams:assign", args=[project.slug, record.pk])
    response = client.post(url, {"team": team.pk})
    record.refresh_from_db()
    if persona in EDITORS:
        assert url in page.content.decode()
        assert "Water desk" in page.content.decode()
        assert response.status_code == 302
        assert record.team_id == team.pk
        after = client.get(reverse("triage:detail", args=[project.slug, record.pk]))
        assert "Saved." in after.content.decode()
    else:
        assert url not in page.content.decode()
        assert response.status_code == 404
        assert record.team_id is None
        assert assignments(record) == []


def test_a_refusal_is_shown_in_words(
    client_as: ClientFor, project: Project, team: Team, make_feedback: Callable[..., Feedback]
) -> None:
    record = make_feedback()
    client = client_as("officer")
    url = reverse("triage:teams:assign", args=[project.slug, record.pk])
    response = client.post(url, {"team": "999999"}, follow=True)
    assert "can&#x27;t be assigned" in response.content.decode()
    record.refresh_from_db()
    assert record.team_id is None


def test_no_team_form_without_teams(
    client_as: ClientFor, project: Project, make_feedback: Callable[..., Feedback]
) -> None:
    record = make_feedback()
    page = client_as("officer").get(reverse("triage:detail", args=[project.slug, record.pk]))
    assert (
        reverse("triage:teams:assign", args=[project.slug, record.pk]) not in page.content.decode()
    )
