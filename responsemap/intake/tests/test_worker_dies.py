"""A worker that dies loses nothing and sends nothing twice (ADR 0009): its tasks are
taken up again after the timeout, messages it left waiting are swept without a new
message, a send it left half-done is "unknown" (never sent again), the opt-out is
checked once more right before the hand-over, keyword messages end processed, and
what goes back to a person is in their language. Time is the fake clock; no sleeps."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
import responses
from django.core.management import call_command
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from responsemap.intake.channels.actions import do_create_channel
from responsemap.intake.channels.base import Inbound
from responsemap.intake.channels.models import Channel
from responsemap.intake.channels.tests.send_errors import no_answer, refused
from responsemap.intake.contacts.actions import do_get_or_create_contact, do_set_consent_notice
from responsemap.intake.contacts.keywords import reply_language
from responsemap.intake.contacts.models import Contact
from responsemap.intake.messages import sweep
from responsemap.intake.messages.models import InboundMessage, OutboundMessage
from responsemap.intake.messages.receive import do_receive_message
from responsemap.intake.messages.send import do_queue_outbound, do_record_delivery, send_outbound
from responsemap.intake.messages.sweep import sweep_batch, sweep_if_waiting, sweep_received
from responsemap.lib import tasks
from responsemap.lib.clock import FakeClock
from responsemap.projects.models import Project
from responsemap.protection.models import AuditEvent
from responsemap.protection.present import open_for_system

pytestmark = pytest.mark.django_db
SEND_URL = "https://relay.example.org/send"
SENDER = "+50937001122"
State = OutboundMessage.State


@pytest.fixture
def channel(project: Project) -> Channel:
    channel = do_create_channel(
        project_id=project.pk,
        kind="webhook",
        name="relay",
        config={"send_url": SEND_URL},
        secrets={"secret": "s"},
        send_rate=1,
    )
    return Channel.objects.select_related("project").get(pk=channel.pk)


@pytest.fixture
def contact(project: Project) -> Contact:
    return do_get_or_create_contact(project_id=project.pk, country="HT", raw_phone=SENDER)[0]


def claimed(task: Any, *args: Any, workers: int = 1) -> DBTaskResult[Any, Any]:
    """A task as a worker left it when it died: running, claimed ``workers`` times."""
    result = task.enqueue(*args)
    row = DBTaskResult.objects.get(pk=result.id)
    for n in range(workers):
        row.claim(f"worker-{n}")
    return row


# Tasks whose worker died ---------------------------------------------------------------


def test_a_task_running_past_the_timeout_is_queued_again(
    database_tasks: None, clock: FakeClock, settings: Any
) -> None:
    row = claimed(sweep_received)
    clock.advance(settings.RESPONSEMAP_TASK_TIMEOUT_SECONDS - 1)
    assert tasks.recover_abandoned_tasks() == ([], [])  # still within its time
    clock.advance(2)
    assert tasks.recover_abandoned_tasks() == ([str(row.pk)], [])
    row.refresh_from_db()
    assert (row.status, row.started_at) == (TaskResultStatus.READY, None)
    assert row.worker_ids == ["worker-0"]  # who took it stays on the row
    assert DBTaskResult.objects.ready().filter(pk=row.pk).exists()
    assert tasks.recover_abandoned_tasks() == ([], [])  # moved once, by whoever came first


def test_a_task_that_kills_every_worker_that_takes_it_is_failed(
    database_tasks: None, clock: FakeClock, settings: Any
) -> None:
    row = claimed(sweep_received, workers=tasks.MAX_CLAIMS)
    clock.advance(settings.RESPONSEMAP_TASK_TIMEOUT_SECONDS + 1)
    assert tasks.recover_abandoned_tasks() == ([], [str(row.pk)])
    row.refresh_from_db()
    assert (row.status, row.exception_class_path) == (TaskResultStatus.FAILED, tasks.WORKER_LOST)


@pytest.mark.django_db(transaction=True)  # the worker closes its connection between tasks
def test_a_new_worker_takes_up_a_dead_workers_task_as_it_starts(
    database_tasks: None, channel: Channel, contact: Contact, settings: Any, clock: FakeClock
) -> None:
    """``manage.py db_worker`` recovers before its first task: the dead worker's sweep
    runs again and its message becomes feedback."""
    from responsemap.triage.models import Feedback

    message = store(channel, "m1")
    row = claimed(sweep_received)
    clock.advance(settings.RESPONSEMAP_TASK_TIMEOUT_SECONDS + 1)
    call_command(
        "db_worker", "--batch", "--no-reload", "--no-startup-delay", "--upkeep-interval", "0",
        stdout=StringIO(),
    )  # fmt: skip
    row.refresh_from_db()
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.worker_ids[0] == "worker-0"
    assert len(row.worker_ids) == 2
    message.refresh_from_db()
    assert message.state == InboundMessage.State.PROCESSED
    assert Feedback.objects.filter(inbound_message=message).exists()


# Messages left waiting -------------------------------------------------------------------


def store(channel: Channel, message_id: str, text: str = "Dlo a koupe") -> InboundMessage:
    """A message stored and committed, its sweep never run (the worker died)."""
    from responsemap.intake.channels.queries import load_inbound_channel
    from responsemap.intake.messages.store import store_from_phone

    loaded = load_inbound_channel(channel.pk)
    assert loaded is not None
    _, message = store_from_phone(loaded, Inbound(message_id, SENDER, text))
    assert message is not None
    return message


def test_messages_left_waiting_get_a_sweep_without_a_new_message(
    database_tasks: None, channel: Channel, contact: Contact, clock: FakeClock
) -> None:
    store(channel, "m1")
    assert not sweep_if_waiting()  # just arrived: its own sweep is on the way
    clock.advance(sweep.IDLE_SWEEP_SECONDS + 1)
    assert sweep_if_waiting()
    (queued,) = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    assert queued.task_path.endswith("sweep_received")
    assert not sweep_if_waiting()  # one is queued: no second
    DBTaskResult.objects.all().delete()
    assert sweep_batch() == 1
    clock.advance(sweep.IDLE_SWEEP_SECONDS + 1)
    assert not sweep_if_waiting()  # nothing waits
    assert not DBTaskResult.objects.exists()


def test_the_worker_upkeep_queues_that_sweep(
    database_tasks: None, channel: Channel, contact: Contact, clock: FakeClock
) -> None:
    store(channel, "m1")
    clock.advance(sweep.IDLE_SWEEP_SECONDS + 1)
    tasks.run_upkeep()  # what db_worker runs as it starts and every few seconds
    assert (
        DBTaskResult.objects.filter(status=TaskResultStatus.READY)
        .get()
        .task_path.endswith("sweep_received")
    )


# Keyword messages end processed -----------------------------------------------------------


@responses.activate
def test_stop_and_start_end_processed_and_are_never_swept(channel: Channel) -> None:
    stop = do_receive_message(channel, Inbound("k1", SENDER, "STOP")).message
    start = do_receive_message(channel, Inbound("k2", SENDER, "START")).message
    for message in (stop, start):
        message.refresh_from_db()
        assert message.state == InboundMessage.State.PROCESSED
        assert message.processed_at is not None
    assert [stop.kind, start.kind] == ["opt_out", "opt_in"]
    assert sweep_batch() == 0


# Sending at most once ------------------------------------------------------------------


def queued(channel: Channel, contact: Contact, purpose: str = "reply") -> OutboundMessage:
    return do_queue_outbound(channel=channel, contact=contact, purpose=purpose, text="Bonjou")


@responses.activate
def test_a_send_goes_through_sending_to_sent_under_its_attempt(
    channel: Channel, contact: Contact
) -> None:
    responses.post(SEND_URL, json={"id": "relay-1"})
    message = queued(channel, contact)
    send_outbound.call(str(message.pk))
    message.refresh_from_db()
    assert (message.state, message.provider_message_id, message.attempts) == (
        State.SENT,
        "relay-1",
        1,
    )
    assert message.attempt_id is not None
    assert len(responses.calls) == 1


@responses.activate
def test_a_send_left_half_done_by_a_dead_worker_is_unknown_never_sent_again(
    channel: Channel, contact: Contact, clock: FakeClock, settings: Any
) -> None:
    responses.post(SEND_URL, json={"id": "relay-1"})
    message = queued(channel, contact)
    # The worker moved it to "sending", called the provider, and died before the answer.
    OutboundMessage.objects.filter(pk=message.pk).update(
        state=State.SENDING, attempt_id="00000000-0000-4000-8000-000000000001",
        attempt_started_at=clock.now(), attempts=1,
    )  # fmt: skip
    send_outbound.call(str(message.pk))  # a duplicate task meanwhile: another is sending
    message.refresh_from_db()
    assert message.state == State.SENDING

    clock.advance(settings.RESPONSEMAP_TASK_TIMEOUT_SECONDS + 1)
    send_outbound.call(str(message.pk))  # the dead worker's task, taken up again
    message.refresh_from_db()
    assert message.state == State.UNKNOWN
    assert len(responses.calls) == 0  # never sent a second time
    event = AuditEvent.objects.get(object_id=str(message.pk), action="message.unknown")
    assert event.actor_label == "system"

    send_outbound.call(str(message.pk))  # and never afterwards
    assert len(responses.calls) == 0

    # The provider's delivery report settles it.
    assert do_record_delivery(channel, "", "delivered", outbound_id=str(message.pk)) == 1
    message.refresh_from_db()
    assert message.state == State.DELIVERED


def test_a_sending_message_is_looked_at_again_when_it_would_count_as_abandoned(
    database_tasks: None, channel: Channel, contact: Contact, clock: FakeClock, settings: Any
) -> None:
    message = queued(channel, contact)
    DBTaskResult.objects.all().delete()  # the send task do_queue_outbound queued
    started = clock.now()
    OutboundMessage.objects.filter(pk=message.pk).update(
        state=State.SENDING, attempt_id="00000000-0000-4000-8000-000000000001",
        attempt_started_at=started,
    )  # fmt: skip
    send_outbound.call(str(message.pk))
    (again,) = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    timeout = timedelta(seconds=settings.RESPONSEMAP_TASK_TIMEOUT_SECONDS)
    assert again.run_after == started + timeout


@responses.activate
def test_an_answer_after_the_message_was_marked_unknown_settles_it_as_sent(
    channel: Channel, contact: Contact, clock: FakeClock, settings: Any
) -> None:
    """A worker only slow, not dead: its answer, when it comes, is the truth."""
    message = queued(channel, contact)

    def slow_relay(request: Any) -> tuple[int, dict[str, str], str]:
        clock.advance(settings.RESPONSEMAP_TASK_TIMEOUT_SECONDS + 1)
        send_outbound.call(str(message.pk))  # its task taken up again meanwhile
        assert OutboundMessage.objects.get(pk=message.pk).state == State.UNKNOWN
        return 200, {}, '{"id": "relay-9"}'

    responses.add_callback(responses.POST, SEND_URL, callback=slow_relay)
    send_outbound.call(str(message.pk))
    message.refresh_from_db()
    assert (message.state, message.provider_message_id) == (State.SENT, "relay-9")
    assert len(responses.calls) == 1


@responses.activate
def test_a_temporary_failure_queues_it_again_a_final_one_fails_it(
    channel: Channel, contact: Contact, clock: FakeClock
) -> None:
    responses.post(SEND_URL, status=503)
    message = queued(channel, contact)
    send_outbound.call(str(message.pk))
    message.refresh_from_db()
    assert (message.state, message.attempts) == (State.QUEUED, 1)
    assert message.next_attempt_at is not None

    responses.replace(responses.POST, SEND_URL, status=400)
    clock.advance(3600)
    send_outbound.call(str(message.pk))
    message.refresh_from_db()
    assert (message.state, message.attempts) == (State.FAILED, 2)


@responses.activate
def test_a_send_with_no_answer_from_the_provider_is_unknown_never_sent_again(
    channel: Channel, contact: Contact, clock: FakeClock
) -> None:
    """The request went out and no answer came back (a read timeout): the provider may
    hold it, so it is "unknown", and a later task for it sends nothing."""
    responses.post(SEND_URL, body=no_answer())
    message = queued(channel, contact)
    send_outbound.call(str(message.pk))
    message.refresh_from_db()
    assert (message.state, message.attempts) == (State.UNKNOWN, 1)
    assert AuditEvent.objects.filter(object_id=str(message.pk), action="message.unknown").exists()

    clock.advance(3600)
    send_outbound.call(str(message.pk))
    assert len(responses.calls) == 1
    message.refresh_from_db()
    assert message.state == State.UNKNOWN


@responses.activate
def test_a_provider_never_reached_is_tried_again(
    channel: Channel, contact: Contact, clock: FakeClock
) -> None:
    responses.post(SEND_URL, body=refused(SEND_URL))
    message = queued(channel, contact)
    send_outbound.call(str(message.pk))
    message.refresh_from_db()
    assert (message.state, message.attempts) == (State.QUEUED, 1)


class StopDuringTheWait(FakeClock):
    """A clock whose throttle sleep is when the person's STOP arrives."""

    def __init__(self, channel: Channel) -> None:
        super().__init__()
        self.channel = channel

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        do_receive_message(self.channel, Inbound("stop-1", SENDER, "STOP"))


