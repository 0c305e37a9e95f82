"""Settings take effect at the next message, in every process: no cache lives for a fixed
time. The web process below has the channel loaded (a first message was served); the
change is then made "elsewhere": on PostgreSQL from another connection, by a plain
UPDATE that no code of this process sees; on SQLite (one in-memory test database, no
second connection) by a plain UPDATE too — nothing is told to forget anything."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from responsemap.geo.actions import do_create_area
from responsemap.intake.channels.actions import do_create_channel
from responsemap.intake.channels.base import Inbound
from responsemap.intake.channels.models import Channel
from responsemap.intake.channels.queries import (
    channel_for_webhook,
    forget_channels,
    load_inbound_channel,
)
from responsemap.intake.channels.webhook.adapter import SIGNATURE_HEADER, sign
from responsemap.intake.contacts.actions import do_get_or_create_contact
from responsemap.intake.contacts.models import Contact, IntakePolicy
from responsemap.intake.messages.models import InboundMessage
from responsemap.intake.messages.store import store_from_phone
from responsemap.intake.messages.sweep import sweep_batch
from responsemap.projects.models import Project
from responsemap.protection.models import AuditPending
from responsemap.protection.present import open_for_system
from responsemap.triage.models import Feedback

SENDER = "+50937001122"
SECRET = "relay-shared-secret"


@pytest.fixture
def channel(project: Project) -> Iterator[Channel]:
    forget_channels()
    channel = do_create_channel(
        project_id=project.pk, kind="webhook", name="relay", secrets={"secret": SECRET}
    )
    do_get_or_create_contact(project_id=project.pk, country="HT", raw_phone=SENDER)
    yield channel
    forget_channels()


def post(
    channel: Channel, message_id: str, text: str = "Bonjou", sender: str = SENDER, **kw: str
) -> tuple[int, dict[str, Any]]:
    body = json.dumps({"messages": [{"id": message_id, "from": sender, "text": text}]})
    response = Client().post(
        reverse("intake:receive", args=[channel.pk]),
        body,
        content_type="application/json",
        headers={SIGNATURE_HEADER: sign(kw.get("secret", SECRET), body.encode())},
    )
    return response.status_code, json.loads(response.content or b"{}")


def update_elsewhere(table: type[Any], set_sql: str, params: list[Any], pk: uuid.UUID) -> None:
    """A plain UPDATE, as another process (or a database console) would make it."""
    sql = f"UPDATE {table._meta.db_table} SET {set_sql} WHERE id = %s"  # noqa: S608
    if connection.vendor == "postgresql":
        import psycopg

        db = connection.get_connection_params()
        with psycopg.connect(
            dbname=db["dbname"], host=db.get("host"), user=db.get("user"), autocommit=True
        ) as other:
            other.execute(sql, [*params, str(pk)])
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, pk.hex])  # how Django stores a UUID on SQLite


def stored_ids() -> list[str]:
    return sorted(InboundMessage.objects.values_list("provider_message_id", flat=True))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("sender", "text"),
    [
        (SENDER, "Pa gen dlo"),  # a known number: the one statement
        ("+50937009999", "Pa gen dlo"),  # a new number: the statement that makes it
        (SENDER, "STOP"),  # a keyword: the ORM path
    ],
)
def test_a_closed_project_refuses_the_very_next_message(
    channel: Channel, sender: str, text: str
) -> None:
    assert post(channel, "m1")[0] == 200  # the channel is now loaded in this process
    assert channel_for_webhook(str(channel.pk)) is not None
    contacts, pending = Contact.objects.count(), AuditPending.objects.count()

    update_elsewhere(Project, "status = %s", [Project.Status.CLOSED.value], channel.project_id)

    # Answered with a success (the closure notice goes back through the gateway), and
    # nothing of the message or its sender is kept.
    status, answer = post(channel, "m2", text, sender)
    assert (status, answer) == (200, {"ok": True, "stored": 0})
    assert stored_ids() == ["m1"]
    assert (Contact.objects.count(), AuditPending.objects.count()) == (contacts, pending)
    assert post(channel, "m3")[0] == 200  # and every message after it
    assert stored_ids() == ["m1"]
    assert post(channel, "m4", secret="not-the-secret")[0] == 403  # still proven first


@pytest.mark.django_db(transaction=True)
def test_a_channel_switched_off_elsewhere_refuses_the_next_message(channel: Channel) -> None:
    assert post(channel, "m1")[0] == 200
    update_elsewhere(Channel, "is_active = %s", [False], channel.pk)

    status, answer = post(channel, "m2")
    assert (status, answer["error"]) == (410, "this channel is switched off")
    assert stored_ids() == ["m1"]

    status_url = reverse("intake:status", args=[channel.pk])
    body = json.dumps({"statuses": []})
    headers = {SIGNATURE_HEADER: sign(SECRET, body.encode())}
    reports = Client().post(status_url, body, content_type="application/json", headers=headers)
    assert reports.status_code == 410  # delivery reports too

    update_elsewhere(Channel, "is_active = %s", [True], channel.pk)
    assert post(channel, "m3")[0] == 200  # switched on again: taken at once
    assert stored_ids() == ["m1", "m3"]


@pytest.mark.django_db
def test_a_new_stop_word_applies_to_the_next_message(channel: Channel) -> None:
    assert post(channel, "m1")[0] == 200
    IntakePolicy.objects.create(project_id=channel.project_id, stop_words=["kansel"])

    assert post(channel, "m2", "Kansèl")[0] == 200
    assert InboundMessage.objects.get(provider_message_id="m2").kind == "opt_out"
    assert Contact.objects.get().opted_out_at is not None


@pytest.mark.django_db
def test_a_new_secret_applies_to_the_next_message(channel: Channel) -> None:
    assert post(channel, "m1")[0] == 200
    channel.secrets = json.dumps({"secret": "the-new-secret"})
    channel.save()

    assert post(channel, "m2", secret="the-new-secret")[0] == 200
    assert post(channel, "m3")[0] in (401, 403)  # the old secret no longer opens it
    assert stored_ids() == ["m1", "m2"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="one statement on PostgreSQL")
@pytest.mark.django_db
def test_the_webhook_stores_a_message_from_a_known_number_in_one_statement(
    channel: Channel,
) -> None:
    assert post(channel, "m1")[0] == 200  # loads the channel
    with CaptureQueriesContext(connection) as queries:
        assert post(channel, "m2")[0] == 200
    assert len(queries) == 1, [q["sql"][:80] for q in queries]


def store(channel: Channel, message_id: str, text: str) -> InboundMessage:
    loaded = load_inbound_channel(channel.pk)  # the web side is not what this is about
    assert loaded is not None
    _outcome, message = store_from_phone(loaded, Inbound(message_id, SENDER, text))
    assert message is not None
    return message


def redacted_of(feedback: Feedback) -> str:
    return open_for_system(feedback, "redacted_content", purpose="test") or ""


@pytest.mark.django_db
def test_a_changed_id_pattern_applies_to_the_next_batch(channel: Channel) -> None:
    policy = IntakePolicy.objects.create(project_id=channel.project_id)
    text = "Yo ekri KT7731QZ sou papye a, yo pa ban m anyen"
    first = store(channel, "m1", text)
    assert sweep_batch() == 1  # the worker now keeps this project's redactor
    assert "KT7731QZ" in redacted_of(Feedback.objects.get(inbound_message=first))

    # Elsewhere: a plain UPDATE that sets the change time, as every writer does.
    IntakePolicy.objects.filter(pk=policy.pk).update(
        id_patterns=[r"KT\d{4}[A-Z]{2}"], updated_at=timezone.now()
    )
    second = store(channel, "m2", text)
    assert sweep_batch() == 1
    redacted = redacted_of(Feedback.objects.get(inbound_message=second))
    assert "KT7731QZ" not in redacted
    assert "[ID]" in redacted


@pytest.mark.django_db
def test_a_new_area_applies_to_the_next_batch(channel: Channel) -> None:
    first = store(channel, "m1", "Pa gen dlo nan Bèlvi depi twa jou")
    assert sweep_batch() == 1
    assert Feedback.objects.get(inbound_message=first).area is None

    area = do_create_area(project_id=channel.project_id, pcode="XT09", name="Bèlvi", level=2)
    second = store(channel, "m2", "Pa gen dlo nan Bèlvi depi twa jou")
    assert sweep_batch() == 1
    assert Feedback.objects.get(inbound_message=second).area == area
