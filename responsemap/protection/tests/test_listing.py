"""Listing events: one per page shown, naming its records; tampering is caught."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from responsemap.accounts.models import User
from responsemap.accounts.queries import viewer_for
from responsemap.projects.models import Project
from responsemap.protection.audit import event_details, events_for_object, record_event
from responsemap.protection.listing import listing_digest, record_listing, verify_listings
from responsemap.protection.models import AuditEvent, AuditListing
from responsemap.protection.present import present_many
from responsemap.protection.viewer import Viewer
from responsemap.testing_db import behind_the_apps_back
from responsemap.triage.models import Feedback

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(personas: dict[str, User], project: Project) -> Viewer:
    viewer = viewer_for(personas["officer"], project.pk)
    assert viewer is not None
    return viewer


def tamper(sql: str, params: list[Any]) -> None:
    """Write behind the application's back, as an attacker with the database would."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            behind_the_apps_back(cursor)  # the owner, triggers off
        cursor.execute(sql, params)


def test_a_page_is_one_event_naming_its_records(
    officer: Viewer, make_feedback: Callable[..., Feedback]
) -> None:
    records = [make_feedback(f"m{n}") for n in range(3)]
    shown = present_many(records, officer, "inbox")
    event = record_listing(officer, "feedback", shown, purpose="inbox", filters=["status"])
    stored = AuditEvent.objects.get(action="feedback.list")
    assert stored.seq == event.seq
    assert event_details([stored])[0].fields == ["status"]
    assert stored.purpose == "inbox"
    assert stored.actor_label == "officer"
    assert stored.object_id == listing_digest(("feedback", str(r.pk)) for r in records)
    listed = set(AuditListing.objects.values_list("event_id", "object_type", "object_id"))
    assert listed == {(stored.pk, "feedback", str(r.pk)) for r in records}
    for record in records:
        assert stored in events_for_object("feedback", record.pk)
    assert verify_listings() == []


def test_an_empty_page_is_still_logged(officer: Viewer) -> None:
    record_listing(officer, "feedback", [], purpose="inbox", filters=["q"])
    event = AuditEvent.objects.get(action="feedback.list")
    assert event_details([event])[0].fields == ["q"]
    assert not AuditListing.objects.exists()
    assert verify_listings() == []


@pytest.mark.parametrize(
    ("sql", "params"),
    [
        ("DELETE FROM protection_auditlisting WHERE object_id = %s", ["first"]),
        ("UPDATE protection_auditlisting SET object_id = %s WHERE object_id = %s", ["x", "first"]),
        (
            "INSERT INTO protection_auditlisting (event_id, object_type, object_id) "
            "SELECT event_id, 'feedback', 'added' FROM protection_auditlisting "
            "WHERE object_id = %s",
            ["first"],
        ),
    ],
    ids=["row removed", "row changed", "row added"],
)
def test_tampered_listing_rows_are_caught(
    officer: Viewer, make_feedback: Callable[..., Feedback], sql: str, params: list[str]
) -> None:
    shown = present_many([make_feedback("a"), make_feedback("b")], officer, "inbox")
    record_listing(officer, "feedback", shown, purpose="inbox")
    first = shown[0].id
    tamper(sql, [first if p == "first" else p for p in params])
    problems = verify_listings()
    assert len(problems) == 1
    assert "changed since written" in problems[0]
    with pytest.raises(CommandError):
        call_command("verify_audit", stdout=StringIO(), stderr=StringIO())


def test_rows_attached_to_another_event_are_caught(officer: Viewer) -> None:
    record_listing(officer, "feedback", [], purpose="inbox")
    record_event("feedback.view", project_id=uuid.uuid4(), object_type="feedback", object_id=1)
    other = AuditEvent.objects.get(action="feedback.view")
    tamper(
        "INSERT INTO protection_auditlisting (event_id, object_type, object_id) "
        "VALUES (%s, 'feedback', 'x')",
        [other.pk],
    )
    assert any("not a listing event" in p for p in verify_listings())


def test_the_inbox_logs_filters_used_never_what_was_searched(
    client_as: Callable[[str], Client], project: Project, make_feedback: Callable[..., Feedback]
) -> None:
    record = make_feedback("searched for")
    url = reverse("triage:inbox", args=[project.slug])
    response = client_as("officer").get(url, {"q": record.reference, "urgency": "normal"})
    assert record.reference in response.content.decode()
    event = AuditEvent.objects.get(action="feedback.list")
    assert event_details([event])[0].fields == ["q", "urgency"]
    assert record.reference not in str(event.__dict__)
    assert list(event.listed.values_list("object_id", flat=True)) == [str(record.pk)]
    trail = client_as("officer").get(reverse("triage:audit", args=[project.slug, record.pk]))
    assert "Shown in the inbox" in trail.content.decode()
    # Looking at the trail is logged too, naming the record and the events shown.
    trail_event = AuditEvent.objects.get(action="auditevent.list")
    named = set(trail_event.listed.values_list("object_type", flat=True))
    assert named == {"feedback", "auditevent"}


def test_the_import_list_is_logged(client_as: Callable[[str], Client], project: Project) -> None:
    response = client_as("operator").get(reverse("imports:index", args=[project.slug]))
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="importjob.list", purpose="imports").count() == 1