@responses.activate
def test_a_stop_stored_while_the_send_waits_for_its_slot_blocks_it(
    channel: Channel, contact: Contact
) -> None:
    from responsemap.lib import clock as lib_clock

    responses.post(SEND_URL, json={"id": "relay-1"})
    notice = queued(channel, contact, purpose="notice")
    fake = StopDuringTheWait(channel)
    with lib_clock.use(fake):
        Channel.objects.filter(pk=channel.pk).update(next_send_at=fake.now().timestamp() + 1)
        send_outbound.call(str(notice.pk))
    assert fake.slept == [1.0]  # it did wait for the channel's rate
    notice.refresh_from_db()
    assert notice.state == State.BLOCKED
    assert len(responses.calls) == 0


# In the person's language -----------------------------------------------------------------


def test_the_reply_language_is_the_contacts_else_the_projects_default() -> None:
    assert reply_language("es", ["fr", "en"]) == "es"
    assert reply_language("", ["fr", "en"]) == "fr"
    assert reply_language("fr-HT", ["en"]) == "fr"
    assert reply_language("xx", ["ht"]) == "ht"
    assert reply_language("", []) == "en"


def test_a_french_project_confirms_an_opt_out_in_french(channel: Channel, project: Project) -> None:
    assert project.languages[0] == "fr"
    do_receive_message(channel, Inbound("k1", SENDER, "STOP"))
    do_receive_message(channel, Inbound("k2", SENDER, "START"))
    texts = {
        m.purpose: open_for_system(m, "text", purpose="test") for m in OutboundMessage.objects.all()
    }
    assert texts == {
        "opt_out_confirm": (
            "Vous ne recevrez plus de messages de notre part. "
            "Envoyez START pour les recevoir à nouveau."
        ),
        "opt_in_confirm": (
            "Bon retour : vous recevrez à nouveau nos messages. Envoyez STOP pour arrêter."
        ),
    }


def test_a_contact_with_a_language_is_answered_in_it(channel: Channel, project: Project) -> None:
    person = do_get_or_create_contact(
        project_id=project.pk, country="HT", raw_phone=SENDER, language="es"
    )[0]
    do_receive_message(channel, Inbound("k1", SENDER, "STOP"))
    (confirmation,) = OutboundMessage.objects.filter(contact=person)
    text = open_for_system(confirmation, "text", purpose="test") or ""
    assert text.startswith("No recibirá más mensajes nuestros.")


def test_a_new_number_in_a_french_project_gets_the_french_notice(
    channel: Channel, project: Project
) -> None:
    do_set_consent_notice(project_id=project.pk, language="en", text="Notice: send STOP.")
    do_set_consent_notice(project_id=project.pk, language="fr", text="Avis : envoyez STOP.")
    message = do_receive_message(channel, Inbound("m1", "+50937009999", "Bonjou")).message
    message = InboundMessage.objects.select_related("channel__project", "contact").get(
        pk=message.pk
    )
    from responsemap.intake.messages.receive import send_consent_notices

    send_consent_notices([message])
    (notice,) = OutboundMessage.objects.filter(purpose="notice")
    assert open_for_system(notice, "text", purpose="test") == "Avis : envoyez STOP."
