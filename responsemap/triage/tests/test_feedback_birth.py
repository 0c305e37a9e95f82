"""A feedback record is born one way, whatever its source: ``do_create_feedback_batch``,
with a creation event each, cheap in batches; records from messages point at them."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from responsemap.intake.channels.actions import do_create_channel
from responsemap.intake.channels.base import Inbound
from responsemap.intake.channels.models import Channel
from responsemap.intake.channels.queries import load_inbound_channel
from responsemap.intake.contacts.actions import do_get_or_create_contact
from responsemap.intake.messages.models import InboundMessage
from responsemap.intake.messages.store import store_from_phone
from responsemap.intake.messages.sweep import sweep_batch
from responsemap.projects.models import Project
from responsemap.protection.audit import chain_for, verify_chain, with_details
from responsemap.protection.models import AuditEvent
from responsemap.protection.present import open_for_system
from responsemap.triage.actions import CallInfo, NewFeedback, do_create_feedback_batch
from responsemap.triage.from_messages import make_feedback_from_messages
from responsemap.triage.models import Feedback

pytestmark = pytest.mark.django_db
SENDER = "+50937001122"
PACKAGE = Path(__file__).resolve().parents[2]


@pytest.fixture
def channel(project: Project) -> Channel:
    do_get_or_create_contact(project_id=project.pk, country="HT", raw_phone=SENDER)
    return do_create_channel(project_id=project.pk, kind="webhook", name="relay")


def store(channel: Channel, count: int, start: int = 0) -> list[InboundMessage]:
    loaded = load_inbound_channel(channel.pk)
    assert loaded is not None
    made = []
    for n in range(start, start + count):
        # Words no other message shares: never near-copies (triage.duplicates links
        # those, one insert more), whatever the project's random key does to MinHash.
        text = " ".join(f"w{n}x{i}" for i in range(4))
        _outcome, message = store_from_phone(loaded, Inbound(f"m{n}", SENDER, text))
        assert message is not None
        made.append(message)
    return made


def test_records_and_contacts_are_born_in_their_action_modules_only() -> None:
    """No ``Feedback(...)``/``Contact(...)``, nor ``.objects.create``/``bulk_create`` of
    them, outside their action modules (tests and migrations aside)."""
    births = {"Feedback": "triage/actions.py", "Contact": "intake/contacts/actions.py"}
    found = []
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE).as_posix()
        if "/tests/" in f"/{relative}" or "/migrations/" in relative or relative == "testing.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else None
            if (
                isinstance(func, ast.Attribute)
                and func.attr in {"create", "bulk_create", "get_or_create", "update_or_create"}
                and isinstance(func.value, ast.Attribute)
                and func.value.attr == "objects"
                and isinstance(func.value.value, ast.Name)
            ):
                name = func.value.value.id
            if name in births and relative != births[name]:
                found.append(f"{relative}:{node.lineno} makes a {name}")
    assert found == []


def test_a_message_becomes_a_record_with_a_system_creation_event(channel: Channel) -> None:
    (message,) = store(channel, 1)
    assert sweep_batch() == 1

    feedback = Feedback.objects.get()
    assert feedback.inbound_message_id == message.pk
    assert feedback.provider_message_id == ""  # only an import's row key goes there
    assert (feedback.source, feedback.contact_id) == ("sms", message.contact_id)
    assert feedback.redacted_at is not None  # redacted in the same batch
    [event] = with_details([AuditEvent.objects.get(action="feedback.create")])
    assert (event.object_id, event.actor_label, event.purpose) == (
        str(feedback.pk),
        "system",
        "sms",
    )
    assert sorted(event.fields) == ["contact", "content"]
    assert verify_chain(chain_for(channel.project_id)) is None


def test_a_batch_done_again_makes_nothing_twice(channel: Channel) -> None:
    messages = list(
        InboundMessage.objects.select_related("channel__project", "contact").filter(
            pk__in=[m.pk for m in store(channel, 3)]
        )
    )
    make_feedback_from_messages(messages)
    make_feedback_from_messages(messages)  # rolled back after the insert, say: again
    assert Feedback.objects.count() == 3
    assert AuditEvent.objects.filter(action="feedback.create").count() == 3


def test_a_batch_costs_the_same_statements_for_six_messages_as_for_two(
    channel: Channel,
) -> None:
    """One insert for the records and one for their events, whatever the batch's size."""
    store(channel, 2)
    sweep_batch()  # the first batch loads the project's redactor; compare warm batches
    store(channel, 2, start=10)
    with CaptureQueriesContext(connection) as two:
        assert sweep_batch() == 2
    store(channel, 6, start=20)
    with CaptureQueriesContext(connection) as six:
        assert sweep_batch() == 6
    assert len(six) == len(two)


def test_one_batch_of_many_sources_makes_contacts_consent_calls_and_events(
    project: Project, other_project: Project
) -> None:
    items = [
        NewFeedback(source="hotline", content="Call", phone="3712 3456", consent_given=True,
                    call=CallInfo(consent_asked=True, consent_answer=True, duration_seconds=90)),
        NewFeedback(source="web", content="Web", phone="+50937123456", consent_given=True),
        NewFeedback(source="web", content="Anonymous", phone="+50937000000", consent_given=False),
        NewFeedback(source="import", content="Row", provider_message_id="sheet:row-7"),
    ]  # fmt: skip
    made = do_create_feedback_batch([project, project, project, other_project], items, None)

    assert [f.project_id for f in made] == [project.pk] * 3 + [other_project.pk]
    assert made[0].contact_id == made[1].contact_id  # the same number, one contact
    assert made[2].contact_id is None  # no consent: no number kept
    assert made[0].call_details.duration_seconds == 90
    assert open_for_system(made[3], "content", purpose="test") == "Row"
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions.count("feedback.create") == 4
    assert actions.count("contact.create") == 1
    assert actions.count("consent.record") == 3


def test_existing_message_records_are_linked_by_the_migration(channel: Channel) -> None:
    migration = importlib.import_module(
        "responsemap.triage.migrations.0005_feedback_inbound_message"
    )
    (message,) = store(channel, 1)
    assert sweep_batch() == 1
    # As a record made before the foreign key looked: the message id as text.
    Feedback.objects.update(inbound_message=None, provider_message_id=str(message.pk))
    imported = do_create_feedback_batch(
        channel.project,
        [NewFeedback(source="import", content="Row", provider_message_id="sheet:row-1")],
        None,
    )[0]

    migration.link_messages(apps, None)

    linked = Feedback.objects.get(source="sms")
    assert (linked.inbound_message_id, linked.provider_message_id) == (message.pk, "")
    imported.refresh_from_db()
    assert (imported.inbound_message_id, imported.provider_message_id) == (None, "sheet:row-1")
