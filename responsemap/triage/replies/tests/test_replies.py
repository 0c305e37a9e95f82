"""Issue 10, point 6: a reply from the record, on the sender's channel."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from responsemap.accounts.actions import do_add_member
from responsemap.accounts.models import Role, User
from responsemap.intake.channels.actions import do_create_channel
from responsemap.intake.channels.models import Channel
from responsemap.intake.contacts.actions import do_get_or_create_contact_by_handle
from responsemap.intake.contacts.models import ConsentRecord, Contact
from responsemap.intake.messages.models import InboundMessage, OutboundMessage
from responsemap.intake.messages.send import do_record_delivery, send_outbound
from responsemap.projects.models import Project
from responsemap.protection.audit import with_details
from responsemap.protection.models import AuditEvent
from responsemap.protection.present import open_for_system
from responsemap.protection.system_opens import SystemPurpose
from responsemap.protection.viewer import Viewer
from responsemap.triage.choices import Sensitivity, Status
from responsemap.triage.models import Feedback
from responsemap.triage.replies.actions import do_reply_to_feedback
from responsemap.triage.replies.models import Reply
from responsemap.triage.replies.routing import ReplyRefused

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]
ViewerFor = Callable[[str], Viewer]
TEXT = "Nou resevwa mesaj ou, ekip la ap vini jedi"


def nothing_sent() -> bool:
    return (
        not OutboundMessage.objects.exists()
        and not Reply.objects.exists()
        and not AuditEvent.objects.filter(action__in=["feedback.reply", "message.queue"]).exists()
    )


def test_an_sms_is_answered_on_the_channel_it_came_in_on(
    as_viewer: ViewerFor,
    sms_channel: Channel,
    from_channel: Callable[..., Feedback],
    project: Project,
) -> None:
    do_create_channel(project_id=project.pk, kind="twilio", name="Other SMS", secrets={})
    record = from_channel(sms_channel)
    result = do_reply_to_feedback(as_viewer("officer"), record.pk, TEXT)
    outbound = result.outbound
    assert outbound.channel_id == sms_channel.pk
    assert outbound.contact_id == record.contact_id
    assert outbound.purpose == OutboundMessage.Purpose.REPLY
    assert outbound.state == OutboundMessage.State.QUEUED
    assert outbound.in_reply_to_id == record.inbound_message_id
    assert open_for_system(outbound, "text", purpose=SystemPurpose.TEST) == TEXT
    assert open_for_system(result.reply, "text", purpose=SystemPurpose.TEST) == TEXT
    [event] = with_details(
        AuditEvent.objects.filter(action="feedback.reply", object_id=str(record.pk))
    )
    assert event.fields == ["replies.text"]
    assert event.purpose == "kannel"
    assert not result.answered


def test_whatsapp_is_answered_on_whatsapp(
    as_viewer: ViewerFor,
    sms_channel: Channel,
    whatsapp_channel: Channel,
    from_channel: Callable[..., Feedback],
) -> None:
    record = from_channel(whatsapp_channel, source="whatsapp")
    result = do_reply_to_feedback(as_viewer("officer"), record.pk, TEXT)
    assert result.outbound.channel_id == whatsapp_channel.pk


def test_a_hotline_caller_is_answered_through_the_default_sms_channel(
    as_viewer: ViewerFor,
    project: Project,
    hotline_call: Callable[..., Feedback],
) -> None:
    do_create_channel(project_id=project.pk, kind="webhook", name="Relay", secrets={})
    first = do_create_channel(project_id=project.pk, kind="kannel", name="First", secrets={})
    marked = do_create_channel(
        project_id=project.pk,
        kind="twilio",
        name="Replies",
        config={"default_for_replies": True},
        secrets={},
    )
    record = hotline_call()
    result = do_reply_to_feedback(as_viewer("officer"), record.pk, TEXT)
    assert result.outbound.channel_id == marked.pk
    Channel.objects.filter(pk=marked.pk).update(is_active=False)
    again = do_reply_to_feedback(as_viewer("officer"), record.pk, TEXT)
    assert again.outbound.channel_id == first.pk


def test_a_web_record_without_an_sms_channel_is_refused_in_words(
    as_viewer: ViewerFor, make_feedback: Callable[..., Feedback]
) -> None:
    record = make_feedback(source="web", phone="+50937123488", consent_given=True)
    with pytest.raises(ReplyRefused, match="no SMS channel"):
        do_reply_to_feedback(as_viewer("officer"), record.pk, TEXT)
    assert nothing_sent()


def test_no_phone_is_refused(
    as_viewer: ViewerFor, sms_channel: Channel, make_feedback: Callable[..., Feedback]
) -> None:
    record = make_feedback(source="web")  # anonymous
    with pytest.raises(ReplyRefused, match="No phone number or address"):
        do_reply_to_feedback(as_viewer("officer"), record.pk, TEXT)
    refused = make_feedback(source="hotline", phone="+50937123477", consent_given=False)
    with pytest.raises(ReplyRefused):
        do_reply_to_feedback(as_viewer("officer"), refused.pk, TEXT)
    assert nothing_sent()


def test_an_opted_out_contact_is_refused(
    as_viewer: ViewerFor, sms_channel: Channel, from_channel: Callable[..., Feedback]
) -> None:
    record = from_channel(sms_channel)
    Contact.objects.filter(pk=str(record.contact_id)).update(opted_out_at=timezone.now())
    with pytest.raises(ReplyRefused, match="opted out"):
        do_reply_to_feedback(as_viewer("officer"), record.pk, TEXT)
    assert nothing_sent()


def test_a_withdrawn_consent_is_refused(
    as_viewer: ViewerFor, sms_channel: Channel, hotline_call: Callable[..., Feedback]
) -> None:
    record = hotline_call()
    ConsentRecord.objects.filter(contact_id=str(record.contact_id)).update(
        withdrawn_at=timezone.now()
    )
    with pytest.raises(ReplyRefused, match="did not agree"):
        do_reply_to_feedback(as_viewer("officer"), record.pk, TEXT)
    assert nothing_sent()


def test_a_channel_switched_off_is_refused(
    as_viewer: ViewerFor, sms_channel: Channel, from_channel: Callable[..., Feedback]
) -> None:
    record = from_channel(sms_channel)
    Channel.objects.filter(pk=sms_channel.pk).update(is_active=False)
    with pytest.raises(ReplyRefused, match="switched off"):
        do_reply_to_feedback(as_viewer("officer"), record.pk, TEXT)
    assert nothing_sent()


def test_empty_and_too_long_replies_are_refused(
    as_viewer: ViewerFor, sms_channel: Channel, from_channel: Callable[..., Feedback]
) -> None:
    record = from_channel(sms_channel)
    for text in ("   ", "x" * 1001):
        with pytest.raises(ReplyRefused):
            do_reply_to_feedback(as_viewer("officer"), record.pk, text)
    assert nothing_sent()


def test_mark_answered_moves_the_record_when_its_status_allows(
    as_viewer: ViewerFor, sms_channel: Channel, from_channel: Callable[..., Feedback]
) -> None:
    record = from_channel(sms_channel)
    officer = as_viewer("officer")
    first = do_reply_to_feedback(officer, record.pk, TEXT, mark_answered=True)
    assert not first.answered  # "new" can't go straight to "answered"
    Feedback.objects.filter(pk=record.pk).update(status=Status.IN_PROGRESS)
    second = do_reply_to_feedback(officer, record.pk, TEXT, mark_answered=True)
    assert second.answered
    record.refresh_from_db()
    assert record.status == Status.ANSWERED
    [move] = with_details(
        AuditEvent.objects.filter(action="feedback.change_status", object_id=str(record.pk))
    )
    assert move.purpose == "in_progress>answered"


def test_a_protection_case_is_answered_by_protection_roles_only(
    as_viewer: ViewerFor, sms_channel: Channel, from_channel: Callable[..., Feedback]
) -> None:
    record = from_channel(sms_channel, sensitivity=Sensitivity.SENSITIVE)
    for persona in ("officer", "manager"):
        with pytest.raises(Http404):
            do_reply_to_feedback(as_viewer(persona), record.pk, TEXT)
    assert nothing_sent()
    do_reply_to_feedback(as_viewer("protection"), record.pk, TEXT)
    assert Reply.objects.count() == 1


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("officer", True),
        ("protection", True),
        ("manager", True),
        ("operator", False),
        ("partner", False),
        ("donor", False),
        ("outsider", False),
        ("sysadmin", False),
    ],
)
def test_reply_screen_persona_matrix(
    persona: str,
    allowed: bool,
    client_as: ClientFor,
    project: Project,
    sms_channel: Channel,
    from_channel: Callable[..., Feedback],
) -> None:
    record = from_channel(sms_channel)
    url = reverse("triage:reply", args=[project.slug, record.pk])
    response = client_as(persona).post(url, {"text": TEXT, "mark_answered": "on"})
    if allowed:
        assert response.status_code == 302
        assert Reply.objects.filter(feedback=record).count() == 1
        assert OutboundMessage.objects.count() == 1
    else:
        assert response.status_code == 404
        assert nothing_sent()
        record.refresh_from_db()
        assert record.status == Status.NEW


def test_the_record_page_shows_delivery_in_words_with_time(
    client_as: ClientFor,
    as_viewer: ViewerFor,
    project: Project,
    sms_channel: Channel,
    from_channel: Callable[..., Feedback],
) -> None:
    record = from_channel(sms_channel)
    result = do_reply_to_feedback(as_viewer("officer"), record.pk, TEXT)
    url = reverse("triage:detail", args=[project.slug, record.pk])
    page = client_as("officer").get(url).content.decode()
    assert TEXT in page
    assert "Queued" in page
    assert "Kannel Port-au-Prince" in page
    OutboundMessage.objects.filter(pk=result.outbound.pk).update(
        state="sent", provider_message_id="k-1", sent_at=timezone.now()
    )
    assert "Sent" in client_as("officer").get(url).content.decode()
    assert do_record_delivery(sms_channel, "k-1", "delivered") == 1
    page = client_as("officer").get(url).content.decode()
    assert 'data-state="delivered"' in page
    assert "<strong>Delivered</strong>" in page
    OutboundMessage.objects.filter(pk=result.outbound.pk).update(state="unknown")
    assert "Not known whether sent" in client_as("officer").get(url).content.decode()
    OutboundMessage.objects.filter(pk=result.outbound.pk).update(state="failed")
    assert "<strong>Failed</strong>" in client_as("officer").get(url).content.decode()


def test_the_record_page_says_why_no_reply_can_go(
    client_as: ClientFor, project: Project, make_feedback: Callable[..., Feedback]
) -> None:
    record = make_feedback(source="web")
    page = client_as("officer").get(reverse("triage:detail", args=[project.slug, record.pk]))
    body = page.content.decode()
    assert 'id="reply-refused"' in body
    assert "reply-form" not in body


def test_a_reader_without_edit_sees_replies_but_no_form(
    personas: dict[str, User],
    project: Project,
    as_viewer: ViewerFor,
    sms_channel: Channel,
    from_channel: Callable[..., Feedback],
) -> None:
    reader = User.objects.create_user("reader", password="reader-password-1")  # noqa: S106
    role = project_role_with(project, ["view_feedback"])
    do_add_member(project_id=project.pk, user=reader, role_code=role)
    record = from_channel(sms_channel)
    do_reply_to_feedback(as_viewer("officer"), record.pk, TEXT)
    client = Client()
    client.force_login(reader)
    body = client.get(reverse("triage:detail", args=[project.slug, record.pk])).content.decode()
    assert TEXT in body
    assert "reply-form" not in body


def project_role_with(project: Project, permissions: list[str]) -> str:
    Role.objects.create(project=project, code="reader", label="Reader", permissions=permissions)
    return "reader"


def test_telegram_is_answered_on_telegram_to_the_chat(
    as_viewer: ViewerFor, project: Project, make_feedback: Callable[..., Feedback]
) -> None:
    telegram = do_create_channel(project_id=project.pk, kind="telegram", name="Bot", secrets={})
    contact, _new = do_get_or_create_contact_by_handle(
        project_id=project.pk, handle="telegram:4242"
    )
    message = InboundMessage(
        project=project,
        channel=telegram,
        provider_message_id="tg-1",
        contact=contact,
        received_at=timezone.now(),
    )
    message.text = "Ki lè distribisyon an ye?"
    message.save(force_insert=True)
    record = make_feedback(
        "Ki lè distribisyon an ye?",
        source="telegram",
        contact=contact,
        inbound_message_id=message.pk,
    )
    result = do_reply_to_feedback(as_viewer("officer"), record.pk, TEXT)
    assert (result.outbound.channel_id, result.outbound.contact_id) == (telegram.pk, contact.pk)
    web = make_feedback(source="web", phone="+50937123466", consent_given=True)
    Contact.objects.filter(pk=str(web.contact_id)).update(phone_index="", handle_index="x")
    with pytest.raises(ReplyRefused):
        do_reply_to_feedback(as_viewer("officer"), web.pk, TEXT)


def test_an_opt_out_after_queueing_blocks_the_send_and_the_record_says_so(
    client_as: ClientFor,
    as_viewer: ViewerFor,
    project: Project,
    sms_channel: Channel,
    from_channel: Callable[..., Feedback],
) -> None:
    record = from_channel(sms_channel)
    result = do_reply_to_feedback(as_viewer("officer"), record.pk, TEXT)
    Contact.objects.filter(pk=str(record.contact_id)).update(opted_out_at=timezone.now())
    send_outbound.call(str(result.outbound.pk))
    result.outbound.refresh_from_db()
    assert result.outbound.state == OutboundMessage.State.BLOCKED
    page = client_as("officer").get(reverse("triage:detail", args=[project.slug, record.pk]))
    body = page.content.decode()
    assert "Not sent: opted out" in body
    assert "This person opted out" in body  # and no form to try again


def test_a_reply_marked_public_is_shown_on_the_status_page_and_no_other(
    as_viewer: ViewerFor, sms_channel: Channel, from_channel: Callable[..., Feedback]
) -> None:
    record = from_channel(sms_channel)
    officer = as_viewer("officer")
    do_reply_to_feedback(officer, record.pk, "Private answer to the sender only")
    url = reverse("public:status", args=[record.project.slug]) + "?lang=en"
    page = Client().post(url, {"code": record.reference}, REMOTE_ADDR="10.0.0.9")
    assert "Private answer" not in page.content.decode()
    do_reply_to_feedback(officer, record.pk, "Water trucking resumes on Monday", public=True)
    page = Client().post(url, {"code": record.reference}, REMOTE_ADDR="10.0.0.9")
    body = page.content.decode()
    assert "Water trucking resumes on Monday" in body
    assert "Private answer" not in body
    events = with_details(
        AuditEvent.objects.filter(action="feedback.reply", object_id=str(record.pk)).order_by("seq")
    )
    assert ["replies.public" in e.fields for e in events] == [False, True]


def test_a_protection_case_never_gets_a_public_reply(
    as_viewer: ViewerFor, sms_channel: Channel, from_channel: Callable[..., Feedback]
) -> None:
    record = from_channel(sms_channel, sensitivity=Sensitivity.SENSITIVE)
    with pytest.raises(ReplyRefused):
        do_reply_to_feedback(as_viewer("protection"), record.pk, TEXT, public=True)
    assert nothing_sent()
    # A reply made public before the record was raised is not shown either.
    Feedback.objects.filter(pk=record.pk).update(sensitivity=Sensitivity.NORMAL)
    do_reply_to_feedback(as_viewer("protection"), record.pk, "Shown until raised", public=True)
    Feedback.objects.filter(pk=record.pk).update(sensitivity=Sensitivity.SENSITIVE)
    url = reverse("public:status", args=[record.project.slug]) + "?lang=en"
    page = Client().post(url, {"code": record.reference}, REMOTE_ADDR="10.0.0.9")
    assert "Shown until raised" not in page.content.decode()
