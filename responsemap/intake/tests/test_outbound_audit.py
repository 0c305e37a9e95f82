"""Outbound messages: every state a person would ask about is an audit event written
with the change (the system as actor); bookkeeping (attempts, retry times, the send
slot) writes none; the throttle waits on the injected clock, never on the machine."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
import responses

from responsemap.intake.channels.actions import do_create_channel
from responsemap.intake.channels.models import Channel
from responsemap.intake.contacts.models import Contact
from responsemap.intake.messages.models import OutboundMessage
from responsemap.intake.messages.send import do_queue_outbound, do_record_delivery, send_outbound
from responsemap.lib import clock as lib_clock
from responsemap.projects.models import Project
from responsemap.protection.audit import with_details
from responsemap.protection.models import AuditEvent
from responsemap.triage.models import Feedback

pytestmark = pytest.mark.django_db

SEND_URL = "https://relay.example.org/send"
State = OutboundMessage.State


@pytest.fixture
def whole_second_clock() -> Iterator[lib_clock.FakeClock]:
    """A stopped clock at a whole second, so half-second slots add up exactly."""
    fake = lib_clock.FakeClock(start=datetime(2026, 1, 1, tzinfo=UTC))
    with lib_clock.use(fake):
        yield fake


@pytest.fixture
def channel(project: Project) -> Channel:
    return do_create_channel(
        project_id=project.pk,
        kind="webhook",
        name="relay",
        config={"send_url": SEND_URL},
        secrets={"secret": "s"},
        send_rate=2.0,
    )


@pytest.fixture
def contact(make_feedback: Callable[..., Feedback]) -> Contact:
    feedback = make_feedback("Bonjou", phone="+50937001122", consent_given=True)
    assert feedback.contact is not None
    return feedback.contact


def queue(channel: Channel, contact: Contact, text: str = "Repons") -> OutboundMessage:
    # Queued inside the test's transaction: its send is not enqueued (no commit), so
    # each test sends by hand.
    return do_queue_outbound(channel=channel, contact=contact, purpose="reply", text=text)


def events_of(message: OutboundMessage) -> list[tuple[str, str]]:
    rows = AuditEvent.objects.filter(object_type="outboundmessage", object_id=str(message.pk))
    return [(e.action, e.actor_label) for e in rows.order_by("seq")]


@responses.activate
def test_sent_is_audited_with_the_system_as_actor(channel: Channel, contact: Contact) -> None:
    responses.post(SEND_URL, json={"id": "p1"})
    message = queue(channel, contact)
    send_outbound.call(str(message.pk))
    message.refresh_from_db()
    assert (message.state, message.provider_message_id) == (State.SENT, "p1")
    assert events_of(message) == [("message.queue", "system"), ("message.send", "system")]
    sent = AuditEvent.objects.get(action="message.send", object_id=str(message.pk))
    [event] = with_details([sent])
    assert (event.fields, event.purpose, event.project_id) == (
        ["state"],
        "reply",
        channel.project_id,
    )


@responses.activate
def test_a_retry_is_bookkeeping_a_refusal_is_audited(channel: Channel, contact: Contact) -> None:
    responses.post(SEND_URL, status=503)
    message = queue(channel, contact)
    send_outbound.call(str(message.pk))
    message.refresh_from_db()
    assert (message.state, message.attempts) == (State.QUEUED, 1)
    assert message.next_attempt_at is not None
    assert events_of(message) == [("message.queue", "system")]  # a retry writes no event

    other = queue(channel, contact)
    responses.replace(responses.POST, SEND_URL, status=400)
    send_outbound.call(str(other.pk))
    other.refresh_from_db()
    assert other.state == State.FAILED
    assert events_of(other)[-1] == ("message.fail", "system")


def test_opted_out_at_send_time_is_blocked_and_audited(channel: Channel, contact: Contact) -> None:
    message = queue(channel, contact)
    Contact.objects.filter(pk=contact.pk).update(opted_out_at=datetime(2026, 1, 1, tzinfo=UTC))
    send_outbound.call(str(message.pk))
    message.refresh_from_db()
    assert message.state == State.BLOCKED
    assert events_of(message)[-1] == ("message.blocked_opted_out", "system")


@responses.activate
def test_delivery_reports_move_forward_and_are_audited(channel: Channel, contact: Contact) -> None:
    responses.post(SEND_URL, json={"id": "p1"})
    message = queue(channel, contact)
    send_outbound.call(str(message.pk))
    assert do_record_delivery(channel, "p1", "delivered") == 1
    assert do_record_delivery(channel, "p1", "delivered") == 0  # a repeat changes nothing
    assert do_record_delivery(channel, "p1", "sent") == 0  # a late "sent" can't undo it
    message.refresh_from_db()
    assert message.state == State.DELIVERED
    assert message.delivered_at is not None
    assert [action for action, _ in events_of(message)] == [
        "message.queue",
        "message.send",
        "message.deliver",
    ]

    failed = queue(channel, contact)
    assert do_record_delivery(channel, "", "failed", outbound_id=str(failed.pk)) == 1
    failed.refresh_from_db()
    assert failed.state == State.FAILED
    fail = AuditEvent.objects.get(action="message.fail", object_id=str(failed.pk))
    [event] = with_details([fail])
    assert event.reason == "delivery report"


@responses.activate
def test_the_throttle_waits_on_the_clock(
    channel: Channel, contact: Contact, whole_second_clock: lib_clock.FakeClock
) -> None:
    """Three sends at two a second: the second and third wait half a second each, on the
    injected clock (no real sleep, nothing timed)."""
    responses.post(SEND_URL, json={"id": "p"})
    for text in ("un", "de", "twa"):
        send_outbound.call(str(queue(channel, contact, text).pk))
    assert whole_second_clock.slept == [0.5, 0.5]
    assert OutboundMessage.objects.filter(channel=channel, state=State.SENT).count() == 3
