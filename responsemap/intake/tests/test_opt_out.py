"""Opt-out is honoured on every outbound path, at once, always."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import responses
from django.db import transaction

from responsemap.intake.channels.actions import do_create_channel
from responsemap.intake.channels.base import Inbound
from responsemap.intake.channels.models import Channel
from responsemap.intake.contacts.actions import do_set_consent_notice
from responsemap.intake.contacts.keywords import classify
from responsemap.intake.contacts.models import Contact, IntakePolicy
from responsemap.intake.messages.models import OutboundMessage
from responsemap.intake.messages.receive import do_receive_message
from responsemap.intake.messages.send import claim_send_slot, do_queue_outbound, send_outbound
from responsemap.lib import clock as lib_clock
from responsemap.projects.models import Project

SEND_URL = "https://relay.example.org/send"


@pytest.mark.parametrize(
    "text",
    ["STOP", "stop", " Stop! ", "UNSUBSCRIBE", "Arrêt", "ARRETER", "désabonner", "Alto",
     "parar", "BAJA", "توقف", "إلغاء", "SISPANN", "kanpe", "Kite sa"],
)  # fmt: skip
def test_stop_family_in_five_languages(text: str) -> None:
    assert classify(text) == "opt_out"


@pytest.mark.parametrize("text", ["START", "Démarrer", "iniciar", "ابدأ", "KÒMANSE"])
def test_start_family(text: str) -> None:
    assert classify(text) == "opt_in"


@pytest.mark.parametrize(
    "text", ["stop the shelling near the school", "Please don't stop the food", "", "start?? when"]
)
def test_keywords_inside_a_message_are_feedback(text: str) -> None:
    assert classify(text) == "message"


def test_project_extras() -> None:
    assert classify("KANSÈL", extra_stop=["kansel"]) == "opt_out"
    assert classify("KANSÈL") == "message"


@pytest.fixture
def channel(project: Project) -> Channel:
    do_set_consent_notice(project_id=project.pk, language="fr", text="Notis: voye STOP.")
    return do_create_channel(
        project_id=project.pk,
        kind="webhook",
        name="relay",
        config={"send_url": SEND_URL},
        secrets={"secret": "s"},
    )


def receive(channel: Channel, message_id: str, text: str) -> Contact:
    received = do_receive_message(channel, Inbound(message_id, "+50937001122", text))
    assert received.message.contact is not None
    return received.message.contact


@pytest.mark.django_db(transaction=True)
@responses.activate
def test_opt_out_is_immediate_confirmed_once_then_nothing(channel: Channel) -> None:
    responses.post(SEND_URL, json={"id": "p"})
    contact = receive(channel, "m1", "Bonjou, mwen bezwen dlo")
    assert OutboundMessage.objects.filter(purpose="notice", state="sent").count() == 1

    contact = receive(channel, "m2", "STOP")
    contact.refresh_from_db()
    assert contact.opted_out_at is not None
    confirmations = OutboundMessage.objects.filter(purpose="opt_out_confirm")
    assert [m.state for m in confirmations] == ["sent"]

    receive(channel, "m3", "stop")  # a second STOP: no second confirmation
    assert OutboundMessage.objects.filter(purpose="opt_out_confirm").count() == 1
    sent_before = len(responses.calls)

    for purpose in ("reply", "alert", "campaign", "notice"):
        blocked = do_queue_outbound(channel=channel, contact=contact, purpose=purpose, text="x")
        assert blocked.state == OutboundMessage.State.BLOCKED, purpose
    assert len(responses.calls) == sent_before  # nothing left the building

    receive(channel, "m4", "Lòt mesaj")  # an opted-out person can still send feedback
    assert len(responses.calls) == sent_before


@pytest.mark.django_db(transaction=True)
@responses.activate
def test_start_resubscribes(channel: Channel) -> None:
    responses.post(SEND_URL, json={"id": "p"})
    receive(channel, "m1", "STOP")
    contact = receive(channel, "m2", "START")
    contact.refresh_from_db()
    assert contact.opted_out_at is None
    assert OutboundMessage.objects.filter(purpose="opt_in_confirm", state="sent").count() == 1
    reply = do_queue_outbound(channel=channel, contact=contact, purpose="reply", text="Bonjou")
    reply.refresh_from_db()
    assert reply.state == OutboundMessage.State.SENT


@pytest.mark.django_db(transaction=True)
@responses.activate
def test_opt_out_after_queueing_stops_the_send(channel: Channel, project: Project) -> None:
    """A message queued before the STOP arrived is not sent when the worker gets to it."""
    responses.post(SEND_URL, json={"id": "p"})
    contact = receive(channel, "m1", "Bonjou")
    with transaction.atomic():
        queued = OutboundMessage(
            project_id=project.pk, channel=channel, contact=contact, purpose="campaign"
        )
        queued.text = "Kanpay"
        queued.save()
    receive(channel, "m2", "STOP")
    calls = len(responses.calls)
    send_outbound.call(str(queued.pk))
    queued.refresh_from_db()
    assert queued.state == OutboundMessage.State.BLOCKED
    assert len(responses.calls) == calls


@pytest.mark.django_db
def test_project_stop_words_are_used(channel: Channel, project: Project) -> None:
    IntakePolicy.objects.create(project=project, stop_words=["kansel"])
    contact = receive(channel, "m1", "Kansèl")
    contact.refresh_from_db()
    assert contact.opted_out_at is not None


@pytest.mark.django_db
def test_send_slots_keep_to_the_channel_rate(channel: Channel) -> None:
    """Slots half a second apart, shared through the channel row by every worker. The
    clock stands still at a whole second, so the slots are exact on any machine."""
    with lib_clock.use(lib_clock.FakeClock(start=datetime(2026, 1, 1, tzinfo=UTC))):
        waits = [claim_send_slot(channel.pk, rate=2.0) for _ in range(4)]
    assert waits == [0, 0.5, 1.0, 1.5]
