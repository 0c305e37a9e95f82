"""A contact is born one way, whatever its source; the inbound single statement is that
same birth, and writes what the portable path writes."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db import connection

from responsemap.intake.channels.actions import do_create_channel
from responsemap.intake.channels.base import Inbound
from responsemap.intake.channels.models import Channel
from responsemap.intake.channels.queries import load_inbound_channel
from responsemap.intake.contacts import actions as contact_actions
from responsemap.intake.contacts.actions import NewContact, do_get_or_create_contacts
from responsemap.intake.contacts.actions import do_set_consent_notice as publish
from responsemap.intake.contacts.models import Contact
from responsemap.intake.contacts.phones import phone_index
from responsemap.intake.contacts.queries import current_consent_notice
from responsemap.intake.messages.models import InboundMessage, OutboundMessage
from responsemap.intake.messages.store import Outcome, store_from_phone
from responsemap.intake.messages.sweep import sweep_received
from responsemap.projects.models import Project
from responsemap.protection.audit import chain_for, verify_chain, with_details
from responsemap.protection.models import AuditEvent, AuditPending
from responsemap.protection.present import open_for_system
from responsemap.triage.models import Feedback

pytestmark = pytest.mark.django_db
NUMBER = "+50937009999"


@pytest.fixture
def channel(project: Project) -> Channel:
    return do_create_channel(project_id=project.pk, kind="webhook", name="relay")


@pytest.mark.parametrize("path", ["statement", "portable"])
def test_the_statement_and_the_portable_path_write_the_same_rows_and_events(
    channel: Channel, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if path == "statement" and connection.vendor != "postgresql":
        pytest.skip("the single statement needs PostgreSQL (INSERT … SELECT in WITH)")
    if path == "portable":
        monkeypatch.setattr(contact_actions, "one_statement", lambda: False)
    chain = chain_for(channel.project_id)
    before = AuditEvent.objects.filter(chain=chain).count()  # the channel's creation
    loaded = load_inbound_channel(channel.pk)
    assert loaded is not None

    new = store_from_phone(loaded, Inbound("m1", NUMBER, "Nou bezwen dlo nan kan an"))
    known = store_from_phone(loaded, Inbound("m2", "+509 3700 9999", "Mèsi anpil"))
    replay = store_from_phone(loaded, Inbound("m1", NUMBER, "again"))
    assert [new[0], known[0], replay[0]] == [Outcome.STORED, Outcome.STORED, Outcome.REPLAY]
    sweep_received.call()

    contact = Contact.objects.get()
    messages = {m.provider_message_id: m for m in InboundMessage.objects.all()}
    feedback = {f.inbound_message_id: f for f in Feedback.objects.all()}
    names: dict[str, str] = {str(contact.pk): "contact"}
    for pid, message in messages.items():
        names[str(message.pk)] = pid
        names[str(feedback[message.pk].pk)] = f"feedback of {pid}"
    # Each record's receipt with its reference code (triage.status_lookup.receipts).
    for receipt in OutboundMessage.objects.filter(purpose=OutboundMessage.Purpose.REPLY):
        names[str(receipt.pk)] = f"receipt of {names[str(receipt.in_reply_to_id)]}"

    assert {
        "phone": open_for_system(contact, "phone", purpose="test"),
        "phone_index": contact.phone_index == phone_index(channel.project_id, NUMBER),
        "handle": (contact.handle, contact.handle_index),
        "name": contact.name,
        "language": contact.language,
        "opted_out_at": contact.opted_out_at,
    } == {
        "phone": NUMBER,
        "phone_index": True,
        "handle": (None, ""),
        "name": None,
        "language": "",
        "opted_out_at": None,
    }
    assert sorted(
        (pid, names[str(m.contact_id)], m.new_contact, m.kind, m.state, _opened(m, "text"))
        for pid, m in messages.items()
    ) == [
        ("m1", "contact", True, "message", "processed", "Nou bezwen dlo nan kan an"),
        ("m2", "contact", False, "message", "processed", "Mèsi anpil"),
    ]
    assert sorted(
        (names[str(f.pk)], f.source, names[str(f.contact_id)], _opened(f, "content"), f.language)
        for f in feedback.values()
    ) == [
        ("feedback of m1", "sms", "contact", "Nou bezwen dlo nan kan an", ""),
        ("feedback of m2", "sms", "contact", "Mèsi anpil", ""),
    ]
    events = with_details(AuditEvent.objects.filter(chain=chain).order_by("seq")[before:])
    assert sorted(
        (e.action, e.object_type, names[e.object_id], tuple(e.fields), e.actor_label, e.purpose)
        for e in events
    ) == [
        ("contact.create", "contact", "contact", ("phone",), "system", ""),
        ("feedback.create", "feedback", "feedback of m1", ("contact", "content"), "system", "sms"),
        ("feedback.create", "feedback", "feedback of m2", ("contact", "content"), "system", "sms"),
        ("message.queue", "outboundmessage", "receipt of m1", ("text",), "system", "reply"),
        ("message.queue", "outboundmessage", "receipt of m2", ("text",), "system", "reply"),
        ("message.receive", "inboundmessage", "m1", ("sender", "text"), "system", "webhook"),
        ("message.receive", "inboundmessage", "m2", ("sender", "text"), "system", "webhook"),
    ]
    assert not AuditPending.objects.exists()
    assert verify_chain(chain) is None


def _opened(record: Any, field: str) -> str | None:
    return open_for_system(record, field, purpose="test")


def test_a_batch_makes_each_person_once_and_audits_each_birth(project: Project) -> None:
    (known, made_before), *_ = do_get_or_create_contacts(project.pk, [NewContact(phone=NUMBER)])
    assert made_before
    people = [
        NewContact(phone="+50937001122", language="ht"),
        NewContact(phone=NUMBER),  # known already
        NewContact(handle="telegram:4242"),
        NewContact(phone="+50937001122"),  # twice in the batch
    ]
    births = AuditEvent.objects.filter(action="contact.create").count()

    got = do_get_or_create_contacts(project.pk, people)

    assert [made for _contact, made in got] == [True, False, True, True]
    assert got[1][0] == known
    assert got[0][0] == got[3][0]
    assert Contact.objects.count() == 3
    assert open_for_system(got[2][0], "handle", purpose="test") == "telegram:4242"
    births_after = AuditEvent.objects.filter(action="contact.create").order_by("seq")[births:]
    events = with_details(births_after)
    assert sorted((e.object_id, tuple(e.fields), e.actor_label) for e in events) == sorted(
        [
            (str(got[0][0].pk), ("language", "phone"), "system"),
            (str(got[2][0].pk), ("handle",), "system"),
        ]
    )


def test_a_contact_made_meanwhile_is_found_not_made_twice(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    (other, _), *_ = do_get_or_create_contacts(project.pk, [NewContact(phone=NUMBER)])
    real_find = contact_actions._find
    misses = iter([True])

    def find_after_the_other_request(*args: Any) -> Any:
        # The first look misses it, as if the other request committed just after.
        return {} if next(misses, False) else real_find(*args)

    monkeypatch.setattr(contact_actions, "_find", find_after_the_other_request)
    ((contact, made),) = do_get_or_create_contacts(project.pk, [NewContact(phone=NUMBER)])
    assert (contact, made) == (other, False)
    assert AuditEvent.objects.filter(action="contact.create").count() == 1


def test_a_person_is_a_phone_number_or_a_handle() -> None:
    with pytest.raises(ValueError, match="phone number or a handle"):
        NewContact()
    with pytest.raises(ValueError, match="phone number or a handle"):
        NewContact(phone=NUMBER, handle="telegram:1")


def test_the_notice_in_the_persons_language_else_the_projects_else_any(
    project: Project, other_project: Project
) -> None:
    assert current_consent_notice(project, "en") is None
    publish(project_id=project.pk, language="ht", text="Notis")
    assert _label(current_consent_notice(project, "en")) == "ht-v1"  # better than none
    publish(project_id=project.pk, language="fr", text="Notice")  # the default language
    publish(project_id=project.pk, language="fr", text="Notice v2")
    assert _label(current_consent_notice(project, "en")) == "fr-v2"
    assert _label(current_consent_notice(project, "")) == "fr-v2"
    publish(project_id=project.pk, language="en", text="Notice")
    assert _label(current_consent_notice(project, "en")) == "en-v1"
    assert current_consent_notice(other_project, "en") is None


def _label(notice: Any) -> str:
    return str(notice.label) if notice else ""


def test_a_new_numbers_first_message_is_sent_the_chosen_notice(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    from responsemap.intake.contacts.models import ConsentRecord
    from responsemap.intake.messages import receive
    from responsemap.intake.messages.models import OutboundMessage

    channel = do_create_channel(
        project_id=project.pk, kind="webhook", name="relay", config={"send_url": ""}
    )
    publish(project_id=project.pk, language="ht", text="Notis an kreyòl")
    queued: list[str] = []

    def queue(**kw: Any) -> OutboundMessage:  # the notice's text, not sent anywhere
        queued.append(kw["text"])
        return OutboundMessage()

    monkeypatch.setattr(receive, "do_queue_outbound", queue)
    loaded = load_inbound_channel(channel.pk)
    assert loaded is not None
    store_from_phone(loaded, Inbound(str(uuid.uuid4()), NUMBER, "Bonjou"))
    sweep_received.call()
    assert queued == ["Notis an kreyòl"]  # no notice in fr nor en: the one there is
    assert ConsentRecord.objects.get().notice_version == "ht-v1"
