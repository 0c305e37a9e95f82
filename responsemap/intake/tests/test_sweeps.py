"""Inbound messages from known numbers, the sweeps that process them, the channel kept
per process."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from responsemap.intake.channels.actions import do_create_channel
from responsemap.intake.channels.base import Inbound
from responsemap.intake.channels.models import Channel
from responsemap.intake.channels.queries import (
    InboundChannel,
    channel_for_webhook,
    forget_channels,
    load_inbound_channel,
)
from responsemap.intake.contacts.actions import do_get_or_create_contact
from responsemap.intake.contacts.models import Contact
from responsemap.intake.contacts.phones import phone_index
from responsemap.intake.messages import steps as processing
from responsemap.intake.messages.models import InboundMessage
from responsemap.intake.messages.store import Outcome, store_from_phone
from responsemap.intake.messages.sweep import sweep_batch, sweep_received
from responsemap.lib.clock import FakeClock
from responsemap.projects.models import Project
from responsemap.protection.audit import chain_for, verify_chain, verify_pending
from responsemap.protection.models import AuditEvent, AuditPending
from responsemap.protection.present import open_for_system
from responsemap.testing_db import behind_the_apps_back
from responsemap.triage.models import Feedback

pytestmark = pytest.mark.django_db
SENDER = "+50937001122"
SECRET = "relay-shared-secret"


@pytest.fixture
def channel(project: Project) -> Channel:
    channel = do_create_channel(
        project_id=project.pk, kind="webhook", name="relay", secrets={"secret": SECRET}
    )
    return Channel.objects.select_related("project").get(pk=channel.pk)


@pytest.fixture
def contact(project: Project) -> Contact:
    return do_get_or_create_contact(project_id=project.pk, country="HT", raw_phone=SENDER)[0]


@pytest.fixture
def saved_processors() -> Iterator[None]:
    before = list(processing._processors)
    yield
    processing._processors[:] = before


@pytest.fixture
def empty_channel_cache() -> Iterator[None]:
    forget_channels()
    yield
    forget_channels()


def loaded(channel: Channel) -> InboundChannel:
    inbound = load_inbound_channel(channel.pk)
    assert inbound is not None
    return inbound


def store(channel: Channel, message_id: str, text: str = "Dlo a koupe") -> InboundMessage:
    outcome, message = store_from_phone(loaded(channel), Inbound(message_id, SENDER, text))
    assert outcome == Outcome.STORED
    assert message is not None
    return message


def test_known_sender_is_stored_with_contact_and_pending_receipt(
    channel: Channel, contact: Contact
) -> None:
    message = store(channel, "m1")

    stored = InboundMessage.objects.get()
    assert stored.pk == message.pk
    assert stored.contact_id == contact.pk
    assert stored.state == InboundMessage.State.RECEIVED
    receipt = AuditPending.objects.get(object_id=str(message.pk))
    assert (receipt.chain, receipt.action) == (chain_for(channel.project_id), "message.receive")
    assert verify_pending() == []


def test_replay_writes_nothing(channel: Channel, contact: Contact) -> None:
    store(channel, "m1")
    outcome, message = store_from_phone(loaded(channel), Inbound("m1", SENDER, "again"))
    assert (outcome, message) == (Outcome.REPLAY, None)
    assert InboundMessage.objects.count() == 1
    assert AuditPending.objects.count() == 1


def test_a_new_number_gets_its_contact_in_the_same_statement(
    channel: Channel, contact: Contact
) -> None:
    outcome, message = store_from_phone(loaded(channel), Inbound("m1", "+509 3700 9999", "Bonjou"))
    assert outcome == Outcome.STORED
    assert message is not None
    assert message.new_contact
    made = Contact.objects.exclude(pk=contact.pk).get()
    assert message.contact_id == made.pk
    assert open_for_system(made, "phone", purpose="test") == "+50937009999"
    assert made.phone_index == phone_index(channel.project_id, "+50937009999")
    # The next message from that number finds it.
    outcome, again = store_from_phone(loaded(channel), Inbound("m2", "+50937009999", "Mèsi"))
    assert again is not None
    assert (again.contact_id, again.new_contact) == (made.pk, False)


def test_not_a_phone_number_writes_nothing(channel: Channel) -> None:
    outcome, _ = store_from_phone(loaded(channel), Inbound("m1", "not a number", "Bonjou"))
    assert outcome == Outcome.NOT_STORED
    assert not InboundMessage.objects.exists()
    assert not AuditPending.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="one statement on PostgreSQL only")
def test_a_known_sender_is_one_statement_a_new_one_two_on_postgresql(
    channel: Channel, contact: Contact
) -> None:
    inbound = loaded(channel)
    with CaptureQueriesContext(connection) as known:
        store_from_phone(inbound, Inbound("m1", SENDER, "Bonjou"))
    with CaptureQueriesContext(connection) as new:
        store_from_phone(inbound, Inbound("m2", "+50937009999", "Bonjou"))
    assert (len(known), len(new)) == (1, 2)  # a new number: looked for, then made


def test_message_left_received_is_processed_by_the_next_sweep(
    channel: Channel, contact: Contact
) -> None:
    # Stored and committed, but no sweep was enqueued (as if the process died in between).
    message = store(channel, "m1")
    assert not Feedback.objects.exists()

    sweep_received.call()

    message.refresh_from_db()
    assert message.state == InboundMessage.State.PROCESSED
    feedback = Feedback.objects.get(inbound_message=message)
    assert feedback.contact_id == contact.pk
    assert not AuditPending.objects.exists()
    chain = chain_for(channel.project_id)
    assert verify_chain(chain) is None
    assert AuditEvent.objects.filter(chain=chain, object_id=str(message.pk)).get().action == (
        "message.receive"
    )


def test_feedback_is_placed_where_the_original_text_says(
    channel: Channel, contact: Contact
) -> None:
    from responsemap.geo.models import AdminArea

    town = AdminArea.objects.create(
        project_id=channel.project_id, pcode="XT0201", name="Jérémie", level=2
    )
    # "Jérémie" is a first name as well: the redacted copy hides it, the area stays.
    message = store(channel, "m-place", "Mwen se Rose Pierre, nou bezwen manje nan Jérémie.")

    sweep_received.call()

    feedback = Feedback.objects.get(inbound_message=message)
    assert feedback.area == town
    assert "Rose Pierre" not in (
        open_for_system(feedback, "redacted_content", purpose="test") or ""
    )


def test_a_failing_message_fails_alone(
    channel: Channel, contact: Contact, saved_processors: None
) -> None:
    good, bad, other = store(channel, "m1"), store(channel, "bad"), store(channel, "m3")

    def refuse_bad(messages: list[InboundMessage]) -> None:
        if any(m.provider_message_id == "bad" for m in messages):
            raise RuntimeError("cannot process this one")

    processing.register_sweep_step(refuse_bad)
    assert sweep_batch() == 3

    states = dict(InboundMessage.objects.values_list("provider_message_id", "state"))
    assert states == {"m1": "processed", "bad": "failed", "m3": "processed"}
    made = set(Feedback.objects.values_list("inbound_message_id", flat=True))
    assert made == {good.pk, other.pk}
    assert not Feedback.objects.filter(inbound_message=bad).exists()
    assert verify_chain(chain_for(channel.project_id)) is None
    assert sweep_batch() == 0  # a failed message is not picked up again


def test_batches_respect_the_limit_oldest_first(channel: Channel, contact: Contact) -> None:
    for n in range(5):
        store(channel, f"m{n}")

    assert sweep_batch(limit=2) == 2
    processed = InboundMessage.objects.filter(state=InboundMessage.State.PROCESSED)
    assert sorted(processed.values_list("provider_message_id", flat=True)) == ["m0", "m1"]
    assert [sweep_batch(limit=2), sweep_batch(limit=2), sweep_batch(limit=2)] == [2, 1, 0]
    assert Feedback.objects.count() == 5


def test_only_messages_are_swept(channel: Channel, contact: Contact) -> None:
    message = store(channel, "m1")
    InboundMessage.objects.filter(pk=message.pk).update(kind=InboundMessage.Kind.OPT_OUT)
    assert sweep_batch() == 0


def test_unknown_or_malformed_channel_id_is_none(empty_channel_cache: None) -> None:
    assert channel_for_webhook("not-a-uuid") is None
    assert channel_for_webhook("00000000-0000-0000-0000-000000000000") is None


def test_a_process_queues_one_sweep_a_tick_starting_after_the_commit(
    database_tasks: None, clock: FakeClock
) -> None:
    from django_tasks_db.models import DBTaskResult

    from responsemap.intake.messages.sweep import SWEEP_TICK, schedule_sweep

    before = clock.now()
    schedule_sweep()
    clock.advance(SWEEP_TICK / 2)
    schedule_sweep()  # a second commit in the same tick: the queued sweep covers it
    (sweep,) = DBTaskResult.objects.all()
    assert sweep.task_path.endswith("sweep_received")
    assert sweep.run_after is not None
    starts = before + timedelta(seconds=SWEEP_TICK)
    assert abs(sweep.run_after - starts) < timedelta(milliseconds=1)

    schedule_sweep(now=True)  # a sweep handing over: at once, whatever the tick
    assert DBTaskResult.objects.count() == 2
    clock.advance(SWEEP_TICK)
    schedule_sweep()  # the next tick: a sweep of its own
    assert DBTaskResult.objects.count() == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="an advisory lock of PostgreSQL")
def test_one_sweep_at_a_time_and_the_last_one_looks_again(
    channel: Channel, contact: Contact, database_tasks: None
) -> None:
    import psycopg
    from django_tasks_db.models import DBTaskResult

    from responsemap.intake.messages.sweep import SWEEP_LOCK

    message = store(channel, "m1")
    params = connection.get_connection_params()
    with psycopg.connect(
        dbname=params["dbname"], host=params.get("host"), user=params.get("user")
    ) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [SWEEP_LOCK])  # a sweep elsewhere
        sweep_received.call()
        message.refresh_from_db()
        assert message.state == InboundMessage.State.RECEIVED  # left to the running sweep
        other.execute("SELECT pg_advisory_unlock(%s)", [SWEEP_LOCK])

    sweep_received.call()
    message.refresh_from_db()
    assert message.state == InboundMessage.State.PROCESSED
    assert not DBTaskResult.objects.exists()  # nothing left: no sweep queued after it


def test_a_sweep_past_its_time_hands_over_to_a_new_one(
    channel: Channel,
    contact: Contact,
    database_tasks: None,
    monkeypatch: pytest.MonkeyPatch,
    clock: FakeClock,
) -> None:
    from django_tasks_db.models import DBTaskResult

    from responsemap.intake.messages import sweep

    def a_batch_that_takes_all_the_time() -> int:
        clock.advance(sweep.SWEEP_SECONDS + 1)
        return sweep_batch(limit=1)

    store(channel, "m1")
    store(channel, "m2")
    monkeypatch.setattr(sweep, "sweep_batch", a_batch_that_takes_all_the_time)

    sweep_received.call()

    assert InboundMessage.objects.filter(state=InboundMessage.State.RECEIVED).count() == 1
    (queued,) = DBTaskResult.objects.all()
    assert queued.task_path.endswith("sweep_received")


def test_a_stop_is_chained_by_a_sweep_too(
    channel: Channel, contact: Contact, django_capture_on_commit_callbacks: Any
) -> None:
    from responsemap.intake.messages.receive import do_receive_message

    with django_capture_on_commit_callbacks(execute=True):
        received = do_receive_message(channel, Inbound("m-stop", SENDER, "STOP"))
    assert received.message.kind == InboundMessage.Kind.OPT_OUT
    assert not AuditPending.objects.exists()
    chain = chain_for(channel.project_id)
    assert AuditEvent.objects.filter(chain=chain, action="message.receive").exists()
    assert verify_chain(chain) is None


def test_an_altered_pending_event_does_not_start_sweeps_for_ever(
    channel: Channel, contact: Contact
) -> None:
    store(channel, "m1")
    (pending,) = AuditPending.objects.all()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                behind_the_apps_back(cursor)
        AuditPending.objects.filter(pk=pending.pk).update(reason="forged")

    sweep_received.call()  # the immediate backend would recurse if it rescheduled

    assert list(AuditPending.objects.values_list("pk", flat=True)) == [pending.pk]
    assert InboundMessage.objects.get().state == InboundMessage.State.PROCESSED
