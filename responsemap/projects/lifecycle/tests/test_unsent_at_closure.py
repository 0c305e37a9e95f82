"""Messages still queued when a project closes: "Not sent: project closed", never left
"queued" for ever; said in words on the record's replies and on the Lifecycle page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import responses
from django.test import Client
from django.urls import reverse

from responsemap.intake.channels.actions import do_create_channel
from responsemap.intake.channels.models import Channel
from responsemap.intake.contacts.models import Contact
from responsemap.intake.messages.models import OutboundMessage
from responsemap.intake.messages.send import do_queue_outbound, send_outbound
from responsemap.projects.lifecycle.actions import do_close_project
from responsemap.projects.models import Project
from responsemap.protection.models import AuditEvent
from responsemap.protection.present import present_many
from responsemap.triage.models import Feedback

pytestmark = pytest.mark.django_db
State = OutboundMessage.State
EVERYONE = ["operator", "officer", "protection", "manager", "partner", "donor", "outsider"]


@pytest.fixture
def channel(project: Project) -> Channel:
    return do_create_channel(
        project_id=project.pk,
        kind="webhook",
        name="relay",
        config={"send_url": "https://relay.example.org/send"},
        secrets={"secret": "s"},
    )


@pytest.fixture
def contact(make_feedback: Callable[..., Feedback]) -> Contact:
    feedback = make_feedback("Bonjou", phone="+50937001122", consent_given=True)
    assert feedback.contact is not None
    return feedback.contact


def queue(channel: Channel, contact: Contact) -> OutboundMessage:
    # In the test's transaction: its send is not enqueued (no commit).
    return do_queue_outbound(channel=channel, contact=contact, purpose="reply", text="Repons")


def test_closing_marks_what_is_still_queued(
    project: Project, channel: Channel, contact: Contact, personas: dict[str, object]
) -> None:
    waiting, sent, retrying = (
        queue(channel, contact),
        queue(channel, contact),
        queue(channel, contact),
    )
    OutboundMessage.objects.filter(pk=sent.pk).update(state=State.SENT)
    OutboundMessage.objects.filter(pk=retrying.pk).update(
        attempts=2, next_attempt_at=project.created_at
    )
    assert do_close_project(project, actor=None, approver="Data controller")
    states = dict(OutboundMessage.objects.values_list("pk", "state"))
    assert states == {waiting.pk: State.CLOSED, sent.pk: State.SENT, retrying.pk: State.CLOSED}
    assert OutboundMessage.objects.get(pk=retrying.pk).next_attempt_at is None
    # In words wherever a message's delivery is shown (the record's replies card).
    from responsemap.accounts.queries import viewer_for

    viewer = viewer_for(personas["manager"], project.pk)
    assert viewer is not None
    shown = present_many([OutboundMessage.objects.get(pk=waiting.pk)], viewer, "feedback_detail")
    assert str(shown[0]["state"]) == "Not sent: project closed"
    assert not do_close_project(project, actor=None, approver="Data controller")  # once


@responses.activate
def test_a_message_queued_as_it_closed_is_not_sent(
    project: Project, channel: Channel, contact: Contact
) -> None:
    do_close_project(project, actor=None, approver="Data controller")
    late = queue(channel, contact)  # queued by a transaction that began before the close
    assert late.state == State.QUEUED
    send_outbound.call(str(late.pk))
    late.refresh_from_db()
    assert late.state == State.CLOSED
    assert len(responses.calls) == 0  # nothing left
    assert AuditEvent.objects.filter(
        project_id=project.pk, action="message.not_sent_project_closed", object_id=str(late.pk)
    ).exists()


@pytest.mark.parametrize("persona", EVERYONE)
def test_the_lifecycle_page_says_how_many_were_not_sent(
    project: Project,
    channel: Channel,
    contact: Contact,
    client_as: Callable[[str], Client],
    persona: str,
) -> None:
    queue(channel, contact)
    queue(channel, contact)
    do_close_project(project, actor=None, approver="Data controller")
    page = client_as(persona).get(reverse("lifecycle:overview", args=[project.slug]))
    if persona != "manager":
        assert page.status_code == 404
        return
    assert page.status_code == 200
    text = " ".join(page.content.decode().split())
    assert "2 messages were still waiting to be sent when the project closed" in text
