"""The receipt: whoever texts the project gets one message with their record's reference
code, in their language, on the channel they used; never for a protection-sensitive
record, an opted-out or refusing contact, spam, or a project that turned receipts off;
once per record; a fixed number of queries per batch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from responsemap.intake.channels.actions import do_create_channel
from responsemap.intake.channels.base import Inbound
from responsemap.intake.channels.models import Channel
from responsemap.intake.channels.queries import load_inbound_channel
from responsemap.intake.contacts.models import ConsentRecord, Contact
from responsemap.intake.messages.models import InboundMessage, OutboundMessage
from responsemap.intake.messages.store import store_from_phone
from responsemap.intake.messages.sweep import sweep_batch
from responsemap.projects.models import Project
from responsemap.protection.audit import event_details
from responsemap.protection.models import AuditEvent
from responsemap.protection.present import open_for_system
from responsemap.triage.alerts.models import AlertPolicy
from responsemap.triage.duplicates.models import DuplicatePolicy
from responsemap.triage.from_messages import make_feedback_from_messages
from responsemap.triage.models import Feedback
from responsemap.triage.status_lookup import receipts
from responsemap.triage.status_lookup.receipts import KEYWORD_OF_LANGUAGE, receipt_text
from responsemap.triage.status_lookup.sms import status_query_code

pytestmark = pytest.mark.django_db
SENDER = "+50937001155"
OTHER = "+50937001166"
RECEIPT = OutboundMessage.Purpose.REPLY


@pytest.fixture
def channel(project: Project) -> Channel:
    return do_create_channel(project_id=project.pk, kind="webhook", name="relay")


def text_in(channel: Channel, text: str, n: int = 0, sender: str = SENDER) -> InboundMessage:
    loaded = load_inbound_channel(channel.pk)
    assert loaded is not None
    _outcome, message = store_from_phone(loaded, Inbound(f"r{n}", sender, text))
    assert message is not None
    return message


def receipts_of(project: Project) -> list[OutboundMessage]:
    return list(
        OutboundMessage.objects.filter(project=project, purpose=RECEIPT).order_by("created_at")
    )


def opened(message: OutboundMessage) -> str:
    return open_for_system(message, "text", purpose="test") or ""


def test_each_record_from_a_message_gets_one_receipt_with_its_code(
    project: Project, channel: Channel, django_capture_on_commit_callbacks: Any
) -> None:
    first = text_in(channel, "Dlo a koupe nan katye a", 1)
    second = text_in(channel, "The latrines in block C are full", 2, sender=OTHER)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert sweep_batch() == 2
    sent = receipts_of(project)
    assert len(sent) == 2
    for message in (first, second):
        record = Feedback.objects.get(inbound_message=message)
        (receipt,) = [r for r in sent if r.in_reply_to_id == message.pk]
        assert (receipt.channel_id, receipt.contact_id) == (channel.pk, message.contact_id)
        assert receipt.state == OutboundMessage.State.QUEUED
        # The project's default language (French) for a contact of no known language.
        assert f"STATUT {record.reference}" in opened(receipt)
        assert AuditEvent.objects.filter(
            action="message.queue", object_id=str(receipt.pk), actor_label="system"
        ).exists()
    assert len(callbacks) >= 1  # the sends are queued after commit


def test_the_receipt_is_in_the_contacts_language(project: Project, channel: Channel) -> None:
    message = text_in(channel, "Necesitamos agua en el campamento")
    Contact.objects.filter(inbound=message).update(language="es")
    sweep_batch()
    record = Feedback.objects.get(inbound_message=message)
    (receipt,) = receipts_of(project)
    assert record.reference in opened(receipt)
    assert f"ESTADO {record.reference}" in opened(receipt)


@pytest.mark.parametrize("language", ["en", "fr", "es", "ar", "ht"])
def test_the_receipt_names_a_keyword_the_status_query_understands(language: str) -> None:
    text = receipt_text("D4EN-ACC6", language)
    assert "D4EN-ACC6" in text
    assert status_query_code(f"{KEYWORD_OF_LANGUAGE[language]} D4EN-ACC6") == "D4EN-ACC6"


def test_english_words(project: Project) -> None:
    assert receipt_text("D4EN-ACC6", "en") == (
        "We received your message. Your reference: D4EN-ACC6. To follow it, text STATUS D4EN-ACC6."
    )


def test_none_for_a_protection_sensitive_record(project: Project, channel: Channel) -> None:
    sensitive = text_in(channel, "my neighbour was raped last night", 1)
    ordinary = text_in(channel, "the water point is broken", 2, sender=OTHER)
    sweep_batch()
    assert Feedback.objects.get(inbound_message=sensitive).sensitivity == "sensitive"
    assert [r.in_reply_to_id for r in receipts_of(project)] == [ordinary.pk]


def test_none_for_an_opted_out_contact(project: Project, channel: Channel) -> None:
    message = text_in(channel, "the water point is broken")
    Contact.objects.filter(inbound=message).update(opted_out_at=timezone.now())
    sweep_batch()
    assert Feedback.objects.filter(inbound_message=message).exists()
    assert receipts_of(project) == []
    assert not OutboundMessage.objects.filter(state=OutboundMessage.State.BLOCKED).exists()


@pytest.mark.parametrize(
    ("given", "withdrawn", "purposes"),
    [(False, False, ["respond"]), (True, True, ["respond"]), (False, False, ["respond", "x"])],
)
def test_none_for_a_contact_who_did_not_agree_to_be_answered(
    project: Project, channel: Channel, given: bool, withdrawn: bool, purposes: list[str]
) -> None:
    message = text_in(channel, "the water point is broken")
    ConsentRecord.objects.create(
        project=project,
        contact_id=message.contact_id,
        given=given,
        method=ConsentRecord.Method.SMS_NOTICE,
        purposes=purposes,
        recorded_at=timezone.now(),
        withdrawn_at=timezone.now() if withdrawn else None,
    )
    sweep_batch()
    assert Feedback.objects.filter(inbound_message=message).exists()
    assert receipts_of(project) == []


def test_a_contact_who_agreed_gets_one(project: Project, channel: Channel) -> None:
    message = text_in(channel, "the water point is broken")
    ConsentRecord.objects.create(
        project=project,
        contact_id=message.contact_id,
        given=True,
        method=ConsentRecord.Method.SMS_NOTICE,
        purposes=["respond"],
        recorded_at=timezone.now(),
    )
    sweep_batch()
    assert len(receipts_of(project)) == 1


def test_a_later_record_for_another_purpose_says_nothing_about_being_answered(
    project: Project, channel: Channel
) -> None:
    """Consent is per purpose (intake.contacts.consent): the latest record naming
    "respond" counts, not the latest record (here a later refusal to be referred)."""
    message = text_in(channel, "the water point is broken")
    for given, purposes in ((True, ["respond"]), (False, ["share_with_partners"])):
        ConsentRecord.objects.create(
            project=project,
            contact_id=message.contact_id,
            given=given,
            method=ConsentRecord.Method.VERBAL,
            purposes=purposes,
            recorded_at=timezone.now(),
        )
    sweep_batch()
    assert len(receipts_of(project)) == 1


def test_none_for_a_record_flagged_spam(project: Project, channel: Channel) -> None:
    DuplicatePolicy.objects.create(project=project, rate_messages=2, rate_minutes=10)
    for n in range(3):
        text_in(channel, f"message number {n} about topic {n * 7}", n)
    sweep_batch()
    spam = Feedback.objects.filter(spam_mark__isnull=False).values_list(
        "inbound_message_id", flat=True
    )
    assert len(spam) == 1
    assert len(receipts_of(project)) == 2
    assert not any(r.in_reply_to_id in set(spam) for r in receipts_of(project))


def test_none_when_the_project_turned_receipts_off(
    project: Project, other_project: Project, channel: Channel
) -> None:
    AlertPolicy.objects.create(project=project, send_receipts=False)
    text_in(channel, "the water point is broken")
    other = do_create_channel(project_id=other_project.pk, kind="webhook", name="relay")
    text_in(other, "the water point is broken", 2)
    sweep_batch()
    assert receipts_of(project) == []
    assert len(receipts_of(other_project)) == 1  # another project's setting is its own


def test_none_for_a_status_query(project: Project, channel: Channel) -> None:
    text_in(channel, "STATUS D4EN-ACC6")
    sweep_batch()
    assert not Feedback.objects.exists()
    (answer,) = receipts_of(project)
    assert "D4EN-ACC6" not in opened(answer)  # the neutral answer, not a receipt


def test_a_batch_done_again_makes_no_second_receipt(project: Project, channel: Channel) -> None:
    message = text_in(channel, "the water point is broken")
    sweep_batch()
    assert len(receipts_of(project)) == 1
    batch = list(InboundMessage.objects.select_related("channel__project", "contact"))
    make_feedback_from_messages(batch)
    assert Feedback.objects.filter(inbound_message=message).count() == 1
    assert len(receipts_of(project)) == 1


def test_a_batch_costs_the_same_number_of_queries_whatever_its_size(
    project: Project, channel: Channel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The receipts' statements are the same for 3 records and for 12."""
    counts: list[int] = []
    queries_seen: list[str] = []
    real = receipts.do_queue_receipts

    def counted(records: list[Feedback], messages: list[InboundMessage]) -> list[OutboundMessage]:
        with CaptureQueriesContext(connection) as queries:
            made = real(records, messages)
        counts.append(len(queries))
        queries_seen[:] = [q["sql"][:90] for q in queries.captured_queries]
        return made

    monkeypatch.setattr("responsemap.triage.from_messages.do_queue_receipts", counted)
    for n in range(3):
        text_in(channel, f"the pump number {n} is broken", n, sender=f"+5093700{2000 + n}")
    sweep_batch()
    for n in range(3, 15):
        text_in(channel, f"the pump number {n} is broken", n, sender=f"+5093700{2000 + n}")
    sweep_batch()
    assert len(receipts_of(project)) == 15
    assert counts[0] == counts[1]
    # A savepoint and its release, three look-ups, the insert, the audit chain (3).
    assert counts[0] <= 10, queries_seen


