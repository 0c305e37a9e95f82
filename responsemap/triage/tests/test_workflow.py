"""Issue 10, point 4 (first slice): the status workflow, assignment and sealed notes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.http import Http404
from django.test import Client
from django.urls import reverse

from responsemap.accounts.models import User
from responsemap.accounts.queries import viewer_for
from responsemap.projects.models import Project
from responsemap.protection.audit import with_details
from responsemap.protection.keyring import crypto_shred_project
from responsemap.protection.models import AuditEvent
from responsemap.protection.present import present_many
from responsemap.protection.viewer import Viewer
from responsemap.testing_db import pg_dump, sqlite_files
from responsemap.triage.actions import (
    WorkflowRefused,
    do_add_note,
    do_assign,
    do_change_status,
)
from responsemap.triage.choices import Sensitivity, Status
from responsemap.triage.models import Feedback, Note
from responsemap.triage.workflow import MOVES

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]
NOTE = "Visited the Zebulon household at the water point on Tuesday"


def as_viewer(personas: dict[str, User], persona: str, project: Project) -> Viewer:
    viewer = viewer_for(personas[persona], project.pk)
    assert viewer is not None
    return viewer


def events(record: Feedback, action: str) -> list[AuditEvent]:
    rows = AuditEvent.objects.filter(object_id=str(record.pk), action=action).order_by("seq")
    return with_details(rows)


def test_the_whole_workflow_and_reopen(
    personas: dict[str, User], project: Project, make_feedback: Callable[..., Feedback]
) -> None:
    officer = as_viewer(personas, "officer", project)
    record = make_feedback()
    path = ["triaged", "assigned", "in_progress", "referred", "answered", "closed", "in_progress"]
    for status in path:
        do_change_status(officer, record.pk, status, reason="moving on")
    record.refresh_from_db()
    assert record.status == Status.IN_PROGRESS
    moves = events(record, "feedback.change_status")
    assert [e.purpose for e in moves] == [
        f"{a}>{b}" for a, b in zip(["new", *path], path, strict=False)
    ]
    assert all(e.fields == ["status"] and e.reason == "moving on" for e in moves)


def test_a_move_not_in_the_table_is_refused_in_words(
    personas: dict[str, User], project: Project, make_feedback: Callable[..., Feedback]
) -> None:
    officer = as_viewer(personas, "officer", project)
    record = make_feedback()
    assert "answered" not in MOVES["new"]
    with pytest.raises(WorkflowRefused, match="“New” can't be moved to “Answered”"):
        do_change_status(officer, record.pk, "answered")
    with pytest.raises(WorkflowRefused):
        do_change_status(officer, record.pk, "no-such-status")
    record.refresh_from_db()
    assert record.status == Status.NEW
    assert not events(record, "feedback.change_status")


def test_two_officers_at_once_one_wins_the_other_is_told(
    personas: dict[str, User], project: Project, make_feedback: Callable[..., Feedback]
) -> None:
    """Both saw the record as new; the second's ``UPDATE … WHERE status = 'new'`` finds
    it no longer new."""
    officer = as_viewer(personas, "officer", project)
    manager = as_viewer(personas, "manager", project)
    record = make_feedback()
    do_change_status(officer, record.pk, "triaged", expected="new")
    with pytest.raises(WorkflowRefused, match="Someone else changed"):
        do_change_status(manager, record.pk, "closed", expected="new")
    record.refresh_from_db()
    assert record.status == Status.TRIAGED
    assert len(events(record, "feedback.change_status")) == 1


@pytest.mark.parametrize("persona", ["operator", "partner", "donor"])
def test_roles_without_edit_feedback_cannot_change_assign_or_note(
    personas: dict[str, User],
    project: Project,
    make_feedback: Callable[..., Feedback],
    persona: str,
) -> None:
    record = make_feedback()
    viewer = as_viewer(personas, persona, project)
    officer_id = personas["officer"].pk
    for act in (
        lambda: do_change_status(viewer, record.pk, "triaged"),
        lambda: do_assign(viewer, record.pk, officer_id),
        lambda: do_add_note(viewer, record.pk, NOTE),
    ):
        with pytest.raises(Http404):
            act()
    record.refresh_from_db()
    assert (record.status, record.assignee_id) == (Status.NEW, None)
    assert not Note.objects.exists()


def test_viewing_is_not_enough_an_operator_given_view_feedback_still_cannot(
    personas: dict[str, User], project: Project, make_feedback: Callable[..., Feedback]
) -> None:
    record = make_feedback()
    viewer = as_viewer(personas, "operator", project)
    viewer = Viewer(**{**viewer.__dict__, "permissions": frozenset({"view_feedback"})})
    with pytest.raises(Http404):
        do_change_status(viewer, record.pk, "triaged")


def test_an_outsider_cannot_touch_another_projects_record(
    personas: dict[str, User],
    other_project: Project,
    make_feedback: Callable[..., Feedback],
) -> None:
    record = make_feedback()
    outsider = as_viewer(personas, "outsider", other_project)
    with pytest.raises(Http404):
        do_change_status(outsider, record.pk, "triaged")
    with pytest.raises(Http404):
        do_add_note(outsider, record.pk, NOTE)


def test_a_sensitive_record_only_for_protection_roles(
    personas: dict[str, User], project: Project, make_feedback: Callable[..., Feedback]
) -> None:
    record = make_feedback(sensitivity=Sensitivity.SENSITIVE)
    with pytest.raises(Http404):
        do_change_status(as_viewer(personas, "officer", project), record.pk, "triaged")
    do_change_status(as_viewer(personas, "protection", project), record.pk, "triaged")


def test_assign_to_a_member_who_may_edit_moves_new_to_assigned(
    personas: dict[str, User], project: Project, make_feedback: Callable[..., Feedback]
) -> None:
    manager = as_viewer(personas, "manager", project)
    record = make_feedback()
    do_assign(manager, record.pk, personas["officer"].pk)
    record.refresh_from_db()
    assert (record.status, record.assignee_id) == (Status.ASSIGNED, personas["officer"].pk)
    (assigned,) = events(record, "feedback.assign")
    assert assigned.fields == ["assignee"]
    for person in ("partner", "outsider", "operator"):
        with pytest.raises(WorkflowRefused, match="not a member"):
            do_assign(manager, record.pk, personas[person].pk)
    do_assign(manager, record.pk, None)
    record.refresh_from_db()
    assert (record.status, record.assignee_id) == (Status.ASSIGNED, None)


@pytest.mark.django_db(transaction=True)
def test_a_note_is_sealed_on_disk_and_shown_on_the_record(
    personas: dict[str, User],
    project: Project,
    make_feedback: Callable[..., Feedback],
    client_as: ClientFor,
) -> None:
    record = make_feedback()
    do_add_note(as_viewer(personas, "officer", project), record.pk, NOTE)
    (event,) = events(record, "note.create")
    assert event.fields == ["notes.text"]
    assert NOTE not in str(event.__dict__)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(FULL)")
        blobs = sqlite_files(connection.settings_dict["NAME"])
    else:
        blobs = [pg_dump()]
    assert blobs
    assert all(b"Zebulon" not in blob for blob in blobs)
    # The manager, who may not reveal message text, sees the note without a reveal.
    page = client_as("manager").get(reverse("triage:detail", args=[project.slug, record.pk]))
    text = page.content.decode()
    assert NOTE in text
    assert 'dir="auto">' + NOTE in text
    assert "officer" in text


def test_the_record_page_works_the_record_with_post_redirect_get(
    personas: dict[str, User],
    project: Project,
    make_feedback: Callable[..., Feedback],
    client_as: ClientFor,
) -> None:
    record = make_feedback()
    client = client_as("officer")
    detail = reverse("triage:detail", args=[project.slug, record.pk])
    page = client.get(detail).content.decode()
    assert "Work on this record" in page
    assert 'value="triaged"' in page
    assert 'value="answered"' not in page  # only the moves allowed from new
    url = reverse("triage:change_status", args=[project.slug, record.pk])
    response = client.post(url, {"from_status": "new", "to_status": "triaged", "why": "checked"})
    assert response.status_code == 302
    assert response["Location"] == detail
    # A second tab still showing "new": refused in words, nothing changed.
    stale = client.post(url, {"from_status": "new", "to_status": "closed"}, follow=True)
    assert "Someone else changed this record" in stale.content.decode()
    response = client.post(url, {"to_status": "closed_forever"}, follow=True)
    assert "That status change is not possible" in response.content.decode()
    url = reverse("triage:assign", args=[project.slug, record.pk])
    assert client.post(url, {"assignee": personas["manager"].pk}).status_code == 302
    url = reverse("triage:add_note", args=[project.slug, record.pk])
    response = client.post(url, {"text": "   "}, follow=True)
    assert "The note was not saved" in response.content.decode()
    record.refresh_from_db()
    assert (record.status, record.assignee_id) == (Status.ASSIGNED, personas["manager"].pk)
    trail = client.get(reverse("triage:audit", args=[project.slug, record.pk])).content.decode()
    assert "Status changed" in trail
    assert "Assigned" in trail
    assert "Status" in trail


@pytest.mark.parametrize("persona", ["outsider", "partner", "donor", "operator"])
def test_the_work_urls_are_404_for_those_who_may_not(
    personas: dict[str, User],
    project: Project,
    make_feedback: Callable[..., Feedback],
    client_as: ClientFor,
    persona: str,
) -> None:
    record = make_feedback()
    client = client_as(persona)
    before = AuditEvent.objects.count()
    for name, data in (
        ("triage:change_status", {"to_status": "triaged"}),
        ("triage:assign", {"assignee": personas["officer"].pk}),
        ("triage:add_note", {"text": NOTE}),
    ):
        response = client.post(reverse(name, args=[project.slug, record.pk]), data)
        assert response.status_code == 404
    assert AuditEvent.objects.count() == before
    assert not Note.objects.exists()


def test_a_note_of_a_destroyed_project_is_unreadable(
    personas: dict[str, User], project: Project, make_feedback: Callable[..., Feedback]
) -> None:
    record = make_feedback()
    officer = as_viewer(personas, "officer", project)
    do_add_note(officer, record.pk, NOTE)
    crypto_shred_project(project.pk)
    (shown,) = present_many(list(Note.objects.filter(feedback=record)), officer, "test")
    assert shown["text"].masked
    assert NOTE not in str(shown["text"].value)
