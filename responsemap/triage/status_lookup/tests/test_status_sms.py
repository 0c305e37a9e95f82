"""Status by SMS: texting a code answers with its stage on the same channel and makes no
record; anything longer is feedback; limited per texter and per project."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone, translation

from responsemap.intake.channels.actions import do_create_channel
from responsemap.intake.channels.base import Inbound
from responsemap.intake.channels.models import Channel
from responsemap.intake.channels.queries import load_inbound_channel
from responsemap.intake.contacts.models import Contact
from responsemap.intake.messages.models import InboundMessage, OutboundMessage
from responsemap.intake.messages.store import store_from_phone
from responsemap.intake.messages.sweep import sweep_batch
from responsemap.projects.models import Project
from responsemap.protection.present import open_for_system
from responsemap.triage.choices import Sensitivity, Status
from responsemap.triage.models import Feedback
from responsemap.triage.status_lookup.queries import PublicStage
from responsemap.triage.status_lookup.sms import answer_text, status_query_code

pytestmark = pytest.mark.django_db
MakeFeedback = Callable[..., Feedback]
SENDER = "+50937001144"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("STATUS D4EN-ACC6", "D4EN-ACC6"),
        ("status d4en-acc6", "D4EN-ACC6"),
        ("Statut d4enacc6", "D4EN-ACC6"),
        ("ÉTAT D4EN ACC6", "D4EN-ACC6"),
        ("estado: D4EN-ACC6!", "D4EN-ACC6"),
        ("حالة D4EN-ACC6", "D4EN-ACC6"),
        ("estati D4EN-ACC6", "D4EN-ACC6"),
        ("D4EN-ACC6", "D4EN-ACC6"),
        ("d4enacc6", "D4EN-ACC6"),
        (" d4en acc6. ", "D4EN-ACC6"),
        ("STATUS D4EN-ACC5", ""),  # a query, but no reference: the neutral answer
        ("STATUS BBBB-BBB9", ""),
    ],
)
def test_a_status_query_is_recognised(text: str, code: str) -> None:
    assert status_query_code(text) == code


@pytest.mark.parametrize(
    "text",
    [
        "status of the water point in block C",
        "statut de la distribution?",
        "status terrible",  # 8 letters, but no code's
        "STATUS BBBBBBBB",
        "STATUS",
        "HELLO",
        "BBBBBBBB",  # letters no reference uses
        "D4EN-ACC6 the latrine is still broken",
        "Dlo a koupe",
        "",
    ],
)
def test_anything_else_is_a_message(text: str) -> None:
    assert status_query_code(text) is None


@pytest.fixture
def channel(project: Project) -> Channel:
    return do_create_channel(project_id=project.pk, kind="webhook", name="relay")


def text_in(channel: Channel, text: str, n: int = 0, sender: str = SENDER) -> InboundMessage:
    loaded = load_inbound_channel(channel.pk)
    assert loaded is not None
    _outcome, message = store_from_phone(loaded, Inbound(f"q{n}", sender, text))
    assert message is not None
    return message


def in_fr(words: object) -> str:
    """What the answer says, in the test project's first language (French)."""
    with translation.override("fr"):
        return str(words)


def answers(project: Project) -> list[str]:
    return [
        open_for_system(message, "text", purpose="test") or ""
        for message in OutboundMessage.objects.filter(
            project=project, purpose=OutboundMessage.Purpose.REPLY
        ).order_by("created_at")
    ]


def test_a_texted_code_is_answered_with_its_stage_and_makes_no_record(
    project: Project, channel: Channel, make_feedback: MakeFeedback
) -> None:
    record = make_feedback("Pa gen manje nan kan an")
    Feedback.objects.filter(pk=record.pk).update(status=Status.IN_PROGRESS)
    message = text_in(channel, f"status {record.reference.lower()}")
    assert sweep_batch() == 1
    assert Feedback.objects.count() == 1
    message.refresh_from_db()
    assert message.state == InboundMessage.State.PROCESSED
    (reply,) = OutboundMessage.objects.filter(purpose=OutboundMessage.Purpose.REPLY)
    assert (reply.in_reply_to_id, reply.channel_id) == (message.pk, channel.pk)
    assert reply.contact_id == message.contact_id
    (text,) = answers(project)
    # In the project's first language (French): the contact's is not known.
    looked_at = in_fr(PublicStage.LOOKED_AT.label)
    assert text.startswith(record.reference)
    assert f"{looked_at}." in text
    assert "manje" not in text


def test_a_protection_case_answers_its_stage_only(
    project: Project, channel: Channel, make_feedback: MakeFeedback
) -> None:
    record = make_feedback("Something happened at the distribution", type_code="protection")
    Feedback.objects.filter(pk=record.pk).update(
        status=Status.REFERRED, sensitivity=Sensitivity.SENSITIVE
    )
    text_in(channel, record.reference)
    sweep_batch()
    (text,) = answers(project)
    assert in_fr(PublicStage.LOOKED_AT.label) in text
    assert in_fr(PublicStage.REFERRED.label) not in text


def test_a_wrong_code_gets_the_neutral_answer(
    project: Project, other_project: Project, channel: Channel, make_feedback: MakeFeedback
) -> None:
    elsewhere = make_feedback(project=other_project).reference
    text_in(channel, "STATUS ACDE-FGHJ", 0)
    text_in(channel, f"STATUS {elsewhere}", 1)
    text_in(channel, "STATUS BBBB-BBB9", 2)
    assert sweep_batch() == 3
    assert Feedback.objects.filter(project=project).count() == 0
    texts = answers(project)
    assert len(texts) == 3
    assert len(set(texts)) == 1  # the same words, whatever was wrong
    with translation.override("fr"):
        assert texts[0] == answer_text(None)


def test_a_message_in_the_same_batch_still_becomes_a_record(
    project: Project, channel: Channel, make_feedback: MakeFeedback
) -> None:
    code = make_feedback().reference
    text_in(channel, code, 0)
    text_in(channel, "status of the water point: broken again", 1)
    assert sweep_batch() == 2
    assert Feedback.objects.filter(inbound_message__isnull=False).count() == 1
    # One status answer, and the new record's receipt with its own code (receipts).
    record = Feedback.objects.get(inbound_message__isnull=False)
    assert [record.reference in text for text in answers(project)] == [False, True]


def test_a_texter_is_limited_and_then_gets_nothing(
    project: Project, channel: Channel, make_feedback: MakeFeedback, settings: Any
) -> None:
    settings.RESPONSEMAP_STATUS_RATE_LIMIT = 2
    code = make_feedback().reference
    for n in range(3):
        text_in(channel, code, n)
    text_in(channel, code, 9, sender="+50937009988")  # someone else: still answered
    assert sweep_batch() == 4
    assert len(answers(project)) == 3
    assert Feedback.objects.count() == 1  # and no record of the refused one either


def test_an_opted_out_texter_is_sent_nothing(
    project: Project, channel: Channel, make_feedback: MakeFeedback
) -> None:
    code = make_feedback().reference
    message = text_in(channel, code)
    assert message.contact_id is not None
    Contact.objects.filter(pk=message.contact_id).update(opted_out_at=timezone.now())
    sweep_batch()
    (reply,) = OutboundMessage.objects.filter(purpose=OutboundMessage.Purpose.REPLY)
    assert reply.state == OutboundMessage.State.BLOCKED
