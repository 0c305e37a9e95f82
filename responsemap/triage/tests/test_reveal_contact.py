"""A contact revealed from a record is on that record's audit trail, and still on the
contact's own (issue 9, point 6)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from responsemap.projects.models import Project
from responsemap.protection.audit import event_details, events_for_object
from responsemap.protection.models import AuditEvent
from responsemap.testing import PASSWORD
from responsemap.triage.models import Feedback

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]


def test_a_contact_revealed_from_a_record_is_on_the_records_trail_in_words(
    client_as: ClientFor, project: Project, make_feedback: Callable[..., Feedback]
) -> None:
    record = make_feedback("call me back", phone="+509 3712 3456", consent_given=True)
    other = make_feedback("same person, another day", phone="+509 3712 3456", consent_given=True)
    assert other.contact_id == record.contact_id
    client = client_as("protection")
    response = client.post(
        reverse("triage:reveal", args=[project.slug, record.pk]),
        {"field": "contact", "reason": "call back the person", "password": PASSWORD},
    )
    assert "+50937123456" in response.content.decode()

    trail = client.get(reverse("triage:audit", args=[project.slug, record.pk])).content.decode()
    assert (
        "Revealed the contact’s details" in trail or "Revealed the contact&#x27;s details" in trail
    )
    assert "Phone number" in trail
    assert "call back the person" in trail
    assert "feedback.reveal_contact" not in trail  # words, never the code
    assert "+50937123456" not in trail

    # On this record's trail only: the other record of the same person was not opened.
    assert not events_for_object("feedback", other.pk).filter(action="feedback.reveal_contact")

    # And still on the contact's own trail, naming the contact's fields.
    on_contact = list(events_for_object("contact", record.contact_id).filter(action="field.reveal"))
    assert [sorted(d.fields) for d in event_details(on_contact)] == [["name", "phone"]]


def test_a_refused_contact_reveal_leaves_no_reveal_on_the_record(
    client_as: ClientFor, project: Project, make_feedback: Callable[..., Feedback]
) -> None:
    record = make_feedback("call me back", phone="+509 3712 3456", consent_given=True)
    client_as("officer").post(
        reverse("triage:reveal", args=[project.slug, record.pk]),
        {"field": "contact", "reason": "curious", "password": PASSWORD},
    )
    assert not AuditEvent.objects.filter(action="feedback.reveal_contact").exists()
    assert not AuditEvent.objects.filter(action="field.reveal").exists()
