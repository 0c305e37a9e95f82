"""Issue 10, point 10: verification status, sources, sealed triangulation notes and the
social media checklist."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.http import Http404

from responsemap.accounts.models import User
from responsemap.accounts.queries import viewer_for
from responsemap.projects.models import Project
from responsemap.protection.audit import with_details
from responsemap.protection.models import AuditEvent
from responsemap.protection.present import present
from responsemap.protection.viewer import Viewer
from responsemap.testing_db import pg_dump, sqlite_files
from responsemap.triage.models import Feedback
from responsemap.triage.verification.actions import (
    VerificationRefused,
    do_check_item,
    do_verify_feedback,
)
from responsemap.triage.verification.models import Verification, VerificationCheck

pytestmark = pytest.mark.django_db
Make = Callable[..., Feedback]
NOTES = "Called the Wexford site lead, who confirmed the queue"


def as_viewer(personas: dict[str, User], persona: str, project: Project) -> Viewer:
    viewer = viewer_for(personas[persona], project.pk)
    assert viewer is not None
    return viewer


def test_verify_sets_status_sources_and_sealed_notes(
    personas: dict[str, User], project: Project, make_feedback: Make
) -> None:
    officer = as_viewer(personas, "officer", project)
    record = make_feedback("Queue at the distribution")
    do_verify_feedback(officer, record.pk, "verified", 3, NOTES)
    do_verify_feedback(officer, record.pk, "false", 4)  # an empty note keeps the one there
    row = Verification.objects.get(feedback=record)
    assert (row.status, row.sources_count) == ("false", 4)
    shown = present(row, officer, "test")
    assert shown["notes"].value == NOTES
    assert shown["status"].value == "False"
    events = AuditEvent.objects.filter(action="feedback.verify", object_id=str(record.pk))
    assert [e.purpose for e in events.order_by("seq")] == ["verified", "false"]
    assert set(with_details(events.order_by("seq"))[0].fields) == {
        "verification.status",
        "verification.sources_count",
        "verification.notes",
    }
    with pytest.raises(VerificationRefused):
        do_verify_feedback(officer, record.pk, "maybe", 1)
    with pytest.raises(VerificationRefused):
        do_verify_feedback(officer, record.pk, "verified", -1)


def test_the_checklist_is_for_social_media_items(
    personas: dict[str, User], project: Project, make_feedback: Make
) -> None:
    officer = as_viewer(personas, "officer", project)
    post = make_feedback("Video of the bridge", source="social")
    for item in ("provenance", "source", "date", "location", "consistency"):
        do_check_item(officer, post.pk, item, True, f"{item} checked")
    do_check_item(officer, post.pk, "date", False, "")
    checks = dict(VerificationCheck.objects.filter(feedback=post).values_list("item", "ticked"))
    assert checks == {
        "provenance": True,
        "source": True,
        "date": False,
        "location": True,
        "consistency": True,
    }
    assert AuditEvent.objects.filter(action="verification.check").count() == 6
    sms = make_feedback("Not from social media")
    with pytest.raises(VerificationRefused):
        do_check_item(officer, sms.pk, "source", True)
    with pytest.raises(VerificationRefused):
        do_check_item(officer, post.pk, "horoscope", True)


@pytest.mark.parametrize("persona", ["operator", "partner", "donor"])
def test_roles_that_may_not_edit_change_nothing(
    persona: str, personas: dict[str, User], project: Project, make_feedback: Make
) -> None:
    viewer = as_viewer(personas, persona, project)
    post = make_feedback("Video", source="social")
    before = AuditEvent.objects.count()
    with pytest.raises(Http404):
        do_verify_feedback(viewer, post.pk, "verified", 1, NOTES)
    with pytest.raises(Http404):
        do_check_item(viewer, post.pk, "source", True, NOTES)
    assert AuditEvent.objects.count() == before
    assert not Verification.objects.exists()
    assert not VerificationCheck.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_notes_are_not_in_the_database_in_clear(
    personas: dict[str, User], project: Project, make_feedback: Make
) -> None:
    officer = as_viewer(personas, "officer", project)
    post = make_feedback("Video", source="social")
    do_verify_feedback(officer, post.pk, "verified", 2, NOTES)
    do_check_item(officer, post.pk, "location", True, "Matched the Wexford water tower")
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(FULL)")
        blobs = sqlite_files(connection.settings_dict["NAME"])
    else:
        blobs = [pg_dump()]
    for blob in blobs:
        assert b"Wexford" not in blob
