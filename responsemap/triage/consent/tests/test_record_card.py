"""The record page's consent card: who sees a person's consents (present()-ed), who may
record a consent or a withdrawal for one purpose, and what a withdrawal stops."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from responsemap.intake.channels.models import Channel
from responsemap.intake.contacts.actions import do_record_consent
from responsemap.intake.contacts.models import ConsentNotice, ConsentRecord, Contact
from responsemap.intake.messages.models import OutboundMessage
from responsemap.intake.messages.send import do_queue_outbound, is_refused
from responsemap.projects.models import Project
from responsemap.protection.models import AuditEvent
from responsemap.protection.viewer import Viewer
from responsemap.triage.models import Feedback
from responsemap.triage.replies.routing import ReplyRefused, check_may_contact

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]
WITNESS = "Josué Pierre"

# persona → (sees the card, may record)
MATRIX = {
    "operator": (False, False),
    "officer": (True, True),
    "protection": (True, True),
    "manager": (True, True),
    "partner": (False, False),
    "donor": (False, False),
    "sysadmin": (False, False),
    "outsider": (False, False),
}


def detail(project: Project, record: Feedback) -> str:
    return reverse("triage:detail", args=[project.slug, record.pk])


def record_url(project: Project, record: Feedback) -> str:
    return reverse("triage:record_consent", args=[project.slug, record.pk])


def agree(**overrides: str) -> dict[str, str]:
    data = {
        "purpose": "follow_up_surveys",
        "answer": "agree",
        "consent_kind": "verbal",
        "witness_name": WITNESS,
    }
    data.update(overrides)
    return data


def snapshot(project: Project) -> tuple[int, int]:
    return (
        ConsentRecord.objects.count(),
        AuditEvent.objects.filter(
            project_id=project.pk, action__startswith="feedback.consent"
        ).count(),
    )


@pytest.mark.parametrize(("persona", "expected"), MATRIX.items())
def test_who_sees_the_card_and_its_form(
    client_as: ClientFor,
    project: Project,
    caller_record: Feedback,
    notice: ConsentNotice,
    persona: str,
    expected: tuple[bool, bool],
) -> None:
    sees, may_record = expected
    response = client_as(persona).get(detail(project, caller_record))
    assert response.status_code == (200 if sees else 404)
    html = response.content.decode()
    assert ('id="consent-standing"' in html) is sees
    assert (record_url(project, caller_record) in html) is may_record
    if sees:
        assert "Being answered" in html
        listing = AuditEvent.objects.filter(action="consentrecord.list").latest("seq")
        assert listing.listed.count() == 1  # the hotline's one record


@pytest.mark.parametrize(("persona", "expected"), MATRIX.items())
def test_who_may_record_and_nothing_changes_for_the_others(
    client_as: ClientFor,
    project: Project,
    caller_record: Feedback,
    persona: str,
    expected: tuple[bool, bool],
) -> None:
    before = snapshot(project)
    response = client_as(persona).post(record_url(project, caller_record), agree())
    if expected[1]:
        assert response.status_code == 302
        assert response["Location"].endswith("#consent")
        made = ConsentRecord.objects.filter(contact=caller_record.contact).latest("pk")
        assert (made.given, made.purposes, made.method) == (True, ["follow_up_surveys"], "verbal")
        event = AuditEvent.objects.get(action="feedback.consent_given")
        assert event.object_id == str(caller_record.pk)
        assert event.purpose == "follow_up_surveys"
        assert AuditEvent.objects.filter(action="consent.record", object_id=str(made.pk)).exists()
    else:
        assert response.status_code == 404
        assert snapshot(project) == before


def test_a_protection_case_is_recorded_only_by_protection_roles(
    client_as: ClientFor, project: Project, make_feedback: Callable[..., Feedback]
) -> None:
    record = make_feedback(
        "protection", source="hotline", phone="+50937123400", consent_given=True,
        sensitivity="sensitive",
    )  # fmt: skip
    for persona in ("officer", "manager"):
        assert client_as(persona).post(record_url(project, record), agree()).status_code == 404
    assert client_as("protection").post(record_url(project, record), agree()).status_code == 302


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (agree(witness_name=""), "needs the name of the staff member"),
        (agree(consent_kind="audio", witness_name=""), "where the recording"),
        (agree(consent_kind="assent_guardian"), "guardian who consented"),
        (agree(purpose="bogus"), "Select a valid choice"),
        (agree(answer="perhaps"), "Select a valid choice"),
        ({}, "This field is required"),
    ],
)
def test_bad_input_is_said_in_words_and_changes_nothing(
    client_as: ClientFor,
    project: Project,
    caller_record: Feedback,
    data: dict[str, str],
    words: str,
) -> None:
    before = snapshot(project)
    response = client_as("officer").post(record_url(project, caller_record), data, follow=True)
    assert response.status_code == 200
    assert words in response.content.decode().replace("&#x27;", "'")
    assert snapshot(project) == before


def test_a_withdrawal_needs_no_witness_and_stops_that_purpose_only(
    client_as: ClientFor,
    project: Project,
    caller_record: Feedback,
    sms_channel: Channel,
    as_viewer: Callable[[str], Viewer],
) -> None:
    contact = caller_record.contact
    assert contact is not None
    client = client_as("officer")
    client.post(record_url(project, caller_record), agree())
    assert not is_refused(contact, OutboundMessage.Purpose.CAMPAIGN)
    queued = do_queue_outbound(
        channel=sms_channel, contact=contact, purpose="campaign", text="How did it go?"
    )
    assert queued.state == OutboundMessage.State.QUEUED
    withdraw = agree(answer="withdraw", witness_name="")
    assert client.post(record_url(project, caller_record), withdraw).status_code == 302
    assert is_refused(contact, OutboundMessage.Purpose.CAMPAIGN)
    # Being answered is still agreed: replies go on.
    assert not is_refused(contact, OutboundMessage.Purpose.REPLY)
    assert check_may_contact(caller_record) == contact
    page = client.get(detail(project, caller_record)).content.decode()
    assert "Refused or withdrawn" in page
    assert AuditEvent.objects.filter(action="feedback.consent_refused").count() == 1


def test_withdrawing_being_answered_stops_replies(
    client_as: ClientFor, project: Project, caller_record: Feedback
) -> None:
    withdraw = agree(purpose="respond", answer="withdraw", witness_name="")
    client_as("officer").post(record_url(project, caller_record), withdraw)
    contact = caller_record.contact
    assert contact is not None
    assert is_refused(contact, OutboundMessage.Purpose.REPLY)
    with pytest.raises(ReplyRefused):
        check_may_contact(Feedback.objects.get(pk=caller_record.pk))


def test_an_anonymous_record_has_no_card_and_nothing_can_be_recorded(
    client_as: ClientFor, project: Project, make_feedback: Callable[..., Feedback]
) -> None:
    record = make_feedback("anonymous", source="hotline")
    client = client_as("officer")
    assert 'id="consent-standing"' not in client.get(detail(project, record)).content.decode()
    before = snapshot(project)
    page = client.post(record_url(project, record), agree(), follow=True).content.decode()
    assert "No contact details were kept" in page
    assert snapshot(project) == before


def test_after_a_withdrawal_on_request_nothing_more_is_recorded(
    client_as: ClientFor, project: Project, caller_record: Feedback
) -> None:
    assert caller_record.contact is not None
    Contact.objects.filter(pk=caller_record.contact.pk).update(consent_withdrawn_at=timezone.now())
    client = client_as("officer")
    page = client.get(detail(project, caller_record)).content.decode()
    assert "This person withdrew their consent" in page
    assert record_url(project, caller_record) not in page
    before = snapshot(project)
    client.post(record_url(project, caller_record), agree())
    assert snapshot(project) == before


def test_the_sealed_witness_is_masked_on_the_card(
    client_as: ClientFor, project: Project, caller_record: Feedback
) -> None:
    do_record_consent(
        project_id=project.pk,
        contact=caller_record.contact,
        given=True,
        method=ConsentRecord.Method.VERBAL,
        purposes=["publish_aggregates"],
        witness_name=WITNESS,
    )
    for persona in ("officer", "manager", "protection"):
        page = client_as(persona).get(detail(project, caller_record)).content.decode()
        assert WITNESS not in page
        assert "Witness" in page