POLICY_DATA = {
    "alert_urgencies": ["critical"],
    "alert_roles": ["officer"],
    "escalation_roles": ["manager"],
    "escalate_after_minutes": "30",
    "default_target_hours": "72",
}


def test_a_manager_turns_receipts_off_and_on_on_the_alert_settings(
    project: Project, client_as: Callable[[str], Client]
) -> None:
    url = reverse("triage:alerts:policy", kwargs={"slug": project.slug})
    for persona in ["operator", "officer", "protection", "partner", "donor", "outsider"]:
        assert client_as(persona).get(url).status_code == 404
        assert client_as(persona).post(url, POLICY_DATA).status_code == 404
    assert not AlertPolicy.objects.exists()
    assert not AuditEvent.objects.filter(action="alert_policy.update").exists()
    manager = client_as("manager")
    page = manager.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial["send_receipts"] is True  # on by default
    assert "receipt" in page.content.decode()
    assert manager.post(url, POLICY_DATA).status_code == 302  # the box left unticked
    assert AlertPolicy.objects.get().send_receipts is False
    (details,) = event_details([AuditEvent.objects.get(action="alert_policy.update")])
    assert "send_receipts" in details.fields
    assert manager.get(url).context["form"].initial["send_receipts"] is False
    assert manager.post(url, {**POLICY_DATA, "send_receipts": "on"}).status_code == 302
    assert AlertPolicy.objects.get().send_receipts is True
    last = AuditEvent.objects.filter(action="alert_policy.update").order_by("-seq").first()
    assert last is not None
    assert event_details([last])[0].fields == ["send_receipts"]
